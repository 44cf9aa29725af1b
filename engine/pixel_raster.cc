// Pixel checksums of Sun raster and PCX files, as Pillow 9.4 decodes them.
//
// Sun raster (SunImagePlugin): a 32-byte big-endian header, an RGB colour map of
// `palette_length` bytes, then rows of ((width * depth + 15) / 16) * 2 bytes (the raw decoder
// needs only the used bytes of the last row). Modes: depth 1 "1" (stored inverted, "1;I"),
// depth 4 "L" (samples * 17) or "P" with a colour map (indices), depth 8 "L"/"P", depth 24 and
// 32 "RGB" (BGR / BGRX unless the file type is 3, RGB / RGBX). File type 2 (RLE) is decoded
// by engine/pixel_rle.cc into the same rows.
//
// SGI (SgiImagePlugin), uncompressed only: planes of width * height samples after the
// 512-byte header, one per band (L, RGB or RGBA), rows bottom-up; 16-bit samples (big-endian)
// give their high byte ("L;16B"). Pillow needs every plane whole. RLE (storage 1) is decoded
// by engine/pixel_rle.cc.
//
// PCX (PcxImagePlugin + PcxDecode.c): run-length data from offset 128, one scanline of
// planes * stride bytes at a time, where stride = (width * bits + 7) / 8, made even when the
// header's own stride differs. A run longer than what is left of its scanline is cut there
// and the decoder's error code set: Pillow raises once the image is read, so it is an error
// here. When a scanline's length is not a multiple of the width (and is longer than it), the
// decoder moves bands 1.. down to offsets width, 2 * width, ... (bands = length / width) before
// unpacking; the unpackers then read planes at fixed offsets: "1" bits, "P;2L"/"P;4L" bit
// planes (plane k at k * ((width + 7) / 8)), "L"/"P" bytes, "RGB;L" planes at 0, width and
// 2 * width. Mode "L" and "P" give the same bytes (indices), so the palette check at the end
// of the file does not matter here (the file must still be 769 bytes long, or Pillow fails).
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "engine/pixel_checksum_internal.h"

namespace ingest::pixels {
namespace {

uint32_t Be32At(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}
uint16_t Le16At(const uint8_t* p) { return static_cast<uint16_t>(p[1] << 8 | p[0]); }

// One PCX scanline (`line` bytes, as decoded) into Pillow's tobytes() row.
void PcxRow(std::vector<uint8_t>& line, uint32_t width, unsigned bits, unsigned planes,
            std::vector<uint8_t>* out) {
  const size_t bytes = line.size();
  if (bytes % width != 0 && bytes > width) {
    const size_t bands = bytes / width;
    const size_t stride = bytes / bands;
    for (size_t i = 1; i < bands; ++i) {
      std::memmove(&line[i * width], &line[i * stride], width);
    }
  }
  out->clear();
  if (bits == 1 && planes == 1) {
    out->resize((width + 7) / 8);
    PackBitsRow(line.data(), width, false, out->data());
  } else if (bits == 1) {  // P;2L / P;4L
    const size_t s = (width + 7) / 8;
    out->resize(width);
    for (uint32_t x = 0; x < width; ++x) {
      const uint8_t m = static_cast<uint8_t>(0x80 >> (x % 8));
      uint8_t v = 0;
      for (unsigned p = 0; p < planes; ++p) {
        if (line[x / 8 + p * s] & m) v = static_cast<uint8_t>(v | (1 << p));
      }
      (*out)[x] = v;
    }
  } else if (planes == 1) {  // L / P
    out->assign(line.begin(), line.begin() + width);
  } else {  // RGB;L
    out->resize(size_t{width} * 3);
    for (uint32_t x = 0; x < width; ++x) {
      for (int c = 0; c < 3; ++c) (*out)[3 * x + c] = line[x + c * size_t{width}];
    }
  }
}

}  // namespace

size_t SunRow(const uint8_t* in, uint32_t width, uint32_t depth, bool palette, bool rgb_order,
              uint8_t* out) {
  switch (depth) {
    case 1:
      PackBitsRow(in, width, true, out);
      return (width + 7) / 8;
    case 4:
      UnpackSubByteRow(in, width, 4, palette ? 1 : 0x11, out);
      return width;
    case 8:
      std::memcpy(out, in, width);
      return width;
    default: {  // 24 and 32
      const int step = depth == 24 ? 3 : 4;
      for (uint32_t x = 0; x < width; ++x) {
        const uint8_t* px = in + size_t{x} * step;
        out[3 * x] = rgb_order ? px[0] : px[2];
        out[3 * x + 1] = px[1];
        out[3 * x + 2] = rgb_order ? px[2] : px[0];
      }
      return size_t{width} * 3;
    }
  }
}

Status HashSunPixels(std::span<const std::byte> file, Md5Sink* sink) {
  const auto* s = reinterpret_cast<const uint8_t*>(file.data());
  if (file.size() < 32) return Status::Corruption("SUN: truncated header");
  const uint64_t width = Be32At(s + 4), height = Be32At(s + 8);
  const uint32_t depth = Be32At(s + 12), file_type = Be32At(s + 20);
  const uint32_t palette_type = Be32At(s + 24), palette_length = Be32At(s + 28);
  if (depth != 1 && depth != 4 && depth != 8 && depth != 24 && depth != 32) {
    return Status::Unsupported("SUN: unsupported bit depth " + std::to_string(depth));
  }
  if (palette_length != 0 && (palette_length > 1024 || palette_type != 1)) {
    return Status::Unsupported("SUN: unsupported colour map");
  }
  if (file_type > 5) return Status::Unsupported("SUN: unsupported file type");
  if (width == 0 || height == 0) return Status::Unsupported("SUN: width or height is 0");
  INGEST_RETURN_IF_ERROR(CheckPixelCount("SUN", width, height));
  const uint64_t offset = 32 + uint64_t{palette_length};
  if (file_type == 2) {
    const auto data = std::span(s, file.size()).subspan(std::min<size_t>(offset, file.size()));
    return HashSunRlePixels(data, static_cast<uint32_t>(width), static_cast<uint32_t>(height),
                            depth, palette_length != 0, sink);
  }
  const uint64_t stride = ((width * depth + 15) / 16) * 2;
  const uint64_t used = (width * depth + 7) / 8;
  if (file.size() < offset || file.size() - offset < stride * (height - 1) + used) {
    return Status::Corruption("SUN: image file is truncated");
  }
  const auto w = static_cast<uint32_t>(width);
  std::vector<uint8_t> row(depth >= 24 ? size_t{w} * 3 : size_t{w} + 8);
  for (uint64_t y = 0; y < height; ++y) {
    const size_t n = SunRow(s + offset + y * stride, w, depth, palette_length != 0,
                            file_type == 3, row.data());
    sink->Update(row.data(), n);
  }
  return Status();
}

Status HashSgiPixels(std::span<const std::byte> file, Md5Sink* sink) {
  const auto* s = reinterpret_cast<const uint8_t*>(file.data());
  if (file.size() < 512) return Status::Corruption("SGI: truncated header");
  const unsigned storage = s[2], bpc = s[3];
  const unsigned dimension = static_cast<unsigned>(s[4] << 8 | s[5]);
  const uint32_t width = static_cast<uint32_t>(s[6] << 8 | s[7]);
  const uint32_t height = static_cast<uint32_t>(s[8] << 8 | s[9]);
  const unsigned zsize = static_cast<unsigned>(s[10] << 8 | s[11]);
  const bool known =
      (bpc == 1 || bpc == 2) && (((dimension == 1 || dimension == 2) && zsize == 1) ||
                                 (dimension == 3 && (zsize == 3 || zsize == 4)));
  if (!known) return Status::Corruption("SGI: unsupported image mode");
  if (storage != 0 && storage != 1) {
    return Status::Unsupported("SGI: unknown storage " + std::to_string(storage));
  }
  if (width == 0 || height == 0) return Status::Unsupported("SGI: width or height is 0");
  INGEST_RETURN_IF_ERROR(CheckPixelCount("SGI", width, height));
  if (storage == 1) return HashSgiRlePixels(file, width, height, zsize, bpc, sink);
  const uint64_t page = uint64_t{width} * height * bpc;
  if (file.size() - 512 < page * zsize) return Status::Corruption("SGI: image file is truncated");
  std::vector<uint8_t> row(size_t{width} * zsize);
  for (uint32_t y = 0; y < height; ++y) {
    const uint64_t plane_row = uint64_t{height - 1 - y} * width * bpc;
    for (unsigned z = 0; z < zsize; ++z) {
      const uint8_t* in = s + 512 + z * page + plane_row;
      for (uint32_t x = 0; x < width; ++x) row[size_t{x} * zsize + z] = in[size_t{x} * bpc];
    }
    sink->Update(row.data(), row.size());
  }
  return Status();
}

Status HashPcxPixels(std::span<const std::byte> file, Md5Sink* sink) {
  const auto* s = reinterpret_cast<const uint8_t*>(file.data());
  if (file.size() < 128) return Status::Corruption("PCX: truncated header");
  const uint32_t x0 = Le16At(s + 4), y0 = Le16At(s + 6);
  const uint32_t x1 = Le16At(s + 8) + 1u, y1 = Le16At(s + 10) + 1u;
  if (x1 <= x0 || y1 <= y0) return Status::Unsupported("PCX: bad image size");
  const unsigned version = s[1], bits = s[3], planes = s[65];
  const bool known = (bits == 1 && (planes == 1 || planes == 2 || planes == 4)) ||
                     (version == 5 && bits == 8 && (planes == 1 || planes == 3));
  if (!known) return Status::Corruption("PCX: unknown PCX mode");
  if (version == 5 && bits == 8 && planes == 1 && file.size() < 769) {
    return Status::Corruption("PCX: file too short for its palette");
  }
  const uint32_t width = x1 - x0, height = y1 - y0;
  INGEST_RETURN_IF_ERROR(CheckPixelCount("PCX", width, height));
  size_t stride = (size_t{width} * bits + 7) / 8;
  if (Le16At(s + 66) != stride) stride += stride % 2;
  std::vector<uint8_t> line(planes * stride);
  std::vector<uint8_t> row;
  size_t x = 0;
  bool overrun = false;
  size_t pos = 128;
  for (uint32_t y = 0; y < height;) {
    if (pos >= file.size()) return Status::Corruption("PCX: image file is truncated");
    if ((s[pos] & 0xC0) == 0xC0) {
      if (pos + 1 >= file.size()) return Status::Corruption("PCX: image file is truncated");
      for (unsigned n = s[pos] & 0x3F; n > 0; --n) {
        if (x >= line.size()) {
          overrun = true;
          break;
        }
        line[x++] = s[pos + 1];
      }
      pos += 2;
    } else {
      line[x++] = s[pos++];
    }
    if (x >= line.size()) {
      PcxRow(line, width, bits, planes, &row);
      sink->Update(row.data(), row.size());
      x = 0;
      ++y;
    }
  }
  if (overrun) return Status::Corruption("PCX: a run crosses the end of its scanline");
  return Status();
}

}  // namespace ingest::pixels
