// MediaInspector: what the finish job needs to know about uploaded files (image sizes, archive
// members, video frame counts), behind a small interface so the job can be tested with a fake
// and switched to the engine's probes.
//
// TODO(server): #3 switch HeaderMediaInspector to engine/image_probe.h (full format list, EXIF
// orientation) and the engine's FFmpeg video probe once they are merged; today it reads PNG,
// JPEG, GIF and BMP headers only and cannot count video frames (a video needs a manifest).
#ifndef INGEST_SERVER_MEDIA_INSPECTOR_H_
#define INGEST_SERVER_MEDIA_INSPECTOR_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/result.h"

namespace ingest::server {

struct ImageSize {
  int64_t width = 0;
  int64_t height = 0;
};

struct ArchiveMember {
  std::string path;  // as stored in the archive
  ImageSize size;    // 0x0 when the member is not an image
};

class MediaInspector {
 public:
  virtual ~MediaInspector() = default;
  // The size of the image whose first bytes are `head` (a few KiB are enough for most files).
  virtual Result<ImageSize> ProbeImageHead(std::string_view head) = 0;
  // The size of the image file at `path`.
  virtual Result<ImageSize> ProbeImageFile(const std::string& path) = 0;
  // The image members of an archive (zip, tar, ...), in archive order.
  virtual Result<std::vector<ArchiveMember>> ListArchiveImages(const std::string& path) = 0;
  // The number of frames of a video file.
  virtual Result<int64_t> CountVideoFrames(const std::string& path) = 0;
};

// Reads image headers with minimal local logic and lists archives with libarchive.
std::unique_ptr<MediaInspector> NewHeaderMediaInspector();

}  // namespace ingest::server

#endif  // INGEST_SERVER_MEDIA_INSPECTOR_H_
