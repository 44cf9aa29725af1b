// ManifestReader: streams a CVAT manifest (.jsonl, version 1.0 or 1.1) and returns typed
// entries. Lines are read with LineReader (fixed buffer, any line length) and parsed one at a
// time with simdjson, so memory does not grow with the file. Errors are kCorruption and read
// "<path>:<line>: <what>"; I/O errors name the file.
#ifndef INGEST_MANIFEST_MANIFEST_READER_H_
#define INGEST_MANIFEST_MANIFEST_READER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/result.h"
#include "manifest/line_reader.h"

namespace ingest::manifest {

enum class ManifestType : uint8_t { kImages, kVideo };

struct ManifestHeader {
  std::string version;  // "1.0" or "1.1"
  ManifestType type = ManifestType::kImages;
  // Video only: the properties line.
  std::string video_name;
  int64_t width = 0;
  int64_t height = 0;
  int64_t length = 0;
};

struct ImageItem {
  std::string name;       // as in the file, JSON escapes decoded to UTF-8
  std::string extension;
  int64_t width = 0;      // 0 when absent (3D manifests carry no size)
  int64_t height = 0;
  std::optional<std::vector<std::string>> related_images;  // meta.related_images if present
  std::optional<std::string> checksum;
  size_t line = 0;  // 1-based line number in the file
};

struct KeyFrame {
  int64_t number = 0;
  int64_t pts = 0;
  std::string checksum;  // empty when absent
  size_t line = 0;
};

class ManifestReader {
 public:
  // Opens `path` and reads the header: the version line, the type line and, for video, the
  // properties line (name a string, resolution a list of two integers, length an integer).
  static Result<std::unique_ptr<ManifestReader>> Open(std::string path);
  ~ManifestReader();

  const ManifestHeader& header() const { return header_; }

  // Reads the next image line (name and extension must be strings). False at the end.
  // REQUIRES: header().type == kImages.
  Result<bool> Next(ImageItem* item);
  // Reads the next key frame line (number and pts must be integers). False at the end.
  // REQUIRES: header().type == kVideo.
  Result<bool> Next(KeyFrame* frame);

  const std::string& path() const { return lines_->path(); }

 private:
  struct Parser;
  explicit ManifestReader(std::unique_ptr<LineReader> lines);
  Status ReadHeader();

  std::unique_ptr<LineReader> lines_;
  std::unique_ptr<Parser> parser_;
  ManifestHeader header_;
};

}  // namespace ingest::manifest

#endif  // INGEST_MANIFEST_MANIFEST_READER_H_
