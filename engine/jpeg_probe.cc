// JPEG: walk the markers from SOI to SOS exactly as Pillow 9.4's JpegImageFile._open does,
// because its quirks decide what CVAT sees:
//  - Bytes that are not 0xFF between segments are skipped; 0xFF 0xFF is fill; 0xFF 0x00 is
//    skipped; any other 0xFF xx with xx < 0xC0 is an error ("no marker found").
//  - Markers 0xC8, RST0-7, SOI, EOI and JPG0-13 have no length and are stepped over.
//  - Every SOF (and DHP) sets the size, so the last one before SOS wins; the walk goes on to
//    SOS so that an EXIF APP1 after the SOF still counts.
//  - The first APP1 starting "Exif\0" is the EXIF block.
//  - A segment length below 2 skips nothing beyond the length field.
//  - An SOF must hold whole 3-byte component entries (Pillow indexes past a partial one).
#include <string>

#include "engine/image_probe_internal.h"
#include "engine/tiff_ifd.h"

namespace ingest::probe_internal {
namespace {

std::string Hex2(int b) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  return {kDigits[(b >> 4) & 15], kDigits[b & 15]};
}

bool IsSof(int m) {
  return (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) || m == 0xDE;
}

bool HasNoLength(int m) {
  return m == 0xC8 || (m >= 0xD0 && m <= 0xD9) || (m >= 0xF0 && m <= 0xFD);
}

}  // namespace

Result<ImageInfo> ProbeJpeg(ByteSource& src) {
  ImageInfo info;
  info.format = ImageFormat::kJpeg;
  bool have_sof = false;
  bool have_exif = false;
  uint64_t exif_at = 0;
  uint64_t exif_len = 0;

  ByteCursor in(src, 3);  // past FF D8 FF: the next byte is the first marker's code
  auto eof = [&]() {
    return CursorError(in, have_sof ? "JPEG: no SOS marker before end of file"
                                    : "JPEG: no SOF marker before end of file");
  };
  int cur = 0xFF;
  while (true) {
    if (cur != 0xFF) {
      cur = in.Next();
      if (cur < 0) return eof();
      continue;
    }
    int code = in.Next();
    if (code < 0) return eof();
    if (code == 0xFF) continue;  // fill byte: cur stays 0xFF
    if (code == 0x00) {
      cur = in.Next();
      if (cur < 0) return eof();
      continue;
    }
    if (code < 0xC0) return Status::Corruption("JPEG: invalid marker 0xFF" + Hex2(code));

    if (!HasNoLength(code)) {
      uint8_t len_bytes[2];
      if (!in.Read(len_bytes, 2)) return CursorError(in, "JPEG: truncated segment length");
      int len = Be16(len_bytes);
      uint64_t body = in.pos();
      uint64_t n = len > 2 ? static_cast<uint64_t>(len - 2) : 0;
      if (!in.Has(n)) {
        return CursorError(in, "JPEG: truncated segment 0xFF" + Hex2(code));
      }
      if (IsSof(code)) {
        uint8_t s[6];
        if (n < 6 || !in.Read(s, 6)) return CursorError(in, "JPEG: truncated SOF segment");
        // Pillow reads 3 bytes per component to the end of the segment.
        if ((n - 6) % 3 != 0) return Status::Corruption("JPEG: bad SOF segment length");
        if (s[0] != 8) {
          return Status::Unsupported("JPEG: " + std::to_string(s[0]) +
                                     "-bit samples (Pillow cannot open them)");
        }
        if (s[5] != 1 && s[5] != 3 && s[5] != 4) {
          return Status::Unsupported("JPEG: " + std::to_string(s[5]) +
                                     " components (Pillow cannot open them)");
        }
        info.height = Be16(s + 1);
        info.width = Be16(s + 3);
        have_sof = true;
      } else if (code == 0xDB) {  // DQT: Pillow checks each table's length
        uint64_t off = 0;
        while (off < n) {
          in.Seek(body + off);
          int pq = in.Next();
          if (pq < 0) return CursorError(in, "JPEG: truncated DQT segment");
          uint64_t table = (pq >> 4) == 0 ? 65 : 129;
          if (n - off < table) return Status::Corruption("JPEG: bad quantization table");
          off += table;
        }
      } else if (code == 0xE1 && !have_exif && n >= 5) {
        uint8_t id[5];
        if (!in.Read(id, 5)) return CursorError(in, "JPEG: truncated APP1 segment");
        if (std::memcmp(id, "Exif\0", 5) == 0) {
          have_exif = true;
          exif_at = body;
          exif_len = n;
        }
      } else if (code == 0xEE && n >= 5) {
        uint8_t id[5];
        if (!in.Read(id, 5)) return CursorError(in, "JPEG: truncated APP14 segment");
        if (std::memcmp(id, "Adobe", 5) == 0 && n < 7) {
          return Status::Corruption("JPEG: truncated Adobe APP14 segment");
        }
      }
      in.Seek(body + n);
    }
    if (code == 0xDA) break;  // SOS: Pillow stops here
    cur = in.Next();
    if (cur < 0) return eof();
  }

  if (!have_sof) return Status::Corruption("JPEG: no SOF marker before SOS");
  if (info.width == 0 || info.height == 0) {
    return Status::Corruption("JPEG: zero width or height in SOF");
  }
  if (have_exif) {
    INGEST_ASSIGN_OR_RETURN(std::optional<uint16_t> o, ExifOrientation({&src, exif_at, exif_len}));
    info.orientation = o.value_or(1);
  }
  return info;
}

}  // namespace ingest::probe_internal
