// Pixel checksums of Windows icons, as Pillow 9.4's IcoImagePlugin loads them: the image of
// the directory entry the probe picks (engine/ico_probe.cc: the largest, then the deepest).
//
// A PNG entry is decoded as a PNG file from its offset on, so its checksum is that PNG's.
//
// A DIB entry (a BMP without its file header, engine/pixel_bmp.cc) is read as Pillow's
// DibImageFile: the info header's height counts the AND mask too, so the image is the first
// height / 2 stored rows (the pixels start after the header and its palette). Pillow then
// converts it to RGBA ("1" and L grey, P through the palette, whose missing entries are the
// grey ramp Pillow starts every palette with) and puts an alpha band in:
//  - when the directory entry's bpp field is 32: every fourth byte of width * height * 4 bytes
//    from the start of the pixels, rows bottom-up, whatever the DIB's own bit count;
//  - else the AND mask: rows of width rounded up to 32 bits, bottom-up, that end where the
//    entry's byte count says the image ends; a set bit is transparent (alpha 0), else 255.
// Those bytes must all be in the file (Pillow raises otherwise), as must the rows of the
// image, of which the last needs only its pixels, not its padding.
#include <cstring>
#include <string>
#include <vector>

#include "engine/byte_source.h"
#include "engine/image_probe_internal.h"
#include "engine/pixel_bmp.h"
#include "engine/pixel_checksum_internal.h"

namespace ingest::pixels {
namespace {

// The bytes of one stored row that Pillow's raw decoder reads (the row without its padding).
uint64_t UsedRowBytes(const BmpLayout& dib) {
  switch (dib.kind) {
    case BmpKind::kPacked1:
      return (uint64_t{dib.width} + 7) / 8;
    case BmpKind::kIndexBits:
      return (uint64_t{dib.width} * dib.bits + 7) / 8;
    case BmpKind::kIndex8:
      return dib.width;
    case BmpKind::kBgr15:
    case BmpKind::kBgr16:
      return uint64_t{dib.width} * 2;
    case BmpKind::kBgr24:
      return uint64_t{dib.width} * 3;
    default:
      return uint64_t{dib.width} * 4;
  }
}

// The alpha band Pillow puts into the icon: `height` rows of `width` bytes, top-down.
Result<std::vector<uint8_t>> IconAlpha(std::span<const uint8_t> s, const BmpLayout& dib,
                                       uint32_t height, const probe_internal::IcoChoice& entry) {
  const uint32_t width = dib.width;
  std::vector<uint8_t> alpha(size_t{width} * height);
  if (entry.bpp == 32) {
    const uint64_t need = uint64_t{width} * height * 4;
    if (dib.pixels > s.size() || s.size() - dib.pixels < need) {
      return Status::Corruption("ICO: the 32-bit icon's alpha bytes run past the end of the file");
    }
    const uint8_t* in = s.data() + dib.pixels;
    for (uint32_t y = 0; y < height; ++y) {
      const uint8_t* row = in + (uint64_t{height} - 1 - y) * width * 4;
      for (uint32_t x = 0; x < width; ++x) alpha[size_t{y} * width + x] = row[4 * size_t{x} + 3];
    }
    return alpha;
  }
  const uint64_t padded = (uint64_t{width} + 31) / 32 * 32;
  const uint64_t total = padded * height / 8;
  const uint64_t end = entry.offset + entry.size;
  if (end < total) return Status::Corruption("ICO: the AND mask would start before the file");
  const uint64_t at = end - total;
  if (at > s.size() || s.size() - at < total) {
    return Status::Corruption("ICO: the AND mask runs past the end of the file");
  }
  for (uint32_t y = 0; y < height; ++y) {
    const uint8_t* row = s.data() + at + (uint64_t{height} - 1 - y) * (padded / 8);
    for (uint32_t x = 0; x < width; ++x) {
      const bool clear = (row[x / 8] >> (7 - x % 8)) & 1;
      alpha[size_t{y} * width + x] = clear ? 0 : 255;
    }
  }
  return alpha;
}

// One row in the DIB's mode (BmpRow) to RGB into `out` (4 bytes a pixel; alpha left alone).
void RowToRgb(const BmpLayout& dib, const uint8_t* in, uint8_t* out) {
  const uint32_t width = dib.width;
  const size_t entries = dib.palette.size() / dib.palette_entry;
  for (uint32_t x = 0; x < width; ++x) {
    uint8_t* d = out + 4 * size_t{x};
    switch (dib.mode) {
      case BmpMode::kOne:
        d[0] = d[1] = d[2] = (in[x / 8] >> (7 - x % 8)) & 1 ? 255 : 0;
        break;
      case BmpMode::kL:
        d[0] = d[1] = d[2] = in[x];
        break;
      case BmpMode::kP:
        if (in[x] < entries) {
          const uint8_t* e = dib.palette.data() + size_t{in[x]} * dib.palette_entry;
          d[0] = e[2];
          d[1] = e[1];
          d[2] = e[0];
        } else {
          d[0] = d[1] = d[2] = in[x];  // Pillow's palettes start as the grey ramp
        }
        break;
      case BmpMode::kRgb:
        std::memcpy(d, in + 3 * size_t{x}, 3);
        break;
      case BmpMode::kRgba:
        std::memcpy(d, in + 4 * size_t{x}, 3);
        break;
    }
  }
}

Status HashIconDib(std::span<const uint8_t> s, const probe_internal::IcoChoice& entry,
                   Md5Sink* sink) {
  INGEST_ASSIGN_OR_RETURN(BmpLayout dib, ReadBmpLayout(s, entry.offset, 0));
  if (dib.mode == BmpMode::kP && dib.palette.size() < dib.palette_entry) {
    return Status::Corruption("ICO: the icon's palette is cut short");
  }
  // Pillow checks the DIB's own size (both halves) against its bomb limit.
  INGEST_RETURN_IF_ERROR(CheckPixelCount("ICO", dib.width, dib.height));
  const uint32_t height = dib.height / 2;
  if (height == 0) return Status::Unsupported("ICO: a DIB of one row holds no image");
  INGEST_ASSIGN_OR_RETURN(std::vector<uint8_t> alpha, IconAlpha(s, dib, height, entry));
  const uint64_t need = dib.stride * (uint64_t{height} - 1) + UsedRowBytes(dib);
  if (dib.pixels > s.size() || s.size() - dib.pixels < need) {
    return Status::Corruption("ICO: image file is truncated (the icon's pixels)");
  }
  std::vector<uint8_t> row(BmpRowBytes(dib) + 8);
  std::vector<uint8_t> rgba(size_t{dib.width} * 4);
  for (uint32_t y = 0; y < height; ++y) {
    const uint32_t stored = dib.top_down ? y : height - 1 - y;
    BmpRow(dib, s.data() + dib.pixels + dib.stride * stored, row.data());
    RowToRgb(dib, row.data(), rgba.data());
    for (uint32_t x = 0; x < dib.width; ++x) {
      rgba[4 * size_t{x} + 3] = alpha[size_t{y} * dib.width + x];
    }
    sink->Update(rgba.data(), rgba.size());
  }
  return Status();
}

}  // namespace

Status HashIcoPixels(std::span<const std::byte> file, Md5Sink* sink) {
  SpanByteSource src(file);
  probe_internal::IcoChoice entry;
  INGEST_ASSIGN_OR_RETURN(ImageInfo info, probe_internal::ProbeIco(src, &entry));
  (void)info;
  static constexpr char kPngMagic[] = "\x89PNG\r\n\x1A\n";
  if (entry.offset <= file.size() && file.size() - entry.offset >= 8 &&
      std::memcmp(file.data() + entry.offset, kPngMagic, 8) == 0) {
    return HashPngPixels(file.subspan(static_cast<size_t>(entry.offset)), sink);
  }
  const std::span<const uint8_t> s(reinterpret_cast<const uint8_t*>(file.data()), file.size());
  return HashIconDib(s, entry, sink);
}

}  // namespace ingest::pixels
