// BMP pixel rows as Pillow 9.4's BmpImagePlugin reads them (in Python, through its raw
// unpackers): for BMP files, and for the DIBs (BMPs without the file header) inside icons.
//
// The info header (OS/2 12 bytes, or 40, 64, 108, 124) gives the size, the bit count and the
// compression (RGB or BITFIELDS; RLE, JPEG and PNG are Unsupported here). 1/4/8-bit images
// carry a palette of `colors` entries (the header's count, else 1 << bits; 4 bytes an entry,
// 3 for OS/2), which Pillow reads right after the header; when it is the grey ramp (for two
// colours: black and white) the image is "1" or L, else P. Where the pixels start: a BMP's
// file header says (bfOffBits; when it points right after the info header, Pillow skips the
// palette itself), while a DIB's start where Pillow stopped reading: after the header, the
// three 40-byte-header bit-field masks and the palette.
#include "engine/pixel_bmp.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "engine/pixel_checksum_internal.h"

namespace ingest::pixels {
namespace {

uint16_t Le16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }
uint32_t Le32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

// The conversion for a bit-field (or plain) 16/24/32-bit layout; Unsupported where Pillow
// raises "Unsupported BMP bitfields layout".
Status PickDirectKind(uint32_t bits, uint32_t compression, const uint32_t (&m)[4], BmpLayout* out) {
  auto is = [&](uint32_t r, uint32_t g, uint32_t b, uint32_t a) {
    return m[0] == r && m[1] == g && m[2] == b && m[3] == a;
  };
  out->mode = BmpMode::kRgb;
  if (bits == 16) {
    if (compression == 0 || is(0x7C00, 0x3E0, 0x1F, m[3])) {
      out->kind = BmpKind::kBgr15;
    } else if (is(0xF800, 0x7E0, 0x1F, m[3])) {
      out->kind = BmpKind::kBgr16;
    } else {
      return Status::Unsupported("BMP: 16-bit bit-field layout");
    }
  } else if (bits == 24) {
    if (compression == 3 && !is(0xFF0000, 0xFF00, 0xFF, m[3])) {
      return Status::Unsupported("BMP: 24-bit bit-field layout");
    }
    out->kind = BmpKind::kBgr24;
  } else {
    out->kind = BmpKind::kBgrx;
    if (compression == 3) {
      if (is(0xFF0000, 0xFF00, 0xFF, 0)) {
        out->kind = BmpKind::kBgrx;
      } else if (is(0xFF000000, 0xFF0000, 0xFF00, 0)) {
        out->kind = BmpKind::kXbgr;
      } else if (is(0xFF000000, 0xFF0000, 0xFF00, 0xFF)) {
        out->kind = BmpKind::kAbgr;
      } else if (is(0xFF, 0xFF00, 0xFF0000, 0xFF000000)) {
        out->kind = BmpKind::kRgba;
      } else if (is(0xFF0000, 0xFF00, 0xFF, 0xFF000000) || is(0, 0, 0, 0)) {
        out->kind = BmpKind::kBgra;
      } else {
        return Status::Unsupported("BMP: 32-bit bit-field layout");
      }
      if (out->kind == BmpKind::kAbgr || out->kind == BmpKind::kRgba ||
          out->kind == BmpKind::kBgra) {
        out->mode = BmpMode::kRgba;
      }
    }
  }
  return Status();
}

// The palette at `at`: grey ("1" / L) or P. A palette the file cuts short is what Pillow's
// read() gives: the entries there are, never grey.
void PickIndexedKind(std::span<const uint8_t> file, uint64_t at, uint32_t bits, uint32_t colors,
                     uint32_t entry, BmpLayout* out) {
  const uint64_t have = std::min<uint64_t>(uint64_t{colors} * entry, file.size() - at);
  const uint8_t* pal = file.data() + at;
  bool grey = have == uint64_t{colors} * entry;
  for (uint32_t i = 0; grey && i < colors; ++i) {
    uint8_t want = colors == 2 ? static_cast<uint8_t>(i ? 255 : 0) : static_cast<uint8_t>(i);
    const uint8_t* e = pal + size_t{i} * entry;
    grey = e[0] == want && e[1] == want && e[2] == want;
  }
  out->palette = file.subspan(static_cast<size_t>(at), static_cast<size_t>(have));
  out->palette_entry = entry;
  if (grey) {
    // Pillow then unpacks with raw mode "1" or "L" whatever the bit count.
    out->mode = colors == 2 ? BmpMode::kOne : BmpMode::kL;
    out->kind = colors == 2 ? BmpKind::kPacked1 : BmpKind::kIndex8;
  } else {
    out->mode = BmpMode::kP;
    out->kind = bits == 8 ? BmpKind::kIndex8 : BmpKind::kIndexBits;
  }
}

}  // namespace

Result<BmpLayout> ReadBmpLayout(std::span<const uint8_t> file, uint64_t info_at,
                                uint64_t pixel_offset) {
  const uint64_t size = file.size();
  if (info_at > size || size - info_at < 4) return Status::Corruption("BMP: truncated header");
  const uint8_t* p = file.data() + info_at;
  const uint32_t header = Le32(p);
  if (header != 12 && header != 40 && header != 64 && header != 108 && header != 124) {
    return Status::Unsupported("BMP: header size " + std::to_string(header));
  }
  if (size - info_at < header) return Status::Corruption("BMP: truncated header");
  const uint8_t* h = p + 4;  // after the header size
  BmpLayout out;
  uint32_t compression = 0, colors = 0, entry = 4;
  uint64_t tell = info_at + header;  // where Pillow's reading has got to
  uint32_t masks[4] = {0, 0, 0, 0};
  if (header == 12) {
    out.width = Le16(h);
    out.height = Le16(h + 2);
    out.bits = Le16(h + 6);
    entry = 3;
  } else {
    out.width = Le32(h);
    out.top_down = h[7] == 0xFF;
    out.height = out.top_down ? 0u - Le32(h + 4) : Le32(h + 4);
    out.bits = Le16(h + 10);
    compression = Le32(h + 12);
    colors = Le32(h + 28);
    if (compression == 3) {
      if (header >= 56) {
        for (int i = 0; i < 4; ++i) masks[i] = Le32(h + 36 + 4 * i);
      } else {
        if (size - tell < 12) return Status::Corruption("BMP: truncated masks");
        for (int i = 0; i < 3; ++i) masks[i] = Le32(file.data() + tell + 4 * i);
        tell += 12;
      }
    }
  }
  const uint32_t bits = out.bits;
  if (colors == 0 && bits < 32) colors = 1u << bits;
  if (pixel_offset == 14 + uint64_t{header} && bits <= 8) pixel_offset += 4 * uint64_t{colors};
  if (compression == 1 || compression == 2) return Status::Unsupported("BMP: RLE compression");
  if (compression != 0 && compression != 3) {
    return Status::Unsupported("BMP: compression " + std::to_string(compression));
  }
  if (bits == 1 || bits == 4 || bits == 8) {
    if (compression != 0) return Status::Unsupported("BMP: bit fields with a palette");
    // Pillow fails past 256 colours (its grey check cannot make a byte of 256).
    if (colors == 0 || colors > 256) return Status::Unsupported("BMP: palette size");
    PickIndexedKind(file, tell, bits, colors, entry, &out);
    tell += out.palette.size();
  } else if (bits == 16 || bits == 24 || bits == 32) {
    INGEST_RETURN_IF_ERROR(PickDirectKind(bits, compression, masks, &out));
  } else {
    return Status::Unsupported("BMP: " + std::to_string(bits) + " bits per pixel");
  }
  if (out.width == 0 || out.height == 0) return Status::Corruption("BMP: empty image");
  out.stride = ((size_t{out.width} * bits + 31) >> 3) & ~size_t{3};
  if (BmpRowBytes(out) > out.stride && out.kind == BmpKind::kIndex8) {
    // A grey 1/4-bit palette read as "L" needs more bytes than the row has: Pillow's raw
    // decoder refuses the stride.
    return Status::Corruption("BMP: rows too short for the grey palette's L mode");
  }
  out.pixels = pixel_offset != 0 ? pixel_offset : tell;
  return out;
}

size_t BmpRowBytes(const BmpLayout& layout) {
  switch (layout.mode) {
    case BmpMode::kOne:
      return (size_t{layout.width} + 7) / 8;
    case BmpMode::kL:
    case BmpMode::kP:
      return layout.width;
    case BmpMode::kRgb:
      return size_t{layout.width} * 3;
    case BmpMode::kRgba:
      return size_t{layout.width} * 4;
  }
  return 0;
}

void BmpRow(const BmpLayout& layout, const uint8_t* row, uint8_t* out) {
  const uint32_t width = layout.width;
  const size_t channels = layout.mode == BmpMode::kRgba ? 4 : 3;
  switch (layout.kind) {
    case BmpKind::kPacked1:
      PackBitsRow(row, width, false, out);
      break;
    case BmpKind::kIndexBits:
      UnpackSubByteRow(row, width, static_cast<int>(layout.bits), 1, out);
      break;
    case BmpKind::kIndex8:
      std::memcpy(out, row, width);
      break;
    case BmpKind::kBgr15:
    case BmpKind::kBgr16:
      for (uint32_t x = 0; x < width; ++x) {
        const unsigned v = Le16(row + 2 * x);
        const bool b15 = layout.kind == BmpKind::kBgr15;
        const unsigned r = b15 ? (v >> 10) & 31 : (v >> 11) & 31;
        const unsigned g = b15 ? (v >> 5) & 31 : (v >> 5) & 63;
        out[3 * x] = static_cast<uint8_t>(r * 255 / 31);
        out[3 * x + 1] = static_cast<uint8_t>(b15 ? g * 255 / 31 : g * 255 / 63);
        out[3 * x + 2] = static_cast<uint8_t>((v & 31) * 255 / 31);
      }
      break;
    case BmpKind::kBgr24:
    case BmpKind::kBgrx:
    case BmpKind::kBgra: {
      const size_t in_px = layout.bits / 8;
      for (uint32_t x = 0; x < width; ++x) {
        const uint8_t* s = row + in_px * x;
        uint8_t* d = out + channels * x;
        d[0] = s[2];
        d[1] = s[1];
        d[2] = s[0];
        if (channels == 4) d[3] = s[3];
      }
      break;
    }
    case BmpKind::kXbgr:
    case BmpKind::kAbgr:
      for (uint32_t x = 0; x < width; ++x) {
        const uint8_t* s = row + 4 * x;
        uint8_t* d = out + channels * x;
        d[0] = s[3];
        d[1] = s[2];
        d[2] = s[1];
        if (channels == 4) d[3] = s[0];
      }
      break;
    case BmpKind::kRgba:
      std::memcpy(out, row, size_t{width} * 4);
      break;
  }
}

Status HashBmpPixels(std::span<const std::byte> file, Md5Sink* sink) {
  const std::span<const uint8_t> s(reinterpret_cast<const uint8_t*>(file.data()), file.size());
  if (s.size() < 18) return Status::Corruption("BMP: truncated header");
  INGEST_ASSIGN_OR_RETURN(BmpLayout layout, ReadBmpLayout(s, 14, Le32(s.data() + 10)));
  INGEST_RETURN_IF_ERROR(CheckPixelCount("BMP", layout.width, layout.height));
  if (layout.pixels > s.size() || (s.size() - layout.pixels) / layout.stride < layout.height) {
    return Status::Corruption("BMP: image file is truncated");
  }
  std::vector<uint8_t> out(BmpRowBytes(layout));
  for (uint32_t y = 0; y < layout.height; ++y) {
    const uint32_t stored = layout.top_down ? y : layout.height - 1 - y;
    BmpRow(layout, s.data() + layout.pixels + layout.stride * stored, out.data());
    sink->Update(out.data(), out.size());
  }
  return Status();
}

}  // namespace ingest::pixels
