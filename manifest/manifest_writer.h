// Manifest writers: CVAT manifest 1.1 (.jsonl) for images and for video.
//
// Every line is what CVAT's Python tool writes: json.dumps with separators=(",", ":") and
// ensure_ascii (see jsonl_encoder.h), one object per line, '\n' after each line. Image lines
// carry the keys in CVAT's order: name, extension, width, height, then meta (only when the
// entry has a related_images list, even an empty one: CVAT's tool writes
// "meta":{"related_images":[]} for every image of a directory source) and checksum (only when
// set). Files are written through AtomicFileWriter: nothing appears under the final name
// until Close() succeeds.
#ifndef INGEST_MANIFEST_MANIFEST_WRITER_H_
#define INGEST_MANIFEST_MANIFEST_WRITER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "engine/result.h"
#include "engine/status.h"
#include "manifest/atomic_file.h"

namespace ingest::manifest {

// One image line. Views must stay valid for the call that takes the entry.
struct ImageLine {
  std::string_view name;       // relative path without the extension
  std::string_view extension;  // with its dot (".jpg"), as os.path.splitext gives it
  int64_t width = 0;
  int64_t height = 0;
  // Present: write "meta":{"related_images":[...]} (possibly empty). Absent: no meta.
  std::optional<std::span<const std::string_view>> related_images;
  std::string_view checksum;  // written when not empty
};

// Appends the JSON line for `line`, with its '\n', to *out.
void AppendImageLine(const ImageLine& line, std::string* out);

class ImageManifestWriter {
 public:
  // Starts `path` (through its temp file) and writes the two header lines.
  static Result<std::unique_ptr<ImageManifestWriter>> Open(std::string path);

  Status Append(const ImageLine& line);
  // Finishes the file under its final name. Without Close the temp file is removed.
  Status Close() { return file_->Close(); }
  void Abandon() { file_->Abandon(); }
  uint64_t lines_written() const { return lines_; }

 private:
  explicit ImageManifestWriter(std::unique_ptr<AtomicFileWriter> file) : file_(std::move(file)) {}
  std::unique_ptr<AtomicFileWriter> file_;
  uint64_t lines_ = 0;
};

struct VideoProperties {
  std::string_view name;  // the video's base name
  int64_t width = 0;
  int64_t height = 0;
  int64_t length = 0;  // frame count
};

struct KeyFrameLine {
  int64_t number = 0;  // frame index
  int64_t pts = 0;
  std::string_view checksum;  // md5 hex of the decoded RGB24 frame
};

class VideoManifestWriter {
 public:
  // Starts `path` and writes the version, type and properties lines.
  static Result<std::unique_ptr<VideoManifestWriter>> Open(std::string path,
                                                          const VideoProperties& props);
  Status Append(const KeyFrameLine& frame);
  Status Close() { return file_->Close(); }
  void Abandon() { file_->Abandon(); }

 private:
  explicit VideoManifestWriter(std::unique_ptr<AtomicFileWriter> file) : file_(std::move(file)) {}
  std::unique_ptr<AtomicFileWriter> file_;
};

}  // namespace ingest::manifest

#endif  // INGEST_MANIFEST_MANIFEST_WRITER_H_
