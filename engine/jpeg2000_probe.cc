// JPEG 2000 (.jp2 .jpx .jpf .j2k): the size as Pillow 9.4's Jpeg2KImagePlugin finds it when
// it opens a file, without decoding.
//  - A raw codestream (FF4F FF51): the SIZ segment gives (Xsiz - XOsiz, Ysiz - YOsiz); the
//    component count must be 1 to 4. Pillow reads component i's fields at offset 36 + 3i of
//    the segment (overlapping Csiz), so the segment must hold 36 + 3 * Csiz bytes.
//  - A JP2 file: top-level boxes are walked (skipping all but "ftyp" and "jp2h") until the
//    "jp2h" box, whose sub-boxes give the size ("ihdr": height, width, components) and,
//    optionally, the resolution. The last "ihdr" wins; its component count must be 1 to 4
//    for the first one to set a mode. A box shorter than its header, or one running past
//    the jp2h box, is a file Pillow cannot identify; a file ending inside a top-level box
//    header or inside jp2h is an error (OSError) for Pillow.
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/image_probe_internal.h"
#include "engine/status.h"

namespace ingest::probe_internal {
namespace {

constexpr size_t kMaxHeaderBox = 16 << 20;

uint64_t Be64(const uint8_t* p) { return uint64_t{Be32(p)} << 32 | Be32(p + 4); }

Result<ImageInfo> Sized(int64_t width, int64_t height) {
  if (width <= 0 || height <= 0) {
    return Status::Unsupported("JPEG2000: width or height is not positive");
  }
  if (width > UINT32_MAX || height > UINT32_MAX) {
    return Status::Unsupported("JPEG2000: width or height too large");
  }
  ImageInfo info;
  info.format = ImageFormat::kJpeg2000;
  info.width = static_cast<uint32_t>(width);
  info.height = static_cast<uint32_t>(height);
  return info;
}

// Pillow's BoxReader over a box's bytes in memory (the case with a known length).
class BoxReader {
 public:
  explicit BoxReader(std::string_view data) : data_(data) {}

  bool HasNextBox() const {
    return static_cast<int64_t>(pos_) + remaining_ < static_cast<int64_t>(data_.size());
  }
  // The next box's type; false where Pillow raises SyntaxError.
  bool NextBoxType(uint32_t* type) {
    if (remaining_ > 0) pos_ += static_cast<uint64_t>(remaining_);
    remaining_ = -1;
    const uint8_t* p;
    if (!Read(8, &p)) return false;
    uint64_t lbox = Be32(p), hlen = 8;
    *type = Be32(p + 4);
    if (lbox == 1) {
      if (!Read(8, &p)) return false;
      lbox = Be64(p);
      hlen = 16;
    }
    if (lbox < hlen || !CanRead(lbox - hlen)) return false;
    remaining_ = static_cast<int64_t>(lbox - hlen);
    return true;
  }
  bool Read(uint64_t n, const uint8_t** out) {
    if (!CanRead(n)) return false;
    *out = reinterpret_cast<const uint8_t*>(data_.data()) + pos_;
    pos_ += n;
    if (remaining_ > 0) remaining_ -= static_cast<int64_t>(n);
    return true;
  }
  // The rest of the current box as a reader of its own.
  bool SubBoxes(BoxReader* out) {
    const uint8_t* p;
    uint64_t n = static_cast<uint64_t>(remaining_);
    if (!Read(n, &p)) return false;
    *out = BoxReader(std::string_view(reinterpret_cast<const char*>(p), n));
    return true;
  }

 private:
  bool CanRead(uint64_t n) const {
    if (pos_ > data_.size() || n > data_.size() - pos_) return false;
    return remaining_ < 0 || n <= static_cast<uint64_t>(remaining_);
  }

  std::string_view data_;
  uint64_t pos_ = 0;
  int64_t remaining_ = -1;
};

constexpr uint32_t Tag(const char (&s)[5]) {
  return uint32_t{static_cast<uint8_t>(s[0])} << 24 | uint32_t{static_cast<uint8_t>(s[1])} << 16 |
         uint32_t{static_cast<uint8_t>(s[2])} << 8 | static_cast<uint8_t>(s[3]);
}

Jpeg2000Mode ModeFor(unsigned components, unsigned bits) {
  switch (components) {
    case 1:
      return (bits & 0x7F) > 8 ? Jpeg2000Mode::kI16 : Jpeg2000Mode::kL;
    case 2:
      return Jpeg2000Mode::kLA;
    case 3:
      return Jpeg2000Mode::kRgb;
    default:
      return Jpeg2000Mode::kRgba;
  }
}

Result<ImageInfo> ParseJp2Header(std::string_view jp2h, Jpeg2000Mode* found) {
  BoxReader header(jp2h);
  auto unidentified = [] { return Status::Unsupported("JPEG2000: malformed JP2 header"); };
  int64_t width = -1, height = -1;
  bool mode = false;
  while (header.HasNextBox()) {
    uint32_t type;
    if (!header.NextBoxType(&type)) return unidentified();
    if (type == Tag("ihdr")) {
      const uint8_t* p;
      if (!header.Read(11, &p)) return unidentified();
      height = Be32(p);
      width = Be32(p + 4);
      unsigned nc = Be16(p + 8);
      if (nc >= 1 && nc <= 4) {  // else the mode an earlier box set stays
        mode = true;
        *found = ModeFor(nc, p[10]);
      }
    } else if (type == Tag("res ")) {
      BoxReader res(std::string_view{});
      if (!header.SubBoxes(&res)) return unidentified();
      while (res.HasNextBox()) {
        uint32_t rtype;
        if (!res.NextBoxType(&rtype)) return unidentified();
        if (rtype == Tag("resc")) {
          const uint8_t* p;
          if (!res.Read(10, &p)) return unidentified();
          break;
        }
      }
    }
  }
  if (width < 0 || !mode) return unidentified();
  return Sized(width, height);
}

Result<ImageInfo> ProbeCodestream(ByteSource& src, Jpeg2000Mode* found) {
  std::string siz(2, '\0');
  INGEST_ASSIGN_OR_RETURN(size_t got, src.ReadAt(4, siz.data(), 2));
  if (got < 2) return Status::Unsupported("JPEG2000: truncated SIZ segment");
  uint32_t lsiz = Be16(reinterpret_cast<const uint8_t*>(siz.data()));
  // Python's read(lsiz - 2); a negative count reads to the end of the file.
  uint64_t want = lsiz >= 2 ? lsiz - 2u : (src.size() > 6 ? src.size() - 6 : 0);
  if (want > kMaxHeaderBox) return Status::Unsupported("JPEG2000: SIZ segment too large");
  siz.resize(2 + want);
  INGEST_ASSIGN_OR_RETURN(size_t more, src.ReadAt(6, siz.data() + 2, want));
  siz.resize(2 + more);
  const auto* s = reinterpret_cast<const uint8_t*>(siz.data());
  if (siz.size() < 38) return Status::Unsupported("JPEG2000: truncated SIZ segment");
  unsigned csiz = Be16(s + 36);
  if (csiz < 1 || csiz > 4 || siz.size() < 36 + 3u * csiz) {
    return Status::Unsupported("JPEG2000: unsupported component count " + std::to_string(csiz));
  }
  // Pillow reads component i at 36 + 3i, so its "yrsiz[0]" is the first component's Ssiz.
  *found = ModeFor(csiz, s[38]);
  return Sized(int64_t{Be32(s + 4)} - Be32(s + 12), int64_t{Be32(s + 8)} - Be32(s + 16));
}

}  // namespace

Result<ImageInfo> ProbeJpeg2000(ByteSource& src, Jpeg2000Mode* mode, bool* codestream) {
  Jpeg2000Mode found = Jpeg2000Mode::kL;
  if (!mode) mode = &found;
  uint8_t sig[4];
  INGEST_RETURN_IF_ERROR(ReadExact(src, 0, sig, 4, "JPEG2000: signature"));
  if (codestream) *codestream = Be32(sig) == 0xFF4FFF51;
  if (Be32(sig) == 0xFF4FFF51) return ProbeCodestream(src, mode);
  uint64_t pos = 12;  // after the signature box
  int64_t remaining = -1;
  auto short_read = [] { return Status::Corruption("JPEG2000: file ends inside a box"); };
  for (;;) {
    if (remaining > 0) pos += static_cast<uint64_t>(remaining);
    remaining = -1;
    uint8_t h[16];
    INGEST_ASSIGN_OR_RETURN(size_t got, src.ReadAt(pos, h, 8));
    if (got < 8) return short_read();
    pos += 8;
    uint64_t lbox = Be32(h), hlen = 8;
    uint32_t type = Be32(h + 4);
    if (lbox == 1) {
      INGEST_ASSIGN_OR_RETURN(got, src.ReadAt(pos, h + 8, 8));
      if (got < 8) return short_read();
      pos += 8;
      lbox = Be64(h + 8);
      hlen = 16;
    }
    if (lbox < hlen) return Status::Unsupported("JPEG2000: invalid box length");
    remaining = static_cast<int64_t>(lbox - hlen);
    if (type == Tag("jp2h")) {
      if (lbox - hlen > kMaxHeaderBox) return Status::Unsupported("JPEG2000: jp2h box too large");
      std::string box(lbox - hlen, '\0');
      INGEST_ASSIGN_OR_RETURN(got, src.ReadAt(pos, box.data(), box.size()));
      if (got < box.size()) return short_read();
      return ParseJp2Header(box, mode);
    }
    if (type == Tag("ftyp")) {
      if (remaining < 4) return Status::Unsupported("JPEG2000: short ftyp box");
      uint8_t brand[4];
      INGEST_ASSIGN_OR_RETURN(got, src.ReadAt(pos, brand, 4));
      if (got < 4) return short_read();
      pos += 4;
      remaining -= 4;
    }
  }
}

}  // namespace ingest::probe_internal
