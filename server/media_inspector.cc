#include "server/media_inspector.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "engine/c_handle.h"
#include "engine/media_kind.h"
#include "engine/unique_fd.h"

namespace ingest::server {
namespace {

constexpr size_t kHeadBytes = 64 * 1024;

uint32_t Be16(const unsigned char* p) { return (uint32_t{p[0]} << 8) | p[1]; }
uint32_t Be32(const unsigned char* p) { return (Be16(p) << 16) | Be16(p + 2); }
uint32_t Le16(const unsigned char* p) { return (uint32_t{p[1]} << 8) | p[0]; }
int32_t Le32(const unsigned char* p) {
  return static_cast<int32_t>((Le16(p + 2) << 16) | Le16(p));
}

Result<ImageSize> ProbeJpeg(const unsigned char* p, size_t n) {
  size_t i = 2;
  while (i + 9 < n) {
    if (p[i] != 0xff) return Status::Corruption("jpeg: bad marker");
    unsigned char m = p[i + 1];
    if (m == 0xff) {
      ++i;
      continue;
    }
    size_t len = Be16(p + i + 2);
    bool sof = m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc;
    if (sof) return ImageSize{Be16(p + i + 7), Be16(p + i + 5)};
    i += 2 + len;
  }
  return Status::Corruption("jpeg: no frame header in the first bytes");
}

class HeaderMediaInspector final : public MediaInspector {
 public:
  Result<ImageSize> ProbeImageHead(std::string_view head) override {
    const auto* p = reinterpret_cast<const unsigned char*>(head.data());
    size_t n = head.size();
    if (n >= 24 && std::string_view(head.data(), 8) == "\x89PNG\r\n\x1a\n") {
      return ImageSize{Be32(p + 16), Be32(p + 20)};
    }
    if (n >= 4 && p[0] == 0xff && p[1] == 0xd8) return ProbeJpeg(p, n);
    if (n >= 10 && (head.starts_with("GIF87a") || head.starts_with("GIF89a"))) {
      return ImageSize{Le16(p + 6), Le16(p + 8)};
    }
    if (n >= 26 && head.starts_with("BM")) {
      int32_t h = Le32(p + 22);
      return ImageSize{Le32(p + 18), h < 0 ? -int64_t{h} : h};
    }
    return Status::Unsupported("unknown image format");
  }

  Result<ImageSize> ProbeImageFile(const std::string& path) override {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return FromErrno("open " + path, errno);
    std::string buf(kHeadBytes, '\0');
    ssize_t got = ::pread(fd.get(), buf.data(), buf.size(), 0);
    if (got < 0) return FromErrno("read " + path, errno);
    buf.resize(static_cast<size_t>(got));
    Result<ImageSize> size = ProbeImageHead(buf);
    if (!size) return size.error().WithPrefix(path);
    return size;
  }

  Result<std::vector<ArchiveMember>> ListArchiveImages(const std::string& path) override {
    std::unique_ptr<archive, CDeleter<&archive_read_free>> a(archive_read_new());
    archive_read_support_filter_all(a.get());
    archive_read_support_format_all(a.get());
    if (archive_read_open_filename(a.get(), path.c_str(), 1 << 16) != ARCHIVE_OK) {
      return Status::Corruption(path + ": " + archive_error_string(a.get()));
    }
    std::vector<ArchiveMember> out;
    archive_entry* entry = nullptr;
    std::string head;
    for (;;) {
      int r = archive_read_next_header(a.get(), &entry);
      if (r == ARCHIVE_EOF) break;
      if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
        return Status::Corruption(path + ": " + archive_error_string(a.get()));
      }
      if (archive_entry_filetype(entry) != AE_IFREG) continue;
      const char* name = archive_entry_pathname(entry);
      if (name == nullptr || ClassifyName(name) != MediaKind::kImage) continue;
      head.resize(kHeadBytes);
      la_ssize_t got = archive_read_data(a.get(), head.data(), head.size());
      if (got < 0) return Status::Corruption(path + ": " + archive_error_string(a.get()));
      head.resize(static_cast<size_t>(got));
      Result<ImageSize> size = ProbeImageHead(head);
      if (!size) return size.error().WithPrefix(path + ": " + name);
      out.push_back({name, *size});
    }
    return out;
  }

  Result<int64_t> CountVideoFrames(const std::string& path) override {
    return Status::Unsupported(path +
                               ": counting video frames needs the engine's FFmpeg probe; "
                               "upload a manifest with the video");
  }
};

}  // namespace

std::unique_ptr<MediaInspector> NewHeaderMediaInspector() {
  return std::make_unique<HeaderMediaInspector>();
}

}  // namespace ingest::server
