// Windows icons (.ico): the size Pillow 9.4 gives, which is that of the entry it loads when
// it opens the file. Pillow sorts the directory by colour depth, then (stably) by area, and
// takes the last entry: the largest, and among equal areas the deepest (the later one in
// the file on a tie). A width or height byte of 0 means 256; the colour depth is the bpp
// field, else ceil(log2(colour count)), else 256. The entry's image is a PNG, whose IHDR
// gives its size, or a DIB (a BMP without its file header) whose height counts the AND mask
// too, so Pillow halves it. Pillow then decodes it; when the decoded size differs from the
// directory's, the decoded size wins if the icon has one size only; with several, Pillow's
// handling depends on set ordering, so we refuse the file rather than guess. What only
// decoding finds (truncated pixel data or AND mask, a corrupt PNG stream) is not checked.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "engine/image_probe_internal.h"
#include "engine/status.h"

namespace ingest::probe_internal {
namespace {

// The source from `offset` on, with `prefix` in front (a BMP file header for a DIB).
class WindowSource : public ByteSource {
 public:
  WindowSource(ByteSource& src, uint64_t offset, std::string_view prefix)
      : src_(src), offset_(offset), prefix_(prefix) {}
  Result<size_t> ReadAt(uint64_t at, void* buf, size_t n) override {
    auto* out = static_cast<uint8_t*>(buf);
    size_t done = 0;
    if (at < prefix_.size()) {
      done = std::min(n, prefix_.size() - static_cast<size_t>(at));
      std::memcpy(out, prefix_.data() + at, done);
    }
    if (done == n) return done;
    INGEST_ASSIGN_OR_RETURN(
        size_t got, src_.ReadAt(offset_ + (at + done - prefix_.size()), out + done, n - done));
    return done + got;
  }
  uint64_t size() const override {
    return prefix_.size() + (src_.size() > offset_ ? src_.size() - offset_ : 0);
  }

 private:
  ByteSource& src_;
  uint64_t offset_;
  std::string_view prefix_;
};

struct IconEntry {
  uint32_t width, height, depth, offset, size, bpp;
};

}  // namespace

Result<ImageInfo> ProbeIco(ByteSource& src, IcoChoice* chosen) {
  uint8_t h[6];
  INGEST_RETURN_IF_ERROR(ReadExact(src, 0, h, 6, "ICO: header"));
  unsigned count = Le16(h + 4);
  std::vector<IconEntry> entries;
  for (unsigned i = 0; i < count; ++i) {
    uint8_t e[16];
    INGEST_ASSIGN_OR_RETURN(size_t got, src.ReadAt(6 + 16 * uint64_t{i}, e, 16));
    if (got < 16) return Status::Unsupported("ICO: truncated directory");
    IconEntry entry{e[0] != 0 ? e[0] : 256u, e[1] != 0 ? e[1] : 256u, Le16(e + 6), Le32(e + 12),
                    Le32(e + 8), Le16(e + 6)};
    if (entry.depth == 0 && e[2] != 0) {
      // Python's ceil(log(n, 2)), which is log(n) / log(2) in doubles.
      entry.depth =
          static_cast<uint32_t>(std::ceil(std::log(static_cast<double>(e[2])) / std::log(2.0)));
    }
    if (entry.depth == 0) entry.depth = 256;
    entries.push_back(entry);
  }
  if (entries.empty()) return Status::Unsupported("ICO: no images");
  std::stable_sort(entries.begin(), entries.end(),
                   [](const IconEntry& a, const IconEntry& b) { return a.depth < b.depth; });
  std::stable_sort(entries.begin(), entries.end(), [](const IconEntry& a, const IconEntry& b) {
    return a.width * a.height < b.width * b.height;
  });
  const IconEntry& best = entries.back();

  uint8_t magic[8] = {};
  INGEST_ASSIGN_OR_RETURN(size_t got, src.ReadAt(best.offset, magic, 8));
  Result<ImageInfo> inner = Status::Internal("unset");
  uint32_t inner_height = 0;
  if (got == 8 && std::memcmp(magic, "\x89PNG\r\n\x1A\n", 8) == 0) {
    WindowSource png(src, best.offset, {});
    inner = ProbePng(png);
    if (inner) inner_height = inner->height;
  } else {
    static const char kFileHeader[14] = {'B', 'M'};
    WindowSource dib(src, best.offset, std::string_view(kFileHeader, sizeof kFileHeader));
    inner = ProbeBmp(dib);
    if (inner) inner_height = inner->height / 2;
  }
  if (!inner) return inner.error().WithPrefix("ICO image");
  ImageInfo info;
  info.format = ImageFormat::kIco;
  info.width = best.width;
  info.height = best.height;
  if (inner->width != best.width || inner_height != best.height) {
    // Pillow swaps the decoded size into its set of sizes at the entry's index in the sorted
    // directory, then sets it, which passes only if it lands in the set. With one distinct
    // size that always works and the decoded size wins; otherwise it depends on the order of
    // a set of tuples, which we do not reproduce.
    bool one_size = std::all_of(entries.begin(), entries.end(), [&](const IconEntry& e) {
      return e.width == best.width && e.height == best.height;
    });
    if (!one_size || inner->width == 0 || inner_height == 0) {
      return Status::Unsupported("ICO: the image's size differs from its directory entry");
    }
    info.width = inner->width;
    info.height = inner_height;
  }
  if (chosen) *chosen = {best.offset, best.size, best.bpp};
  return info;
}

}  // namespace ingest::probe_internal
