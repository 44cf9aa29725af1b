// Sizes of the binary formats whose header is a few fixed fields: Sun raster (.ras), SGI
// (.sgi .rgb), PCX (.pcx) and Windows metafiles (.wmf .emf), read as Pillow 9.4's plugins read them
// when it opens a file. Each function notes what makes Pillow refuse a file: "cannot identify" (a
// plugin's SyntaxError, or too few bytes) is Unsupported, an exception Pillow lets through
// (ValueError, OSError) is Corruption; CVAT's manifest tool fails on both.
#include <cstdint>
#include <cstring>
#include <string>

#include "engine/image_probe_internal.h"
#include "engine/status.h"

namespace ingest::probe_internal {
namespace {

// Python's fp.read(n) from offset 0: up to n bytes.
Result<size_t> ReadUpTo(ByteSource& src, uint8_t* buf, size_t n) {
  size_t have = 0;
  while (have < n) {
    INGEST_ASSIGN_OR_RETURN(size_t got, src.ReadAt(have, buf + have, n - have));
    if (got == 0) break;
    have += got;
  }
  return have;
}

Result<ImageInfo> Sized(ImageFormat format, uint64_t width, uint64_t height, const char* name) {
  if (width == 0 || height == 0) {
    return Status::Unsupported(std::string(name) +
                               ": width or height is 0 (Pillow cannot open it)");
  }
  ImageInfo info;
  info.format = format;
  info.width = static_cast<uint32_t>(width);
  info.height = static_cast<uint32_t>(height);
  return info;
}

}  // namespace

// Sun raster: 32-byte big-endian header; depth 1, 4, 8, 24 or 32; a colour map of at most
// 1024 bytes and of type 1 (RGB) when there is one; file type 0-5.
Result<ImageInfo> ProbeSun(ByteSource& src) {
  uint8_t s[32];
  INGEST_ASSIGN_OR_RETURN(size_t n, ReadUpTo(src, s, sizeof s));
  if (n < 32) return Status::Unsupported("SUN: truncated header");
  uint32_t depth = Be32(s + 12), file_type = Be32(s + 20);
  uint32_t palette_type = Be32(s + 24), palette_length = Be32(s + 28);
  if (depth != 1 && depth != 4 && depth != 8 && depth != 24 && depth != 32) {
    return Status::Unsupported("SUN: unsupported bit depth " + std::to_string(depth));
  }
  if (palette_length != 0 && (palette_length > 1024 || palette_type != 1)) {
    return Status::Unsupported("SUN: unsupported colour map");
  }
  if (file_type > 5) {
    return Status::Unsupported("SUN: unsupported file type " + std::to_string(file_type));
  }
  return Sized(ImageFormat::kSun, Be32(s + 4), Be32(s + 8), "SUN");
}

// SGI: magic 474, then storage, bytes per channel, dimension, x, y and z sizes (big-endian).
// (bpc, dimension, zsize) must be one Pillow knows, else it raises ValueError. Any storage
// byte opens (Pillow only decodes 0 and 1).
Result<ImageInfo> ProbeSgi(ByteSource& src) {
  uint8_t s[12];
  INGEST_ASSIGN_OR_RETURN(size_t n, ReadUpTo(src, s, sizeof s));
  if (n < 12) return Status::Unsupported("SGI: truncated header");
  unsigned bpc = s[3], dimension = Be16(s + 4), zsize = Be16(s + 10);
  bool known = (bpc == 1 || bpc == 2) && (((dimension == 1 || dimension == 2) && zsize == 1) ||
                                          (dimension == 3 && (zsize == 3 || zsize == 4)));
  if (!known) return Status::Corruption("SGI: unsupported image mode");
  return Sized(ImageFormat::kSgi, Be16(s + 6), Be16(s + 8), "SGI");
}

// PCX: the window (xmin, ymin, xmax, ymax) gives the size; the bits and planes must be a
// mode Pillow knows. Version 5 8-bit greyscale/palette makes Pillow seek 769 bytes back from
// the end for a palette, which fails (OSError) in a shorter file.
Result<ImageInfo> ProbePcx(ByteSource& src) {
  uint8_t s[68];
  INGEST_ASSIGN_OR_RETURN(size_t n, ReadUpTo(src, s, sizeof s));
  if (n < 68) return Status::Unsupported("PCX: truncated header");
  uint32_t x0 = Le16(s + 4), y0 = Le16(s + 6), x1 = Le16(s + 8) + 1u, y1 = Le16(s + 10) + 1u;
  if (x1 <= x0 || y1 <= y0) return Status::Unsupported("PCX: bad image size");
  unsigned version = s[1], bits = s[3], planes = s[65];
  bool known = (bits == 1 && (planes == 1 || planes == 2 || planes == 4)) ||
               (version == 5 && bits == 8 && (planes == 1 || planes == 3));
  if (!known) return Status::Corruption("PCX: unknown PCX mode");
  if (version == 5 && bits == 8 && planes == 1 && src.size() < 769) {
    return Status::Corruption("PCX: file too short for its palette");
  }
  return Sized(ImageFormat::kPcx, x1 - x0, y1 - y0, "PCX");
}

// WMF and EMF (Pillow's WMF stub: it opens them and reports a size, though it cannot draw them
// on Linux). A placeable WMF gives its bounding box in units of 1/inch (a 16-bit field) and
// Pillow scales it to 72 dpi with floor division (an inch of 0 raises ZeroDivisionError); the
// metafile header after it must start 01 00 09 00. An EMF gives its bounds in pixels; Pillow
// divides by the frame's width and height for the resolution (0 raises ZeroDivisionError).
Result<ImageInfo> ProbeWmf(ByteSource& src) {
  uint8_t s[80];
  INGEST_ASSIGN_OR_RETURN(size_t n, ReadUpTo(src, s, sizeof s));
  auto s16 = [&s](int at) { return static_cast<int64_t>(static_cast<int16_t>(Le16(s + at))); };
  auto s32 = [&s](int at) { return static_cast<int64_t>(static_cast<int32_t>(Le32(s + at))); };
  auto floor_div = [](int64_t a, int64_t b) {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
  };
  int64_t w = 0, h = 0;
  if (n >= 6 && std::memcmp(s, "\xD7\xCD\xC6\x9A\0\0", 6) == 0) {
    if (n < 16) return Status::Unsupported("WMF: truncated header");
    int64_t inch = Le16(s + 14);
    if (inch == 0) return Status::Corruption("WMF: 0 units per inch");
    w = floor_div((s16(10) - s16(6)) * 72, inch);
    h = floor_div((s16(12) - s16(8)) * 72, inch);
    if (n < 26 || std::memcmp(s + 22, "\x01\x00\x09\x00", 4) != 0) {
      return Status::Unsupported("WMF: unsupported WMF file format");
    }
  } else if (n >= 44 && std::memcmp(s + 40, " EMF", 4) == 0) {
    if (s32(32) - s32(24) == 0 || s32(36) - s32(28) == 0) {
      return Status::Corruption("EMF: empty frame (division by zero in Pillow)");
    }
    w = s32(16) - s32(8);
    h = s32(20) - s32(12);
  } else {
    return Status::Unsupported("WMF: unsupported file format");
  }
  if (w <= 0 || h <= 0) return Status::Unsupported("WMF: width or height is not positive");
  return Sized(ImageFormat::kWmf, static_cast<uint64_t>(w), static_cast<uint64_t>(h), "WMF");
}

}  // namespace ingest::probe_internal
