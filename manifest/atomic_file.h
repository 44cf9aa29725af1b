// AtomicFileWriter: writes a file so that its final name only ever shows a complete file.
//
// Bytes go to "<path>.tmp-<pid>" through a 1 MiB buffer (write(2) in whole blocks, no
// iostreams). Close() flushes, fsyncs the file, renames it to `path` and fsyncs the
// directory. Abandon(), or destroying the writer before Close(), removes the temp file. So a
// crash leaves at worst a stray temp file, never a half-written file under the final name.
// Errors name the file ("write /d/manifest.jsonl.tmp-42: No space left on device") and are
// sticky: after the first one every call returns it.
#ifndef INGEST_MANIFEST_ATOMIC_FILE_H_
#define INGEST_MANIFEST_ATOMIC_FILE_H_

#include <memory>
#include <string>
#include <string_view>

#include "engine/result.h"
#include "engine/status.h"
#include "engine/unique_fd.h"

namespace ingest::manifest {

class AtomicFileWriter {
 public:
  static constexpr size_t kBlockSize = 1 << 20;

  // Creates (truncates) the temp file next to `path`.
  static Result<std::unique_ptr<AtomicFileWriter>> Open(std::string path);
  ~AtomicFileWriter();  // Abandon() unless Close() succeeded
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  // Appends bytes; writes out whole blocks as the buffer fills.
  Status Append(std::string_view bytes);
  // The buffer itself, for encoders that append in place; call Flush() after appending.
  std::string* buffer() { return &buffer_; }
  // Writes out whole blocks once the buffer holds at least one.
  Status Flush();
  // Writes everything, fsyncs, renames to the final path. The writer is done afterwards.
  Status Close();
  // Removes the temp file (best effort). The writer is done afterwards.
  void Abandon();

  const std::string& path() const { return path_; }
  const std::string& temp_path() const { return temp_path_; }

 private:
  AtomicFileWriter(std::string path, std::string temp_path, UniqueFd fd);
  Status WriteOut(size_t n);  // writes the first n buffered bytes

  std::string path_;
  std::string temp_path_;
  UniqueFd fd_;
  std::string buffer_;
  Status error_;  // sticky
  bool done_ = false;
};

}  // namespace ingest::manifest

#endif  // INGEST_MANIFEST_ATOMIC_FILE_H_
