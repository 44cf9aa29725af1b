// Internals of the image probe shared by its per-format files. Not part of the API.
#ifndef INGEST_ENGINE_IMAGE_PROBE_INTERNAL_H_
#define INGEST_ENGINE_IMAGE_PROBE_INTERNAL_H_

#include <cstdint>
#include <cstring>

#include "engine/byte_source.h"
#include "engine/image_probe.h"
#include "engine/result.h"

namespace ingest::probe_internal {

inline uint16_t Be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
inline uint16_t Le16(const uint8_t* p) { return static_cast<uint16_t>(p[1] << 8 | p[0]); }
inline uint32_t Be32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}
inline uint32_t Le32(const uint8_t* p) {
  return uint32_t{p[3]} << 24 | uint32_t{p[2]} << 16 | uint32_t{p[1]} << 8 | p[0];
}

// A forward reader over a ByteSource with a small buffer, for parsers that walk byte by
// byte (JPEG marker scanning, GIF blocks). Reads past the end return -1 / false; an I/O
// error also does, and is kept in status().
class ByteCursor {
 public:
  ByteCursor(ByteSource& src, uint64_t pos) : src_(src), start_(pos) {}

  uint64_t pos() const { return start_ + at_; }
  // True when `n` more bytes exist from pos() (by the source's size).
  bool Has(uint64_t n) const { return pos() <= src_.size() && n <= src_.size() - pos(); }
  void Seek(uint64_t pos) {
    if (pos >= start_ && pos - start_ <= len_) {
      at_ = static_cast<size_t>(pos - start_);
    } else {
      start_ = pos;
      at_ = len_ = 0;
    }
  }
  void Skip(uint64_t n) { Seek(pos() + n); }

  // The next byte, or -1 at the end of the source or on error.
  int Next() {
    if (at_ < len_) return buf_[at_++];
    if (!Refill()) return -1;
    return buf_[at_++];
  }

  // Reads exactly n bytes; false at the end of the source or on error.
  bool Read(void* out, size_t n) {
    auto* dst = static_cast<uint8_t*>(out);
    while (n > 0) {
      if (at_ == len_ && !Refill()) return false;
      size_t take = len_ - at_ < n ? len_ - at_ : n;
      std::memcpy(dst, buf_ + at_, take);
      at_ += take;
      dst += take;
      n -= take;
    }
    return true;
  }

  const Status& status() const { return status_; }

 private:
  bool Refill() {
    start_ += at_;
    at_ = len_ = 0;
    if (!status_.ok()) return false;
    Result<size_t> got = src_.ReadAt(start_, buf_, sizeof buf_);
    if (!got.has_value()) {
      status_ = got.error();
      return false;
    }
    len_ = *got;
    return len_ > 0;
  }

  ByteSource& src_;
  uint64_t start_;  // source offset of buf_[0]
  size_t at_ = 0;   // read position in buf_
  size_t len_ = 0;  // valid bytes in buf_
  Status status_;
  uint8_t buf_[512];
};

// Returns the cursor's I/O error if it has one, else Corruption(msg).
inline Status CursorError(const ByteCursor& in, std::string_view msg) {
  if (!in.status().ok()) return in.status();
  return Status::Corruption(msg);
}

Result<ImageInfo> ProbeJpeg(ByteSource& src);
Result<ImageInfo> ProbePng(ByteSource& src);
Result<ImageInfo> ProbeGif(ByteSource& src);
Result<ImageInfo> ProbeBmp(ByteSource& src);
Result<ImageInfo> ProbeTiff(ByteSource& src);
Result<ImageInfo> ProbeWebp(ByteSource& src);
Result<ImageInfo> ProbePnm(ByteSource& src);
Result<ImageInfo> ProbeSun(ByteSource& src);
Result<ImageInfo> ProbeSgi(ByteSource& src);
Result<ImageInfo> ProbePcx(ByteSource& src);
// With `data_offset`, XBM and XPM also tell where Pillow starts reading the pixels (the end
// of the header pattern; the line after the last colour line).
Result<ImageInfo> ProbeXbm(ByteSource& src, uint64_t* data_offset = nullptr);
Result<ImageInfo> ProbeXpm(ByteSource& src, uint64_t* data_offset = nullptr);
// With `data_offset` and `bitpix`, FITS also tells where its data starts (the END card's
// 2880-byte record rounded up, as Pillow computes it) and its BITPIX.
Result<ImageInfo> ProbeFits(ByteSource& src, uint64_t* data_offset = nullptr,
                            int* bitpix = nullptr);
// Pillow's mode for a JPEG 2000 file, from its header: the component count, and I;16 for one
// component of 10 bits or more (the codestream's first component, or the JP2 ihdr box).
enum class Jpeg2000Mode { kL, kI16, kLA, kRgb, kRgba };
// With `mode`, JPEG 2000 also tells Pillow's mode and whether the file is a raw codestream.
Result<ImageInfo> ProbeJpeg2000(ByteSource& src, Jpeg2000Mode* mode = nullptr,
                                bool* codestream = nullptr);
// The directory entry of the icon image Pillow loads: where it starts (a PNG or a DIB), and
// the entry's byte count and bpp fields as stored (Pillow finds a DIB's AND mask, or its
// alpha, from them).
struct IcoChoice {
  uint64_t offset = 0;
  uint32_t size = 0;
  uint32_t bpp = 0;
};
// With `chosen`, ICO also tells which image Pillow loads.
Result<ImageInfo> ProbeIco(ByteSource& src, IcoChoice* chosen = nullptr);
Result<ImageInfo> ProbeWmf(ByteSource& src);
// Where Pillow finds a PSD's merged image, and how it reads it.
struct PsdLayout {
  uint64_t tile_at = 0;  // the merged image's 2-byte compression field
  unsigned mode = 0;     // Photoshop's colour mode (0 bitmap ... 9 Lab)
  unsigned bits = 0;     // 1 or 8
  unsigned channels = 0;  // the planes Pillow reads: 1, 3 or 4 (RGB with 4 channels: RGBA)
};
// With `layout`, PSD also tells where the merged image is.
Result<ImageInfo> ProbePsd(ByteSource& src, PsdLayout* layout = nullptr);

}  // namespace ingest::probe_internal

#endif  // INGEST_ENGINE_IMAGE_PROBE_INTERNAL_H_
