// WebP as Pillow 9.4 opens it: through libwebp's demuxer (WebPAnimDecoder), which validates
// the RIFF structure before anything is decoded. We apply the cheap checks it makes:
//  - the RIFF size must fit in the file and every chunk must fit in the RIFF size;
//  - VP8 (lossy): a visible key frame, profile <= 3, a first partition shorter than the
//    chunk, the start code 9D 01 2A and a non-zero 14-bit width and height;
//  - VP8L (lossless): signature 0x2F and version 0;
//  - VP8X: the canvas (24-bit sizes + 1) below 2^32 pixels; a still image's bitstream must
//    have the canvas size.
// The size is the canvas (VP8X) or the bitstream's. EXIF is the first EXIF chunk, and only
// when the VP8X flags announce EXIF (the demuxer ignores the chunk otherwise).
#include <string>

#include "engine/image_probe_internal.h"
#include "engine/tiff_ifd.h"

namespace ingest::probe_internal {
namespace {

constexpr uint8_t kAnimationFlag = 0x02;
constexpr uint8_t kExifFlag = 0x08;

struct Size {
  uint32_t width;
  uint32_t height;
};

// The frame size of a VP8 or VP8L chunk with `size` payload bytes at `at`.
Result<Size> BitstreamSize(ByteSource& src, std::string_view fourcc, uint64_t at, uint32_t size) {
  uint8_t b[10];
  if (fourcc == "VP8 ") {
    if (size < 10) return Status::Corruption("WEBP: truncated VP8 chunk");
    INGEST_RETURN_IF_ERROR(ReadExact(src, at, b, 10, "WEBP: VP8 frame header"));
    uint32_t tag = uint32_t{b[0]} | uint32_t{b[1]} << 8 | uint32_t{b[2]} << 16;
    bool key_frame = (tag & 1) == 0;
    bool profile_ok = ((tag >> 1) & 7) <= 3;
    bool shown = ((tag >> 4) & 1) != 0;
    bool partition_ok = (tag >> 5) < size;
    if (!key_frame || !profile_ok || !shown || !partition_ok || b[3] != 0x9D || b[4] != 0x01 ||
        b[5] != 0x2A) {
      return Status::Corruption("WEBP: bad VP8 frame header");
    }
    Size s{Le16(b + 6) & 0x3FFFu, Le16(b + 8) & 0x3FFFu};
    if (s.width == 0 || s.height == 0) return Status::Corruption("WEBP: zero width or height");
    return s;
  }
  if (size < 5) return Status::Corruption("WEBP: truncated VP8L chunk");
  INGEST_RETURN_IF_ERROR(ReadExact(src, at, b, 5, "WEBP: VP8L header"));
  uint32_t bits = Le32(b + 1);
  if (b[0] != 0x2F || (bits >> 29) != 0) return Status::Corruption("WEBP: bad VP8L header");
  return Size{(bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1};
}

}  // namespace

Result<ImageInfo> ProbeWebp(ByteSource& src) {
  ImageInfo info;
  info.format = ImageFormat::kWebp;
  uint8_t h[30];
  INGEST_RETURN_IF_ERROR(ReadExact(src, 0, h, 20, "WEBP: RIFF header"));
  uint64_t riff_end = uint64_t{Le32(h + 4)} + 8;
  if (riff_end < 20) return Status::Corruption("WEBP: bad RIFF size");
  if (riff_end > src.size()) return Status::Corruption("WEBP: truncated (RIFF size exceeds file)");
  uint32_t first_size = Le32(h + 16);
  if (first_size > riff_end - 20) return Status::Corruption("WEBP: truncated first chunk");
  std::string_view fourcc(reinterpret_cast<const char*>(h + 12), 4);
  if (fourcc == "VP8 " || fourcc == "VP8L") {
    INGEST_ASSIGN_OR_RETURN(Size s, BitstreamSize(src, fourcc, 20, first_size));
    info.width = s.width;
    info.height = s.height;
    return info;
  }
  if (first_size < 10) return Status::Corruption("WEBP: truncated VP8X chunk");
  INGEST_RETURN_IF_ERROR(ReadExact(src, 20, h + 20, 10, "WEBP: VP8X chunk"));
  const uint8_t flags = h[20];
  info.width = 1 + (uint32_t{h[24]} | uint32_t{h[25]} << 8 | uint32_t{h[26]} << 16);
  info.height = 1 + (uint32_t{h[27]} | uint32_t{h[28]} << 8 | uint32_t{h[29]} << 16);
  if (uint64_t{info.width} * info.height >= (uint64_t{1} << 32)) {
    return Status::Corruption("WEBP: canvas too large");
  }
  bool need_exif = (flags & kExifFlag) != 0;
  bool need_frame = (flags & kAnimationFlag) == 0;
  uint64_t pos = 20 + uint64_t{first_size} + (first_size & 1);
  uint8_t c[8];
  while (pos + 8 <= riff_end && (need_exif || need_frame)) {
    INGEST_RETURN_IF_ERROR(ReadExact(src, pos, c, 8, "WEBP: chunk header"));
    uint32_t size = Le32(c + 4);
    if (size > riff_end - pos - 8) return Status::Corruption("WEBP: truncated chunk");
    std::string_view id(reinterpret_cast<const char*>(c), 4);
    if (need_exif && id == "EXIF") {
      INGEST_ASSIGN_OR_RETURN(std::optional<uint16_t> o, ExifOrientation({&src, pos + 8, size}));
      info.orientation = o.value_or(1);
      need_exif = false;
    } else if (need_frame && (id == "VP8 " || id == "VP8L")) {
      INGEST_ASSIGN_OR_RETURN(Size s, BitstreamSize(src, id, pos + 8, size));
      if (s.width != info.width || s.height != info.height) {
        return Status::Corruption("WEBP: image size differs from the VP8X canvas");
      }
      need_frame = false;
    }
    pos += 8 + uint64_t{size} + (size & 1);
  }
  if (need_frame) return Status::Corruption("WEBP: no image data in extended file");
  return info;
}

}  // namespace ingest::probe_internal
