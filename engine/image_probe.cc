// Format detection, and the formats whose headers are short enough to live together: GIF,
// BMP and TIFF. JPEG, PNG and WebP have their own files. See image_probe.h for the Pillow
// behaviour each parser reproduces.
#include "engine/image_probe.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <string>

#include "engine/image_probe_internal.h"
#include "engine/status.h"
#include "engine/tiff_ifd.h"
#include "engine/unique_fd.h"

namespace ingest {
namespace probe_internal {
namespace {

bool StartsWith(std::span<const std::byte> p, size_t at, std::string_view magic) {
  return p.size() >= at + magic.size() &&
         std::memcmp(p.data() + at, magic.data(), magic.size()) == 0;
}

}  // namespace

// GIF: Pillow reads the logical screen, then seeks to frame 0, which walks the extension
// blocks to the first image descriptor and grows the size to cover that frame's extent.
Result<ImageInfo> ProbeGif(ByteSource& src) {
  ImageInfo info;
  info.format = ImageFormat::kGif;
  uint8_t s[13];
  INGEST_RETURN_IF_ERROR(ReadExact(src, 0, s, 13, "GIF: screen descriptor"));
  info.width = Le16(s + 6);
  info.height = Le16(s + 8);
  ByteCursor in(src, 13);
  if (s[10] & 0x80) in.Skip(uint64_t{3} << ((s[10] & 7) + 1));  // global color table

  // One data sub-block: its length (0 = terminator or end of file) and its first bytes.
  uint8_t block[256];
  auto sub_block = [&]() -> int {
    int n = in.Next();
    if (n <= 0) return 0;
    size_t have = 0;
    while (have < static_cast<size_t>(n)) {  // a short last block is not an error
      int c = in.Next();
      if (c < 0) break;
      block[have++] = static_cast<uint8_t>(c);
    }
    return static_cast<int>(have == 0 ? 0 : have);
  };
  auto no_frame = [&]() { return CursorError(in, "GIF: no image descriptor before end of file"); };
  while (true) {
    int c = in.Next();
    if (c < 0 || c == ';') return no_frame();
    if (c == '!') {
      int label = in.Next();
      if (label < 0) return CursorError(in, "GIF: truncated extension");
      int n = sub_block();
      if (label == 0xF9) {  // graphic control: Pillow reads flags, delay, transparency
        if (n < 1 || n < ((block[0] & 1) ? 4 : 3)) {
          return Status::Corruption("GIF: truncated graphic control extension");
        }
      } else if (label == 0xFE) {  // comment: Pillow stops at the first empty block
        while (n > 0) n = sub_block();
        continue;
      } else if (label == 0xFF) {  // application extension (frame 0)
        if (n == 0) return Status::Corruption("GIF: empty application extension");
        if (n >= 11 && std::memcmp(block, "NETSCAPE2.0", 11) == 0 && sub_block() == 0) {
          return Status::Corruption("GIF: truncated NETSCAPE2.0 extension");
        }
      }
      while (sub_block() > 0) {
      }
    } else if (c == ',') {
      uint8_t d[9];
      if (!in.Read(d, 9)) return CursorError(in, "GIF: truncated image descriptor");
      uint32_t x1 = uint32_t{Le16(d)} + Le16(d + 4);
      uint32_t y1 = uint32_t{Le16(d + 2)} + Le16(d + 6);
      if (x1 > info.width) info.width = x1;
      if (y1 > info.height) info.height = y1;
      if (d[8] & 0x80) in.Skip(uint64_t{3} << ((d[8] & 7) + 1));  // local color table
      if (in.Next() < 0) return CursorError(in, "GIF: truncated image data");
      break;
    }
    // Any other byte is ignored, as Pillow ignores it.
  }
  if (info.width == 0 || info.height == 0) return Status::Corruption("GIF: zero width or height");
  return info;
}

Result<ImageInfo> ProbeBmp(ByteSource& src) {
  ImageInfo info;
  info.format = ImageFormat::kBmp;
  uint8_t h[14 + 124 + 12];
  INGEST_RETURN_IF_ERROR(ReadExact(src, 0, h, 18, "BMP: file header"));
  uint32_t header_size = Le32(h + 14);
  bool os2 = header_size == 12;
  if (!os2 && header_size != 40 && header_size != 64 && header_size != 108 && header_size != 124) {
    return Status::Unsupported("BMP: unsupported header size " + std::to_string(header_size));
  }
  INGEST_RETURN_IF_ERROR(ReadExact(src, 18, h + 18, header_size - 4, "BMP: info header"));
  uint32_t bits;
  uint32_t compression = 0;
  uint32_t colors = 0;
  if (os2) {
    info.width = Le16(h + 18);
    info.height = Le16(h + 20);
    bits = Le16(h + 24);
  } else {
    info.width = Le32(h + 18);
    uint32_t raw_height = Le32(h + 22);
    // Pillow calls the image top-down when the height's top byte is 0xFF.
    info.height = h[25] == 0xFF ? 0u - raw_height : raw_height;
    bits = Le16(h + 28);
    compression = Le32(h + 30);
    colors = Le32(h + 46);
  }
  if (bits != 1 && bits != 4 && bits != 8 && bits != 16 && bits != 24 && bits != 32) {
    return Status::Unsupported("BMP: unsupported bit depth " + std::to_string(bits));
  }
  if (compression == 3) {  // BITFIELDS: Pillow knows a few mask layouts only
    if (header_size == 40) {
      INGEST_RETURN_IF_ERROR(ReadExact(src, 54, h + 54, 12, "BMP: bitfield masks"));
    }
    uint32_t r = Le32(h + 54), g = Le32(h + 58), b = Le32(h + 62);
    uint32_t a = header_size == 40 ? 0 : Le32(h + 66);
    bool known = (bits == 32 &&
                  ((r == 0xFF0000 && g == 0xFF00 && b == 0xFF && (a == 0 || a == 0xFF000000)) ||
                   (r == 0xFF000000 && g == 0xFF0000 && b == 0xFF00 && (a == 0 || a == 0xFF)) ||
                   (r == 0xFF && g == 0xFF00 && b == 0xFF0000 && a == 0xFF000000) ||
                   (r == 0 && g == 0 && b == 0 && a == 0))) ||
                 (bits == 24 && r == 0xFF0000 && g == 0xFF00 && b == 0xFF) ||
                 (bits == 16 && ((r == 0xF800 && g == 0x7E0 && b == 0x1F) ||
                                 (r == 0x7C00 && g == 0x3E0 && b == 0x1F)));
    if (!known) return Status::Unsupported("BMP: unsupported bitfields layout");
  } else if (compression > 2) {
    return Status::Unsupported("BMP: unsupported compression " + std::to_string(compression));
  }
  if (bits <= 8) {
    uint64_t n = colors != 0 ? colors : uint64_t{1} << bits;
    if (n > 65536) return Status::Corruption("BMP: bad palette size");
  }
  if (info.width == 0 || info.height == 0 || info.width > INT32_MAX || info.height > INT32_MAX) {
    return Status::Corruption("BMP: bad width or height");
  }
  return info;
}

Result<ImageInfo> ProbeTiff(ByteSource& src) {
  ImageInfo info;
  info.format = ImageFormat::kTiff;
  uint8_t h[16];
  INGEST_RETURN_IF_ERROR(ReadExact(src, 0, h, 8, "TIFF: header"));
  TiffHeader th;
  th.little_endian = h[0] == 'I';
  if (std::memcmp(h, "MM\0+", 4) == 0) {
    return Status::Unsupported("TIFF: big-endian BigTIFF (Pillow 9.4 misreads it)");
  }
  th.big_tiff = h[2] == 43;
  if (th.big_tiff) {
    INGEST_RETURN_IF_ERROR(ReadExact(src, 8, h + 8, 8, "TIFF: BigTIFF header"));
    th.first_ifd = th.little_endian ? uint64_t{Le32(h + 12)} << 32 | Le32(h + 8) : 0;
  } else {
    th.first_ifd = th.little_endian ? Le32(h + 4) : Be32(h + 4);
  }
  if (th.first_ifd == 0) return Status::Corruption("TIFF: no IFD");
  INGEST_ASSIGN_OR_RETURN(IfdTags tags, ReadIfd({&src, 0, src.size()}, th, th.first_ifd));
  std::optional<int64_t> w = EntryAsInteger(tags.width, th);
  std::optional<int64_t> l = EntryAsInteger(tags.length, th);
  if (!w || !l) return Status::Corruption("TIFF: no ImageWidth/ImageLength in the first IFD");
  if (*w <= 0 || *l <= 0 || *w > INT32_MAX || *l > INT32_MAX) {
    return Status::Corruption("TIFF: bad width or height");
  }
  info.width = static_cast<uint32_t>(*w);
  info.height = static_cast<uint32_t>(*l);
  info.orientation = OrientationValue(tags.orientation, th);
  return info;
}

}  // namespace probe_internal

ImageFormat DetectImageFormat(std::span<const std::byte> p) {
  using probe_internal::StartsWith;
  if (StartsWith(p, 0, "\xFF\xD8\xFF")) return ImageFormat::kJpeg;
  if (StartsWith(p, 0, "\x89PNG\r\n\x1A\n")) return ImageFormat::kPng;
  if (StartsWith(p, 0, "GIF87a") || StartsWith(p, 0, "GIF89a")) return ImageFormat::kGif;
  if (StartsWith(p, 0, "BM")) return ImageFormat::kBmp;
  for (std::string_view magic :
       {std::string_view("MM\0*", 4), std::string_view("II*\0", 4), std::string_view("MM*\0", 4),
        std::string_view("II\0*", 4), std::string_view("MM\0+", 4), std::string_view("II+\0", 4)}) {
    if (StartsWith(p, 0, magic)) return ImageFormat::kTiff;
  }
  if (StartsWith(p, 0, "RIFF") && StartsWith(p, 8, "WEBP") &&
      (StartsWith(p, 12, "VP8 ") || StartsWith(p, 12, "VP8L") || StartsWith(p, 12, "VP8X"))) {
    return ImageFormat::kWebp;
  }
  // The other plugins' _accept tests, on Pillow's 16-byte prefix.
  if (p.size() >= 2 && p[0] == std::byte{'P'} &&
      std::string_view("0123456y").find(static_cast<char>(p[1])) != std::string_view::npos) {
    return ImageFormat::kPpm;
  }
  if (StartsWith(p, 0, "\x59\xA6\x6A\x95")) return ImageFormat::kSun;
  if (StartsWith(p, 0, "\x01\xDA")) return ImageFormat::kSgi;
  if (p.size() >= 2 && p[0] == std::byte{10} &&
      (p[1] == std::byte{0} || p[1] == std::byte{2} || p[1] == std::byte{3} ||
       p[1] == std::byte{5})) {
    return ImageFormat::kPcx;
  }
  size_t blank = 0;  // bytes.lstrip()
  while (blank < p.size() && std::string_view(" \t\n\r\v\f").find(static_cast<char>(p[blank])) !=
                                 std::string_view::npos) {
    ++blank;
  }
  if (StartsWith(p, blank, "#define")) return ImageFormat::kXbm;
  if (StartsWith(p, 0, "/* XPM */")) return ImageFormat::kXpm;
  if (StartsWith(p, 0, "SIMPLE")) return ImageFormat::kFits;
  if (StartsWith(p, 0, "\xFF\x4F\xFF\x51") ||
      StartsWith(p, 0, std::string_view("\0\0\0\x0CjP  \r\n\x87\n", 12))) {
    return ImageFormat::kJpeg2000;
  }
  if (StartsWith(p, 0, std::string_view("\0\0\1\0", 4))) return ImageFormat::kIco;
  if (StartsWith(p, 0, std::string_view("\xD7\xCD\xC6\x9A\0\0", 6)) ||
      StartsWith(p, 0, std::string_view("\x01\0\0\0", 4))) {
    return ImageFormat::kWmf;
  }
  if (StartsWith(p, 0, "8BPS")) return ImageFormat::kPsd;
  return ImageFormat::kUnknown;
}

Result<ImageInfo> ProbeImage(ByteSource& src) {
  std::byte prefix[16];
  INGEST_ASSIGN_OR_RETURN(size_t got, src.ReadAt(0, prefix, sizeof prefix));
  switch (DetectImageFormat({prefix, got})) {
    case ImageFormat::kJpeg:
      return probe_internal::ProbeJpeg(src);
    case ImageFormat::kPng:
      return probe_internal::ProbePng(src);
    case ImageFormat::kGif:
      return probe_internal::ProbeGif(src);
    case ImageFormat::kBmp:
      return probe_internal::ProbeBmp(src);
    case ImageFormat::kTiff:
      return probe_internal::ProbeTiff(src);
    case ImageFormat::kWebp:
      return probe_internal::ProbeWebp(src);
    case ImageFormat::kPpm:
      return probe_internal::ProbePnm(src);
    case ImageFormat::kSun:
      return probe_internal::ProbeSun(src);
    case ImageFormat::kSgi:
      return probe_internal::ProbeSgi(src);
    case ImageFormat::kPcx:
      return probe_internal::ProbePcx(src);
    case ImageFormat::kXbm:
      return probe_internal::ProbeXbm(src);
    case ImageFormat::kXpm:
      return probe_internal::ProbeXpm(src);
    case ImageFormat::kFits:
      return probe_internal::ProbeFits(src);
    case ImageFormat::kJpeg2000:
      return probe_internal::ProbeJpeg2000(src);
    case ImageFormat::kIco:
      return probe_internal::ProbeIco(src);
    case ImageFormat::kWmf:
      return probe_internal::ProbeWmf(src);
    case ImageFormat::kPsd:
      return probe_internal::ProbePsd(src);
    case ImageFormat::kUnknown:
      break;
  }
  return Status::Unsupported(
      "not an image Pillow opens that we read (JPEG, PNG, GIF, BMP, TIFF, WebP, PNM, Sun raster, "
      "SGI, PCX, XBM, XPM, FITS, JPEG 2000, ICO, WMF/EMF, PSD)");
}

std::string_view ImageFormatName(ImageFormat format) {
  switch (format) {
    case ImageFormat::kJpeg:
      return "JPEG";
    case ImageFormat::kPng:
      return "PNG";
    case ImageFormat::kGif:
      return "GIF";
    case ImageFormat::kBmp:
      return "BMP";
    case ImageFormat::kTiff:
      return "TIFF";
    case ImageFormat::kWebp:
      return "WEBP";
    case ImageFormat::kPpm:
      return "PPM";
    case ImageFormat::kSun:
      return "SUN";
    case ImageFormat::kSgi:
      return "SGI";
    case ImageFormat::kPcx:
      return "PCX";
    case ImageFormat::kXbm:
      return "XBM";
    case ImageFormat::kXpm:
      return "XPM";
    case ImageFormat::kFits:
      return "FITS";
    case ImageFormat::kJpeg2000:
      return "JPEG2000";
    case ImageFormat::kIco:
      return "ICO";
    case ImageFormat::kWmf:
      return "WMF";
    case ImageFormat::kPsd:
      return "PSD";
    case ImageFormat::kUnknown:
      break;
  }
  return "unknown";
}

Result<ImageInfo> ProbeImageFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return FromErrno("open " + path, errno);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return FromErrno("stat " + path, errno);
  FdByteSource src(fd.get(), static_cast<uint64_t>(st.st_size));
  Result<ImageInfo> info = ProbeImage(src);
  if (!info) return info.error().WithPrefix(path);
  return info;
}

}  // namespace ingest
