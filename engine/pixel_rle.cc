// Pixel checksums of run-length coded Sun raster and SGI images, as Pillow 9.4 decodes them
// (its sun_rle and sgi_rle decoders), checked against Pillow run on files built to probe each
// rule (tests/engine/pixel_rle_test.cc).
//
// Sun raster, file type 2: a byte stream where 0x80 escapes. `0x80 0x00` is one 0x80 byte,
// `0x80 N V` is N + 1 bytes of value V, anything else is itself. The stream fills rows of
// ceil(width * depth / 8) bytes, with no 16-bit row padding (unlike the raw layout), and a run
// continues across row ends. Each full row is converted as a raw one (SunRow). The stream
// ending before the last row is complete is an error ("image file is truncated"); what follows
// the last row, including the rest of a run, is ignored.
//
// SGI, storage 1: after the header, a table of `bands * height` big-endian row offsets (from
// the start of the file) and one of as many lengths, row r of band c at index r + c * height.
// Pillow decodes rows bottom-up (file order), each band's row into one row buffer of
// interleaved samples that is never cleared, so samples a row does not reach keep the values
// of the row below (zeros at first). A row's "length" counts opcodes, not bytes. Opcode byte
// (for 16-bit samples, the low byte of a 16-bit word): count = low 7 bits; 0 ends the row;
// bit 7 set copies `count` samples, else repeats the next sample `count` times. Pillow's
// bounds checks are exact here, including that a copy or a 16-bit run may not reach the
// file's last byte, and so are its two ways out:
//  - an error (Pillow raises "buffer overrun"): an offset inside the header, a row wider than
//    the image, reading past the file; the tables longer than the file;
//  - a silent stop, where the last opcode a row's length allows is not 0: decoding ends there
//    without an error, and every row not yet finished stays zero.
// 16-bit samples give their high byte (the first, big-endian), as the raw layout does.
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

// Sun RLE output: bytes go into the current row; full rows are converted and hashed.
class SunRows {
 public:
  SunRows(uint32_t width, uint32_t height, uint32_t depth, bool palette, Md5Sink* sink)
      : width_(width),
        height_(height),
        depth_(depth),
        palette_(palette),
        sink_(sink),
        line_((uint64_t{width} * depth + 7) / 8),
        row_(depth >= 24 ? size_t{width} * 3 : size_t{width} + 8) {}

  bool done() const { return y_ >= height_; }

  // `count` bytes of `value`, across as many rows as they fill (the rest dropped at the end).
  void Put(uint8_t value, size_t count) {
    while (count > 0 && !done()) {
      const size_t n = std::min(count, line_.size() - x_);
      std::memset(line_.data() + x_, value, n);
      x_ += n;
      count -= n;
      if (x_ == line_.size()) {
        sink_->Update(row_.data(),
                      SunRow(line_.data(), width_, depth_, palette_, false, row_.data()));
        x_ = 0;
        ++y_;
      }
    }
  }

 private:
  uint32_t width_, height_, depth_;
  bool palette_;
  Md5Sink* sink_;
  std::vector<uint8_t> line_;  // one stored row
  std::vector<uint8_t> row_;   // the row converted
  size_t x_ = 0;
  uint32_t y_ = 0;
};

// How an SGI RLE row ended.
enum class SgiRowEnd { kDone, kStop, kOverrun };

// Expands one band's row of `bpc`-byte samples from data[pos...] into `line` (interleaved
// samples of `bands` bands, this one at `band`). `n` is the row's length, as Pillow's int.
SgiRowEnd ExpandSgiRow(std::span<const uint8_t> data, uint64_t pos, int32_t n, unsigned bpc,
                       unsigned bands, unsigned band, uint32_t width, uint8_t* line) {
  const uint64_t last = data.size() - 1;  // data.size() >= 8: checked by the caller
  const size_t step = size_t{bands} * bpc;
  uint8_t* out = line + size_t{band} * bpc;
  uint32_t x = 0;
  for (; n > 0; --n) {
    if (pos + bpc - 1 > last) return SgiRowEnd::kOverrun;
    const uint8_t op = data[pos + bpc - 1];
    pos += bpc;
    if (n == 1 && op != 0) return SgiRowEnd::kStop;
    const uint32_t count = op & 0x7F;
    if (count == 0) return SgiRowEnd::kDone;
    if (x + count > width) return SgiRowEnd::kOverrun;
    x += count;
    if (op & 0x80) {
      if (pos + uint64_t{bpc} * count > last) return SgiRowEnd::kOverrun;
      for (uint32_t i = 0; i < count; ++i, out += step, pos += bpc) {
        std::memcpy(out, &data[pos], bpc);
      }
    } else {
      // One byte may be the file's last; two may not (Pillow's check for 16 bits).
      if (bpc == 1 ? pos > last : pos + 2 > last) return SgiRowEnd::kOverrun;
      for (uint32_t i = 0; i < count; ++i, out += step) std::memcpy(out, &data[pos], bpc);
      pos += bpc;
    }
  }
  return SgiRowEnd::kDone;
}

// Decodes every row of an SGI RLE image into `image` (zeroed, rows top-down, `bands` bytes a
// pixel); stops early, leaving zeros, where Pillow stops silently.
Status DecodeSgiRle(std::span<const uint8_t> data, uint32_t width, uint32_t height, unsigned bands,
                    unsigned bpc, uint8_t* image) {
  const uint64_t tables = uint64_t{bands} * height;
  const size_t out_row = size_t{width} * bands;
  std::vector<uint8_t> line(out_row * bpc, 0);
  for (uint32_t r = 0; r < height; ++r) {
    for (unsigned c = 0; c < bands; ++c) {
      const uint64_t i = r + uint64_t{c} * height;
      const uint32_t start = Be32At(&data[4 * i]);
      const uint32_t length = Be32At(&data[4 * (tables + i)]);
      if (start < 512) {
        return Status::Corruption("SGI: RLE row " + std::to_string(r) +
                                  " starts inside the header (buffer overrun)");
      }
      switch (ExpandSgiRow(data, start - 512u, static_cast<int32_t>(length), bpc, bands, c, width,
                           line.data())) {
        case SgiRowEnd::kDone:
          break;
        case SgiRowEnd::kStop:
          return Status();
        case SgiRowEnd::kOverrun:
          return Status::Corruption("SGI: RLE row " + std::to_string(r) +
                                    " runs past its width or the end of the file "
                                    "(buffer overrun)");
      }
    }
    uint8_t* out = image + size_t{height - 1 - r} * out_row;
    for (size_t k = 0; k < out_row; ++k) out[k] = line[k * bpc];
  }
  return Status();
}

}  // namespace

Status HashSunRlePixels(std::span<const uint8_t> data, uint32_t width, uint32_t height,
                        uint32_t depth, bool palette, Md5Sink* sink) {
  SunRows rows(width, height, depth, palette, sink);
  size_t pos = 0;
  while (!rows.done()) {
    if (pos >= data.size()) return Status::Corruption("SUN: image file is truncated");
    if (data[pos] != 0x80) {
      rows.Put(data[pos], 1);
      pos += 1;
    } else if (data.size() - pos < 2) {
      return Status::Corruption("SUN: image file is truncated (inside a run)");
    } else if (data[pos + 1] == 0) {
      rows.Put(0x80, 1);
      pos += 2;
    } else if (data.size() - pos < 3) {
      return Status::Corruption("SUN: image file is truncated (inside a run)");
    } else {
      rows.Put(data[pos + 2], size_t{data[pos + 1]} + 1);
      pos += 3;
    }
  }
  return Status();
}

Status HashSgiRlePixels(std::span<const std::byte> file, uint32_t width, uint32_t height,
                        unsigned bands, unsigned bpc, Md5Sink* sink) {
  const auto data = std::span(reinterpret_cast<const uint8_t*>(file.data()), file.size())
                        .subspan(std::min<size_t>(512, file.size()));
  if (data.size() < 8 * (uint64_t{bands} * height)) {
    return Status::Corruption("SGI: the RLE tables run past the end of the file");
  }
  const size_t total = size_t{width} * height * bands;
  // Rows come bottom-up: the image is held whole (in place when the sink collects).
  WholeImage image(sink, total);
  std::memset(image.data(), 0, total);  // samples a row does not reach stay 0, as in Pillow
  INGEST_RETURN_IF_ERROR(DecodeSgiRle(data, width, height, bands, bpc, image.data()));
  image.Commit();
  return Status();
}

}  // namespace ingest::pixels
