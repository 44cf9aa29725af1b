// Pixel checksums of PNM files (Pillow's "PPM" plugin), as Pillow 9.4's PpmImageFile and its
// decoders produce them:
//  - the header is read as the probe reads it (pnm_probe.cc); the pixel data starts right
//    after the byte that ended the last header token. Header tokens other than plain decimal
//    digits (Python's int() also takes "+5" or "1_0") are Unsupported here;
//  - modes: P1/P4 "1"; P2/P5 "L", or "I" (int32) when maxval > 255; P3/P6 "RGB"; the PIL
//    extensions PyP "P", PyRGBA "RGBA", PyCMYK and P0CMYK "CMYK";
//  - raw data (P4-P6 and the extensions): maxval 255 is copied as stored, P4 bits inverted
//    ("1;I"), a 16-bit grey with maxval 65535 is "I;16B"; any other maxval goes through
//    PpmDecoder: samples of 1 byte (maxval < 256) or 2 (big-endian), each
//    min(out_max, round(v / maxval * out_max)) with Python's round (half to even), out_max
//    65535 for mode "I" and 255 otherwise;
//  - plain data (P1-P3) through PpmPlainDecoder, block by block (ImageFile.SAFEBLOCK) as it
//    reads it: P1 takes every non-whitespace byte as a pixel ('1' black, '0' white; any other
//    byte in a block read is an error), P2/P3 take whitespace-separated tokens of at most 10
//    bytes, each at most maxval, scaled as above; a token cut at a block's end is stitched to
//    the next block and (a Pillow quirk, kept) is not forgotten after it has been used, so at
//    the end of the file it is read again until the image is full. A '#' (a comment) inside
//    the data is Unsupported here, and so is a data token that is not plain digits;
//  - too little data is an error, as in Pillow ("image file is truncated", "not enough image
//    data").
#include <cmath>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "engine/pixel_checksum_internal.h"

namespace ingest::pixels {
namespace {

constexpr size_t kSafeBlock = size_t{1} << 20;  // ImageFile.SAFEBLOCK

bool IsSpace(uint8_t c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

struct PnmHeader {
  std::string magic;
  uint64_t width = 0;
  uint64_t height = 0;
  uint64_t maxval = 0;  // 0 for the bitmaps P1 and P4
  size_t data = 0;      // offset of the pixel data
};

// One header token as Pillow's _read_token reads it, from *pos; digits only (see above).
Status ReadHeaderNumber(std::span<const std::byte> file, size_t* pos, uint64_t* value) {
  std::string token;
  while (token.size() <= 10) {
    if (*pos >= file.size()) break;
    auto c = static_cast<uint8_t>(file[(*pos)++]);
    if (IsSpace(c)) {
      if (token.empty()) continue;
      break;
    }
    if (c == '#') {
      while (*pos < file.size()) {
        auto d = static_cast<uint8_t>(file[(*pos)++]);
        if (d == '\r' || d == '\n') break;
      }
      continue;
    }
    token.push_back(static_cast<char>(c));
  }
  if (token.empty()) return Status::Corruption("PPM: reached the end of the file in the header");
  if (token.size() > 10) return Status::Corruption("PPM: token too long in the header");
  *value = 0;
  for (char c : token) {
    if (c < '0' || c > '9') {
      return Status::Unsupported("PPM: header token '" + token +
                                 "' is not plain decimal digits (Python's int() reads it; "
                                 "no pixel checksum here)");
    }
    *value = *value * 10 + static_cast<uint64_t>(c - '0');
  }
  return Status();
}

Status ReadHeader(std::span<const std::byte> file, PnmHeader* h) {
  size_t pos = 0;
  while (pos < file.size() && h->magic.size() < 6) {
    auto c = static_cast<uint8_t>(file[pos++]);
    if (IsSpace(c)) break;
    h->magic.push_back(static_cast<char>(c));
  }
  static constexpr std::string_view kMagics[] = {"P1", "P2",     "P3",  "P4",     "P5",
                                                 "P6", "P0CMYK", "PyP", "PyRGBA", "PyCMYK"};
  bool known = false;
  for (std::string_view m : kMagics) known |= h->magic == m;
  if (!known) return Status::Unsupported("PPM: not a PPM file (unknown magic number)");
  const bool bitmap = h->magic == "P1" || h->magic == "P4";
  INGEST_RETURN_IF_ERROR(ReadHeaderNumber(file, &pos, &h->width));
  INGEST_RETURN_IF_ERROR(ReadHeaderNumber(file, &pos, &h->height));
  if (!bitmap) {
    INGEST_RETURN_IF_ERROR(ReadHeaderNumber(file, &pos, &h->maxval));
    if (h->maxval == 0 || h->maxval >= 65536) {
      return Status::Corruption("PPM: maxval must be greater than 0 and less than 65536");
    }
  }
  if (h->width == 0 || h->height == 0) {
    return Status::Unsupported("PPM: width or height is not positive (Pillow cannot open it)");
  }
  if (h->width > UINT32_MAX || h->height > UINT32_MAX) {
    return Status::Unsupported("PPM: width or height too large");
  }
  h->data = pos;
  return Status();
}

// Pillow's mode for the file: its bands, and whether samples are int32 ("I").
struct PnmMode {
  int bands = 1;
  bool bits = false;   // "1"
  bool int32 = false;  // "I"
};

PnmMode ModeOf(const PnmHeader& h) {
  PnmMode m;
  const std::string& g = h.magic;
  if (g == "P1" || g == "P4") {
    m.bits = true;
  } else if (g == "P2" || g == "P5") {
    m.int32 = h.maxval > 255;
  } else if (g == "P3" || g == "P6") {
    m.bands = 3;
  } else if (g == "PyRGBA" || g == "PyCMYK" || g == "P0CMYK") {
    m.bands = 4;
  }
  return m;
}

// Collects output samples row by row and feeds whole rows to the sink.
class RowWriter {
 public:
  RowWriter(const PnmMode& mode, uint64_t width, Md5Sink* sink)
      : mode_(mode), width_(width), sink_(sink) {
    row_.reserve(static_cast<size_t>(width * static_cast<uint64_t>(mode.bands) * 4));
  }
  // One sample: a pixel's 0/1 ("1": 1 is white) or a scaled band value.
  void Add(uint32_t v) {
    if (mode_.int32) {
      for (int i = 0; i < 4; ++i) row_.push_back(static_cast<uint8_t>(v >> (8 * i)));
    } else {
      row_.push_back(static_cast<uint8_t>(v));
    }
    if (++in_row_ == width_ * static_cast<uint64_t>(mode_.bands)) Flush();
    ++done_;
  }
  uint64_t done() const { return done_; }

 private:
  void Flush() {
    if (mode_.bits) {
      std::vector<uint8_t> packed((width_ + 7) / 8, 0);
      for (uint64_t x = 0; x < width_; ++x) {
        if (row_[x]) packed[x / 8] |= static_cast<uint8_t>(0x80 >> (x % 8));
      }
      sink_->Update(packed.data(), packed.size());
    } else {
      sink_->Update(row_.data(), row_.size());
    }
    row_.clear();
    in_row_ = 0;
  }

  PnmMode mode_;
  uint64_t width_;
  Md5Sink* sink_;
  std::vector<uint8_t> row_;
  uint64_t in_row_ = 0;
  uint64_t done_ = 0;
};

uint32_t Scale(uint64_t value, uint64_t maxval, uint32_t out_max) {
  double q = static_cast<double>(value) / static_cast<double>(maxval) * out_max;
  double r = std::nearbyint(q);  // round half to even, as Python's round()
  return r > out_max ? out_max : static_cast<uint32_t>(r);
}

Status HashRaw(std::span<const std::byte> file, const PnmHeader& h, const PnmMode& mode,
               Md5Sink* sink) {
  const auto* data = reinterpret_cast<const uint8_t*>(file.data()) + h.data;
  const uint64_t available = file.size() - h.data;
  const uint64_t samples = h.width * h.height * static_cast<uint64_t>(mode.bands);
  if (mode.bits) {
    const uint64_t stride = (h.width + 7) / 8;
    if (available < stride * h.height) return Status::Corruption("PPM: image file is truncated");
    std::vector<uint8_t> packed(static_cast<size_t>(stride));
    for (uint64_t y = 0; y < h.height; ++y) {
      PackBitsRow(data + y * stride, static_cast<uint32_t>(h.width), true, packed.data());
      sink->Update(packed.data(), packed.size());
    }
    return Status();
  }
  const uint64_t in_bytes = h.maxval < 256 ? 1 : 2;
  if (available < samples * in_bytes) return Status::Corruption("PPM: image file is truncated");
  if (h.maxval == 255) {  // the raw decoder: as stored
    sink->Update(data, static_cast<size_t>(samples));
    return Status();
  }
  RowWriter out(mode, h.width, sink);
  const uint32_t out_max = mode.int32 ? 65535 : 255;
  for (uint64_t i = 0; i < samples; ++i) {
    uint64_t v = in_bytes == 1 ? data[i] : uint64_t{data[2 * i]} << 8 | data[2 * i + 1];
    // maxval 65535 on a grey image is Pillow's raw "I;16B": the same values, unscaled.
    out.Add(h.maxval == 65535 && mode.int32 ? static_cast<uint32_t>(v)
                                            : Scale(v, h.maxval, out_max));
  }
  return Status();
}

bool ParseDigits(std::string_view token, uint64_t* value) {
  *value = 0;
  for (char c : token) {
    if (c < '0' || c > '9') return false;
    *value = *value * 10 + static_cast<uint64_t>(c - '0');
  }
  return !token.empty();
}

// PpmPlainDecoder, block by block (see the file comment).
Status HashPlain(std::span<const std::byte> file, const PnmHeader& h, const PnmMode& mode,
                 Md5Sink* sink) {
  const uint64_t total = h.width * h.height * static_cast<uint64_t>(mode.bands);
  const uint32_t out_max = mode.int32 ? 65535 : 255;
  RowWriter out(mode, h.width, sink);
  size_t pos = h.data;
  std::string half;
  bool has_half = false;
  std::string block;
  while (out.done() != total) {
    size_t n = std::min(kSafeBlock, file.size() - pos);
    block.assign(reinterpret_cast<const char*>(file.data()) + pos, n);
    pos += n;
    if (block.empty()) {
      if (mode.bits || !has_half) break;
      block = " ";
    }
    if (block.find('#') != std::string::npos) {
      return Status::Unsupported("PPM: a comment inside plain pixel data (no pixel checksum here)");
    }
    if (mode.bits) {
      for (char c : block) {
        if (IsSpace(static_cast<uint8_t>(c))) continue;
        if (c != '0' && c != '1') return Status::Corruption("PPM: invalid token in plain bitmap");
      }
      for (char c : block) {
        if (out.done() == total) break;
        if (!IsSpace(static_cast<uint8_t>(c))) out.Add(c == '0' ? 1 : 0);
      }
      continue;
    }
    if (has_half) block = half + block;
    std::vector<std::string_view> tokens;
    for (size_t i = 0; i < block.size();) {
      while (i < block.size() && IsSpace(static_cast<uint8_t>(block[i]))) ++i;
      size_t start = i;
      while (i < block.size() && !IsSpace(static_cast<uint8_t>(block[i]))) ++i;
      if (i > start) tokens.emplace_back(block.data() + start, i - start);
    }
    if (!block.empty() && !IsSpace(static_cast<uint8_t>(block.back()))) {
      half.assign(tokens.back());
      has_half = true;
      tokens.pop_back();
      if (half.size() > 10) return Status::Corruption("PPM: token too long in the data");
    }
    for (std::string_view token : tokens) {
      if (token.size() > 10) return Status::Corruption("PPM: token too long in the data");
      uint64_t value = 0;
      if (!ParseDigits(token, &value)) {
        return Status::Unsupported("PPM: data token '" + std::string(token) +
                                   "' is not plain decimal digits (no pixel checksum here)");
      }
      if (value > h.maxval) return Status::Corruption("PPM: channel value too large");
      out.Add(Scale(value, h.maxval, out_max));
      if (out.done() == total) break;
    }
  }
  if (out.done() != total) return Status::Corruption("PPM: not enough image data");
  return Status();
}

}  // namespace

Status HashPnmPixels(std::span<const std::byte> file, Md5Sink* sink) {
  PnmHeader h;
  INGEST_RETURN_IF_ERROR(ReadHeader(file, &h));
  INGEST_RETURN_IF_ERROR(CheckPixelCount("PPM", h.width, h.height));
  PnmMode mode = ModeOf(h);
  const bool plain = h.magic == "P1" || h.magic == "P2" || h.magic == "P3";
  return plain ? HashPlain(file, h, mode, sink) : HashRaw(file, h, mode, sink);
}

}  // namespace ingest::pixels
