// BMP rows as Pillow 9.4 reads them (engine/pixel_bmp.cc), for BMP files and the DIBs inside
// icons (engine/pixel_ico.cc). Internal to the pixel-checksum decoders.
#ifndef INGEST_ENGINE_PIXEL_BMP_H_
#define INGEST_ENGINE_PIXEL_BMP_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "engine/result.h"

namespace ingest::pixels {

// Pillow's mode for the bitmap.
enum class BmpMode { kOne, kL, kP, kRgb, kRgba };

// How a stored row becomes Pillow's bytes (its raw mode).
enum class BmpKind {
  kPacked1,    // "1": bits as stored
  kIndexBits,  // P;1, P;4: one index a byte
  kIndex8,     // L, P: bytes as stored
  kBgr15,
  kBgr16,
  kBgr24,
  kBgrx,
  kXbgr,
  kAbgr,
  kRgba,
  kBgra
};

struct BmpLayout {
  uint32_t width = 0, height = 0, bits = 0;
  bool top_down = false;
  BmpMode mode = BmpMode::kRgb;
  BmpKind kind = BmpKind::kBgr24;
  size_t stride = 0;    // bytes a stored row (4-byte aligned)
  uint64_t pixels = 0;  // offset in the file of the first stored row
  // P, "1" and L: the palette entries as stored (B, G, R[, X]), maybe fewer than the colours
  // when the file ends inside it.
  std::span<const uint8_t> palette;
  uint32_t palette_entry = 4;
};

// Reads the info header at `info_at` of `file` and what follows it (masks, palette).
// `pixel_offset` is a BMP file's bfOffBits, or 0 for a DIB (the pixels follow the palette).
// Errors: Unsupported (what Pillow refuses or we do not decode: RLE, other bit-field layouts,
// over 256 colours), Corruption (a header cut short, an empty image). The pixel rows are not
// checked against the file's size.
Result<BmpLayout> ReadBmpLayout(std::span<const uint8_t> file, uint64_t info_at,
                                uint64_t pixel_offset);

// Bytes of one row in Pillow's mode (tobytes()).
size_t BmpRowBytes(const BmpLayout& layout);

// Converts one stored row to Pillow's bytes; `out` holds BmpRowBytes(layout).
void BmpRow(const BmpLayout& layout, const uint8_t* row, uint8_t* out);

}  // namespace ingest::pixels

#endif  // INGEST_ENGINE_PIXEL_BMP_H_
