// LineReader: reads a file line by line through a fixed-size buffer (ninja's approach: no
// iostreams, one read(2) per buffer). A line longer than the buffer is gathered in a side
// string, up to a limit (kMaxLineLength by default): past it, Next fails with Corruption
// ("<path>:<line>: ..."), so a file of one endless line cannot take the memory.
#ifndef INGEST_MANIFEST_LINE_READER_H_
#define INGEST_MANIFEST_LINE_READER_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "engine/result.h"
#include "engine/unique_fd.h"

namespace ingest::manifest {

class LineReader {
 public:
  static constexpr size_t kDefaultBufferSize = 256 << 10;
  // A CVAT manifest line is a few hundred bytes (a few KiB with related images).
  static constexpr size_t kMaxLineLength = 1 << 20;

  // Opens `path` for reading. Errors name the file.
  static Result<std::unique_ptr<LineReader>> Open(std::string path,
                                                  size_t buffer_size = kDefaultBufferSize,
                                                  size_t max_line = kMaxLineLength);

  // Sets *line to the next line without its '\n' (a '\r' before it is kept). The view stays
  // valid until the next call. Returns false at the end of the file; a last line without a
  // '\n' is still returned.
  Result<bool> Next(std::string_view* line);

  // 1-based number of the line last returned (0 before the first).
  size_t line_number() const { return line_number_; }
  const std::string& path() const { return path_; }

 private:
  LineReader(std::string path, UniqueFd fd, size_t buffer_size, size_t max_line);
  Status TooLong() const;
  // Reads more bytes after end_; returns the count (0 at end of file).
  Result<size_t> Fill();

  std::string path_;
  UniqueFd fd_;
  std::unique_ptr<char[]> buf_;
  size_t size_;
  size_t max_line_;
  size_t begin_ = 0;  // unread data is buf_[begin_, end_)
  size_t end_ = 0;
  std::string long_line_;
  size_t line_number_ = 0;
};

}  // namespace ingest::manifest

#endif  // INGEST_MANIFEST_LINE_READER_H_
