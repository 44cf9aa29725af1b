// MediaInspector: what the finish job needs to know about uploaded files (image sizes, archive
// members, video frame counts), behind a small interface so the job can be tested with a fake.
// The built-in one uses the engine's probes: engine/image_probe.h (Pillow-exact sizes and EXIF
// orientation, by header only), engine/archive_reader.h and engine/video_probe.h (FFmpeg).
//
// Sizes are the ones CVAT stores for a frame. Without an uploaded manifest CVAT builds one
// with its manifest code (utils/dataset_manifest/core.py), which takes PIL's width and height
// and swaps them when the EXIF orientation (tag 274) is > 4; the frame sizes come from that
// manifest. So every image size here is already swapped for orientations 5 to 8.
#ifndef INGEST_SERVER_MEDIA_INSPECTOR_H_
#define INGEST_SERVER_MEDIA_INSPECTOR_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/image_probe.h"
#include "engine/result.h"

namespace ingest::server {

struct ImageSize {
  int64_t width = 0;
  int64_t height = 0;
};

struct ArchiveImage {
  std::string path;  // as stored in the archive, without a leading "./"
  ImageSize size;
};

struct VideoProps {
  int64_t frames = 0;
  int64_t width = 0;  // as displayed (swapped for a 90/270 degree rotation)
  int64_t height = 0;
};

class MediaInspector {
 public:
  virtual ~MediaInspector() = default;
  // The stored size of the image file at `path`. Errors name the file.
  virtual Result<ImageSize> ProbeImageFile(const std::string& path) = 0;
  // The image members of an archive (zip, tar, ...), in archive order, with their sizes.
  // Members whose names could escape the archive ("..", absolute) are skipped.
  virtual Result<std::vector<ArchiveImage>> ListArchiveImages(const std::string& path) = 0;
  // Frame count and size of a video file.
  virtual Result<VideoProps> ProbeVideoFile(const std::string& path) = 0;
};

// The size CVAT stores for an image Pillow reports as `info`: swapped when orientation > 4.
ImageSize StoredImageSize(const ImageInfo& info);

// The engine-backed inspector.
std::unique_ptr<MediaInspector> NewEngineMediaInspector();

}  // namespace ingest::server

#endif  // INGEST_SERVER_MEDIA_INSPECTOR_H_
