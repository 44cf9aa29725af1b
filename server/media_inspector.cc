#include "server/media_inspector.h"

#include <cerrno>
#include <memory>

#include <sys/stat.h>
#include <unistd.h>

#include "engine/archive_reader.h"
#include "engine/byte_source.h"
#include "engine/media_kind.h"
#include "engine/video_probe.h"

namespace ingest::server {
namespace {

// An archive member is probed from memory; members are read whole up to this size (a PNG
// whose EXIF follows its image data needs its end), larger ones from their first bytes.
constexpr size_t kMaxBufferedMember = 64 << 20;
constexpr size_t kReadChunk = 1 << 20;

class EngineMediaInspector final : public MediaInspector {
 public:
  Result<ImageSize> ProbeImageFile(const std::string& path) override {
    INGEST_ASSIGN_OR_RETURN(ImageInfo info, ingest::ProbeImageFile(path));
    return StoredImageSize(info);
  }

  Result<std::vector<ArchiveImage>> ListArchiveImages(const std::string& path) override {
    INGEST_ASSIGN_OR_RETURN(std::unique_ptr<ArchiveReader> reader, ArchiveReader::Open(path));
    std::vector<ArchiveImage> out;
    std::string bytes;
    std::unique_ptr<char[]> chunk(new char[kReadChunk]);
    ArchiveMember m;
    for (;;) {
      INGEST_ASSIGN_OR_RETURN(bool more, reader->Next(&m));
      if (!more) break;
      // CVAT refuses an archive whose members would extract outside its folder.
      if (m.problem.code() == Status::Code::kInvalidArgument) return m.problem;
      // Context images (related_images/ folders) are not frames.
      if (!m.problem.ok() || ClassifyName(m.path) != MediaKind::kImage ||
          IsInRelatedImagesFolder(m.path)) {
        continue;
      }
      bytes.clear();
      for (;;) {
        INGEST_ASSIGN_OR_RETURN(size_t n, reader->Read(chunk.get(), kReadChunk));
        if (n == 0 || bytes.size() + n > kMaxBufferedMember) break;
        bytes.append(chunk.get(), n);
      }
      SpanByteSource src(bytes);
      Result<ImageInfo> info = ProbeImage(src);
      if (!info) return info.error().WithPrefix(path + ": " + m.path);
      out.push_back({m.path, StoredImageSize(*info)});
    }
    return out;
  }

  Result<VideoProps> ProbeVideoFile(const std::string& path) override {
    Result<VideoInfo> info = ProbeVideo(path);
    if (!info) return info.error().WithPrefix(path);
    return VideoProps{static_cast<int64_t>(info->frame_count), info->width, info->height};
  }
};

}  // namespace

ImageSize StoredImageSize(const ImageInfo& info) {
  if (info.orientation > 4) return ImageSize{info.height, info.width};
  return ImageSize{info.width, info.height};
}

std::unique_ptr<MediaInspector> NewEngineMediaInspector() {
  return std::make_unique<EngineMediaInspector>();
}

}  // namespace ingest::server
