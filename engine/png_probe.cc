// PNG: the size is IHDR's; chunks before IDAT must have good CRCs, as Pillow checks them on
// open. The orientation follows Pillow 9.4's PngImageFile.getexif():
//  1. Chunks before the first IDAT are read on open. eXIf, and a tEXt/zTXt/iTXt chunk keyed
//     "exif", set the EXIF block (the last one wins).
//  2. With no EXIF block yet, getexif() loads the image, and loading reads the chunks after
//     the IDAT run up to IEND: an eXIf there counts too. We walk the chunk headers without
//     decoding.
//  3. With no EXIF block at all, a text chunk "Raw profile type exif" (ImageMagick's hex dump,
//     lines after the third) is the EXIF block.
//  4. When the EXIF block has no tag 274, the first `tiff:Orientation="D"` or
//     `tiff:Orientation>D` (one digit) in a text chunk "XML:com.adobe.xmp" gives it.
// Text chunks: tEXt values are Latin-1; zTXt and compressed iTXt are inflated to at most
// 1 MiB (Pillow's limit); an iTXt that is not valid UTF-8 is ignored, as Pillow ignores it.
#include <optional>
#include <string>
#include <string_view>

#include <zlib.h>

#include "engine/image_probe_internal.h"
#include "engine/tiff_ifd.h"

namespace ingest::probe_internal {
namespace {

constexpr size_t kMaxText = 1 << 20;  // Pillow's MAX_TEXT_CHUNK

bool IsChunkId(const uint8_t* id) {
  for (int i = 0; i < 4; ++i) {
    uint8_t c = id[i];
    bool word =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!word) return false;
  }
  return true;
}

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<uint8_t>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    uint32_t cp = len == 1 ? c : c & (0x7F >> len);
    for (size_t k = 1; k < len; ++k) {
      auto cc = static_cast<uint8_t>(s[i + k]);
      if ((cc >> 6) != 2) return false;
      cp = cp << 6 | (cc & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

enum class Inflated { kOk, kBad, kTooLarge };

// zlib.decompressobj().decompress(data, 1 MiB): a truncated stream yields what it has.
Inflated Inflate(std::string_view data, std::string* out) {
  z_stream z{};
  if (inflateInit(&z) != Z_OK) return Inflated::kBad;
  out->resize(kMaxText + 1);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out->data());
  z.avail_out = static_cast<uInt>(out->size());
  int rc = inflate(&z, Z_SYNC_FLUSH);
  size_t produced = out->size() - z.avail_out;
  inflateEnd(&z);
  if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) return Inflated::kBad;
  if (produced > kMaxText) return Inflated::kTooLarge;
  out->resize(produced);
  return Inflated::kOk;
}

// Pillow checks the CRC of every chunk before the first IDAT. `at` is the chunk's type field.
Status CheckCrc(ByteSource& src, uint64_t at, uint32_t len, std::string_view cid) {
  uint8_t buf[4096];
  uLong crc = crc32(0, nullptr, 0);
  uint64_t left = uint64_t{len} + 4;  // type + data
  uint64_t pos = at;
  while (left > 0) {
    size_t n = left < sizeof buf ? static_cast<size_t>(left) : sizeof buf;
    INGEST_RETURN_IF_ERROR(ReadExact(src, pos, buf, n, "PNG: chunk"));
    crc = crc32(crc, buf, static_cast<uInt>(n));
    pos += n;
    left -= n;
  }
  INGEST_RETURN_IF_ERROR(ReadExact(src, pos, buf, 4, "PNG: chunk CRC"));
  if (Be32(buf) != static_cast<uint32_t>(crc)) {
    return Status::Corruption("PNG: bad CRC in " + std::string(cid) + " chunk");
  }
  return Status::Ok();
}

// What the text and EXIF chunks have told us so far (Pillow's info dict, reduced).
struct PngMeta {
  enum class Exif { kNone, kWindow, kBytes, kText };
  Exif exif = Exif::kNone;
  uint64_t exif_at = 0, exif_len = 0;  // kWindow: eXIf payload, parsed as is
  std::string exif_bytes;              // kBytes: a tEXt "exif" value (prefix stripped)
  std::optional<std::string> raw_profile;
  std::optional<std::string> xmp;
  bool animated = false;
};

// Handles a chunk that can carry metadata. Returns an error only where Pillow fails the open
// or the load (a zTXt with an unknown method or an oversized text).
Status HandleChunk(ByteSource& src, const uint8_t* id, uint64_t at, uint32_t len, PngMeta* m) {
  std::string_view cid(reinterpret_cast<const char*>(id), 4);
  if (cid == "eXIf") {
    m->exif = PngMeta::Exif::kWindow;
    m->exif_at = at;
    m->exif_len = len;
    return Status::Ok();
  }
  if (cid == "acTL") {
    uint8_t b[4];
    if (len >= 4) {
      INGEST_RETURN_IF_ERROR(ReadExact(src, at, b, 4, "PNG: acTL"));
      m->animated = Be32(b) > 1;
    }
    return Status::Ok();
  }
  if (cid != "tEXt" && cid != "zTXt" && cid != "iTXt") return Status::Ok();
  // Only keys we care about are read in full; peek at the key first.
  char key_buf[80];
  size_t peek = len < sizeof key_buf ? len : sizeof key_buf;
  INGEST_RETURN_IF_ERROR(ReadExact(src, at, key_buf, peek, "PNG: text chunk"));
  std::string_view head(key_buf, peek);
  size_t nul = head.find('\0');
  std::string_view key = nul == std::string_view::npos ? head : head.substr(0, nul);
  bool want = key == "exif" || key == "Raw profile type exif" || key == "XML:com.adobe.xmp";
  if (!want) {
    // Pillow still rejects a zTXt whose method byte is not 0 (when we can see it).
    bool bad_method =
        cid == "zTXt" && nul != std::string_view::npos && nul + 1 < peek && key_buf[nul + 1] != 0;
    if (bad_method) return Status::Corruption("PNG: unknown compression method in zTXt chunk");
    return Status::Ok();
  }
  std::string s(len, '\0');
  INGEST_RETURN_IF_ERROR(ReadExact(src, at, s.data(), len, "PNG: text chunk"));
  std::string value;
  bool is_bytes = false;  // a tEXt "exif" stays bytes in Pillow; everything else is str
  if (cid == "tEXt") {
    value = nul == std::string_view::npos ? std::string() : s.substr(nul + 1);
    is_bytes = true;
  } else if (cid == "zTXt") {
    std::string_view v =
        nul == std::string_view::npos ? std::string_view() : std::string_view(s).substr(nul + 1);
    if (!v.empty() && v[0] != 0) {
      return Status::Corruption("PNG: unknown compression method in zTXt chunk");
    }
    Inflated r = Inflate(v.empty() ? v : v.substr(1), &value);
    if (r == Inflated::kTooLarge) return Status::Corruption("PNG: zTXt chunk too large");
    if (r == Inflated::kBad) value.clear();
  } else {  // iTXt: key\0 flag method lang\0 translated\0 text
    if (nul == std::string_view::npos || s.size() - nul - 1 < 2) return Status::Ok();
    uint8_t flag = static_cast<uint8_t>(s[nul + 1]);
    uint8_t method = static_cast<uint8_t>(s[nul + 2]);
    std::string_view rest = std::string_view(s).substr(nul + 3);
    size_t a = rest.find('\0');
    if (a == std::string_view::npos) return Status::Ok();
    size_t b = rest.find('\0', a + 1);
    if (b == std::string_view::npos) return Status::Ok();
    std::string_view text = rest.substr(b + 1);
    if (flag != 0) {
      if (method != 0) return Status::Ok();
      Inflated r = Inflate(text, &value);
      if (r == Inflated::kTooLarge) return Status::Corruption("PNG: iTXt chunk too large");
      if (r == Inflated::kBad) return Status::Ok();
    } else {
      value = std::string(text);
    }
    if (!IsValidUtf8(rest.substr(0, b)) || !IsValidUtf8(value)) return Status::Ok();
  }
  if (key == "exif") {
    if (is_bytes) {
      m->exif = PngMeta::Exif::kBytes;
      m->exif_bytes = std::move(value);
    } else {
      m->exif = PngMeta::Exif::kText;  // Pillow fails on a str EXIF: no orientation
    }
  } else if (key == "Raw profile type exif") {
    m->raw_profile = std::move(value);
  } else {
    m->xmp = std::move(value);
  }
  return Status::Ok();
}

// bytes.fromhex("".join(text.split("\n")[3:])); nullopt where Python raises.
std::optional<std::string> DecodeRawProfile(std::string_view text) {
  size_t start = 0;
  for (int i = 0; i < 3; ++i) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) return std::string();
    start = nl + 1;
  }
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  auto space = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
  std::string out;
  size_t i = start;
  while (true) {
    while (i < text.size() && (space(text[i]) || text[i] == '\n')) ++i;
    if (i >= text.size()) break;
    size_t j = i + 1;
    while (j < text.size() && text[j] == '\n') ++j;  // "\n" is removed before parsing
    if (j >= text.size()) return std::nullopt;
    int hi = hex(text[i]), lo = hex(text[j]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi << 4 | lo));
    i = j + 1;
  }
  return out;
}

// The first `tiff:Orientation="D` or `tiff:Orientation>D`, as Pillow's regex finds it.
std::optional<uint16_t> XmpOrientation(std::string_view xmp) {
  static constexpr std::string_view kName = "tiff:Orientation";
  for (size_t at = xmp.find(kName); at != std::string_view::npos; at = xmp.find(kName, at + 1)) {
    std::string_view rest = xmp.substr(at + kName.size());
    size_t digit = rest.starts_with("=\"") ? 2 : rest.starts_with(">") ? 1 : 0;
    if (digit != 0 && digit < rest.size() && rest[digit] >= '0' && rest[digit] <= '9') {
      return static_cast<uint16_t>(rest[digit] - '0');
    }
  }
  return std::nullopt;
}

}  // namespace

Result<ImageInfo> ProbePng(ByteSource& src) {
  ImageInfo info;
  info.format = ImageFormat::kPng;
  PngMeta meta;
  bool have_ihdr = false;
  uint64_t pos = 8;
  uint8_t h[8];
  // Chunks up to the first IDAT, as Pillow's open reads them.
  while (true) {
    INGEST_ASSIGN_OR_RETURN(size_t got, src.ReadAt(pos, h, 8));
    if (got != 8) return Status::Corruption("PNG: no IDAT chunk before end of file");
    uint32_t len = Be32(h);
    if (!IsChunkId(h + 4)) return Status::Corruption("PNG: invalid chunk type");
    std::string_view cid(reinterpret_cast<const char*>(h + 4), 4);
    if (cid == "IDAT" || cid == "fdAT") break;
    uint64_t at = pos + 8;
    if (at > src.size() || uint64_t{len} + 4 > src.size() - at) {
      return Status::Corruption("PNG: truncated " + std::string(cid) + " chunk");
    }
    INGEST_RETURN_IF_ERROR(CheckCrc(src, pos + 4, len, cid));
    if (cid == "IHDR") {
      uint8_t s[13];
      if (len < 13) return Status::Corruption("PNG: truncated IHDR");
      INGEST_RETURN_IF_ERROR(ReadExact(src, at, s, 13, "PNG: IHDR"));
      int depth = s[8], color = s[9];
      bool known =
          (color == 0 && (depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16)) ||
          (color == 3 && (depth == 1 || depth == 2 || depth == 4 || depth == 8)) ||
          ((color == 2 || color == 4 || color == 6) && (depth == 8 || depth == 16));
      if (!known) return Status::Unsupported("PNG: unknown bit depth / color type in IHDR");
      if (s[11] != 0) return Status::Corruption("PNG: unknown filter method in IHDR");
      info.width = Be32(s);
      info.height = Be32(s + 4);
      have_ihdr = true;
    } else {
      INGEST_RETURN_IF_ERROR(HandleChunk(src, h + 4, at, len, &meta));
    }
    pos = at + len + 4;
  }
  if (!have_ihdr) return Status::Corruption("PNG: no IHDR chunk before IDAT");
  if (info.width == 0 || info.height == 0 || info.width > INT32_MAX || info.height > INT32_MAX) {
    return Status::Corruption("PNG: bad width or height in IHDR");
  }

  // Loading: skip the IDAT run, then read the chunks after it (no CRC checks; a chunk after
  // the IDAT run that goes past the end of the file fails, as in Pillow's chunk reader).
  if (meta.exif == PngMeta::Exif::kNone) {
    bool in_idat = true;
    while (true) {
      INGEST_ASSIGN_OR_RETURN(size_t got, src.ReadAt(pos, h, 8));
      if (got != 8 || !IsChunkId(h + 4)) break;
      uint32_t len = Be32(h);
      std::string_view cid(reinterpret_cast<const char*>(h + 4), 4);
      uint64_t at = pos + 8;
      if (cid == "IEND" || (!in_idat && cid == "fcTL" && meta.animated)) break;
      bool fits = at <= src.size() && len <= src.size() - at;
      if (in_idat && (cid == "IDAT" || cid == "fdAT")) {
        if (!fits) break;  // the decoder may well finish before the cut: not an error
        pos = at + len + 4;
        continue;
      }
      in_idat = false;
      // Pillow's chunk reader fails on a later chunk cut short by the end of the file.
      if (!fits) return Status::Corruption("PNG: truncated " + std::string(cid) + " chunk");
      Status st = HandleChunk(src, h + 4, at, len, &meta);
      if (st.code() == Status::Code::kIoError) return st;
      if (!st.ok()) break;  // Pillow's load fails here; keep what we have
      pos = at + len + 4;
    }
  }

  std::optional<uint16_t> orientation;  // from EXIF; nullopt when no block holds tag 274
  auto from_bytes = [&](std::string_view bytes) -> Status {
    SpanByteSource mem(bytes);
    INGEST_ASSIGN_OR_RETURN(std::optional<uint16_t> o, ExifOrientation({&mem, 0, bytes.size()}));
    orientation = o;
    return Status::Ok();
  };
  switch (meta.exif) {
    case PngMeta::Exif::kWindow: {
      // Pillow prepends "Exif\0\0" and strips it again: the payload is parsed as it is.
      INGEST_ASSIGN_OR_RETURN(orientation,
                              ExifOrientation({&src, meta.exif_at, meta.exif_len}, false));
      break;
    }
    case PngMeta::Exif::kBytes:
      INGEST_RETURN_IF_ERROR(from_bytes(meta.exif_bytes));
      break;
    case PngMeta::Exif::kText:
      break;
    case PngMeta::Exif::kNone:
      if (meta.raw_profile) {
        if (std::optional<std::string> raw = DecodeRawProfile(*meta.raw_profile)) {
          INGEST_RETURN_IF_ERROR(from_bytes(*raw));
        }
      }
      break;
  }
  if (!orientation && meta.xmp) orientation = XmpOrientation(*meta.xmp);
  info.orientation = orientation.value_or(1);
  return info;
}

}  // namespace ingest::probe_internal
