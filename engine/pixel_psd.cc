// Pixel checksums of Photoshop files, as Pillow 9.4's PsdImagePlugin loads them: the merged
// image (never a layer), whose place the probe finds by reading what Pillow reads on open
// (engine/psd_probe.cc: colour mode data, resources, the layer section).
//
// The merged image is one plane a channel, each read as its own tile in Pillow's mode:
// "1" (bitmap, 1 bit: rows of ceil(width / 8) bytes, bits as stored), L (grey, duotone,
// multichannel, and bitmap at 8 bits), P (indices), RGB, RGBA (RGB with exactly 4 channels),
// CMYK (every sample inverted, Pillow's "C;I"...) and LAB (a and b stored offset: their bytes
// come out XOR 0x80); only the mode's channels are read, whatever else the file holds.
//  - Compression 0 (raw): plane c starts at c * width * height bytes into the data (width, not
//    the row size, also for "1"), and must be whole.
//  - Compression 1 (PackBits): a table of channels * height 16-bit byte counts, then the
//    planes; plane c starts where the counts of the planes before it add up to, and its
//    stream runs on until its rows are full, whatever its own counts say. 0x80 is skipped,
//    n > 0x80 repeats the next byte 257 - n times, n < 0x80 copies n + 1 bytes; a packet that
//    passes the end of a row has the rest dropped (Pillow's decoder ignores that overrun), and
//    a row ends only at the end of a packet. The file ending first is an error.
//  - Other compressions (ZIP): Pillow has no tile and cannot load the image.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "engine/byte_source.h"
#include "engine/image_probe_internal.h"
#include "engine/pixel_checksum_internal.h"

namespace ingest::pixels {
namespace {

enum class PsdMode { kOne, kL, kRgb, kCmyk, kLab };

// One channel's plane, row after row: raw, or a PackBits stream.
class PlaneRows {
 public:
  PlaneRows(std::span<const uint8_t> file, uint64_t at, size_t row_bytes, bool packbits)
      : file_(file), pos_(at), packbits_(packbits), line_(row_bytes) {}

  // The next row; nullptr when the file ends before it does.
  const uint8_t* Next() {
    const uint64_t size = file_.size();
    if (!packbits_) {
      if (pos_ > size || size - pos_ < line_.size()) return nullptr;
      const uint8_t* row = file_.data() + pos_;
      pos_ += line_.size();
      return row;
    }
    size_t x = 0;
    while (true) {
      if (pos_ >= size) return nullptr;
      const uint8_t op = file_[pos_];
      if (op == 0x80) {
        ++pos_;
        continue;
      }
      const bool run = op & 0x80;
      const size_t n = run ? 257u - op : op + 1u;
      const uint64_t packet = run ? 2 : n + 1;
      if (size - pos_ < packet) return nullptr;
      const size_t k = std::min(n, line_.size() - x);
      if (run) {
        std::memset(line_.data() + x, file_[pos_ + 1], k);
      } else {
        std::memcpy(line_.data() + x, file_.data() + pos_ + 1, k);
      }
      x += k;
      pos_ += packet;
      if (x >= line_.size()) return line_.data();
    }
  }

 private:
  std::span<const uint8_t> file_;
  uint64_t pos_;
  bool packbits_;
  std::vector<uint8_t> line_;
};

PsdMode ModeOf(const probe_internal::PsdLayout& psd) {
  if (psd.bits == 1) return PsdMode::kOne;
  switch (psd.mode) {
    case 3:
      return PsdMode::kRgb;
    case 4:
      return PsdMode::kCmyk;
    case 9:
      return PsdMode::kLab;
    default:
      return PsdMode::kL;  // grey, indexed (indices), duotone, multichannel, 8-bit bitmap
  }
}

// Where each channel's plane starts, after the compression field at `tile_at`.
std::vector<uint64_t> PlaneStarts(std::span<const uint8_t> s, uint64_t tile_at, unsigned channels,
                                  uint32_t width, uint32_t height, bool packbits) {
  std::vector<uint64_t> starts(channels);
  const uint64_t data = tile_at + 2;
  if (!packbits) {
    for (unsigned c = 0; c < channels; ++c) starts[c] = data + uint64_t{c} * width * height;
    return starts;
  }
  // The probe has read the whole table (Pillow fails on a short one).
  const uint8_t* counts = s.data() + data;
  uint64_t at = data + uint64_t{channels} * height * 2;
  for (unsigned c = 0; c < channels; ++c) {
    starts[c] = at;
    for (uint32_t y = 0; y < height; ++y) {
      const size_t i = (size_t{c} * height + y) * 2;
      at += uint64_t{counts[i]} << 8 | counts[i + 1];
    }
  }
  return starts;
}

}  // namespace

Status HashPsdPixels(std::span<const std::byte> file, Md5Sink* sink) {
  SpanByteSource src(file);
  probe_internal::PsdLayout psd;
  INGEST_ASSIGN_OR_RETURN(ImageInfo info, probe_internal::ProbePsd(src, &psd));
  INGEST_RETURN_IF_ERROR(CheckPixelCount("PSD", info.width, info.height));
  const std::span<const uint8_t> s(reinterpret_cast<const uint8_t*>(file.data()), file.size());
  if (psd.tile_at > s.size() || s.size() - psd.tile_at < 2) {
    return Status::Corruption("PSD: no compression field for the merged image");
  }
  const unsigned compression = unsigned{s[psd.tile_at]} << 8 | s[psd.tile_at + 1];
  if (compression > 1) {
    return Status::Unsupported("PSD: compression " + std::to_string(compression) +
                               " (ZIP): Pillow cannot load the merged image");
  }
  const PsdMode mode = ModeOf(psd);
  const uint32_t width = info.width, height = info.height;
  const size_t row_bytes = mode == PsdMode::kOne ? (size_t{width} + 7) / 8 : width;
  std::vector<PlaneRows> planes;
  for (uint64_t at : PlaneStarts(s, psd.tile_at, psd.channels, width, height, compression)) {
    planes.emplace_back(s, at, row_bytes, compression == 1);
  }
  const unsigned n = psd.channels;
  std::vector<uint8_t> out(mode == PsdMode::kOne ? row_bytes : size_t{width} * n);
  std::vector<const uint8_t*> rows(n);
  for (uint32_t y = 0; y < height; ++y) {
    for (unsigned c = 0; c < n; ++c) {
      rows[c] = planes[c].Next();
      if (!rows[c]) return Status::Corruption("PSD: image file is truncated");
    }
    if (mode == PsdMode::kOne) {
      PackBitsRow(rows[0], width, false, out.data());
    } else {
      const uint8_t flip = mode == PsdMode::kCmyk ? 0xFF : 0;
      for (unsigned c = 0; c < n; ++c) {
        const uint8_t x = mode == PsdMode::kLab && c > 0 ? 0x80 : flip;
        for (uint32_t i = 0; i < width; ++i) out[size_t{i} * n + c] = rows[c][i] ^ x;
      }
    }
    sink->Update(out.data(), out.size());
  }
  return Status();
}

}  // namespace ingest::pixels
