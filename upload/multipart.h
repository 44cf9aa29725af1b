// MultipartBody: a multipart/form-data body for CVAT's Upload-Multiple requests, streamed
// from disk: parts `client_files[0]`, `client_files[1]`, ... (indexed names: CVAT needs them)
// then the `image_quality` field that CVAT validates on every bulk request. The length is
// known before the first byte, so the request carries a real Content-Length; files are
// opened one at a time as the body reaches them, so memory stays at one read buffer.
#ifndef INGEST_UPLOAD_MULTIPART_H_
#define INGEST_UPLOAD_MULTIPART_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/result.h"
#include "upload/file_reader.h"

namespace ingest::upload {

struct MultipartFile {
  std::string name;  // the file name the server keeps
  uint64_t size = 0;
};

class MultipartBody {
 public:
  // `open(i)` opens file i for reading from its start; called once per file, in order.
  MultipartBody(std::vector<MultipartFile> files, int image_quality,
                std::function<Result<std::unique_ptr<FileReader>>(size_t)> open);

  const std::string& boundary() const { return boundary_; }
  std::string ContentType() const { return "multipart/form-data; boundary=" + boundary_; }
  uint64_t length() const { return length_; }

  // Copies the next bytes of the body into buf (up to n); returns 0 at the end. A file that
  // cannot be read, or that is shorter or longer than planned, is an error naming it.
  Result<size_t> Read(char* buf, size_t n);

  // Back to the start (for a retry of a request whose bytes never reached the server).
  void Rewind();

  // The file being sent (after a Read error: the file that failed); files().size() once the
  // trailer is reached.
  size_t part() const { return part_; }
  // The bytes of file part() read so far (0 before its header was sent).
  uint64_t part_bytes() const { return in_file_ ? file_pos_ : 0; }
  // The files' bytes read so far (the body less its multipart framing).
  uint64_t file_bytes() const { return file_bytes_; }

 private:
  // The text before file i's bytes (its part header), and after the last file.
  std::string PartHeader(size_t i) const;
  std::string Trailer() const;
  Result<size_t> ReadFile(char* buf, size_t n);

  std::vector<MultipartFile> files_;
  int image_quality_;
  std::function<Result<std::unique_ptr<FileReader>>(size_t)> open_;
  std::string boundary_;
  uint64_t length_ = 0;

  // Position: the part (files_.size() means the trailer), and within it the header text,
  // then the file bytes.
  size_t part_ = 0;
  std::string text_;       // header or trailer being sent
  size_t text_pos_ = 0;
  bool in_file_ = false;
  std::unique_ptr<FileReader> file_;
  uint64_t file_pos_ = 0;
  uint64_t file_bytes_ = 0;
  bool done_ = false;
};

// Quotes a file name for a Content-Disposition parameter: backslash and double quote are
// backslash-escaped, CR and LF become spaces (they cannot appear in a header).
std::string QuoteFilename(std::string_view name);

}  // namespace ingest::upload

#endif  // INGEST_UPLOAD_MULTIPART_H_
