#include "engine/tiff_ifd.h"

#include <cmath>
#include <cstring>

namespace ingest {
namespace {

constexpr uint16_t kTagWidth = 256;
constexpr uint16_t kTagLength = 257;
constexpr uint16_t kTagOrientation = 274;

// Bytes per element of each TIFF type Pillow 9.4 can load; 0 for the types it skips.
size_t UnitSize(uint16_t type) {
  switch (type) {
    case 1:  // BYTE
    case 2:  // ASCII
    case 6:  // SBYTE
    case 7:  // UNDEFINED
      return 1;
    case 3:  // SHORT
    case 8:  // SSHORT
      return 2;
    case 4:   // LONG
    case 9:   // SLONG
    case 11:  // FLOAT
    case 13:  // IFD
      return 4;
    case 5:   // RATIONAL
    case 10:  // SRATIONAL
    case 12:  // DOUBLE
    case 16:  // LONG8
      return 8;
    default:
      return 0;
  }
}

uint64_t Load(const uint8_t* p, size_t n, bool little) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    size_t shift = 8 * (little ? i : n - 1 - i);
    v |= static_cast<uint64_t>(p[i]) << shift;
  }
  return v;
}

int64_t SignExtend(uint64_t v, int bits) {
  uint64_t sign = uint64_t{1} << (bits - 1);
  return static_cast<int64_t>((v ^ sign) - sign);
}

// The first value as a double, for rational and float types; nullopt for others.
std::optional<double> EntryAsReal(const IfdEntry& e, bool little) {
  switch (e.type) {
    case 5:
    case 10: {
      uint64_t num = Load(e.first, 4, little);
      uint64_t den = Load(e.first + 4, 4, little);
      double n = e.type == 5 ? static_cast<double>(num) : static_cast<double>(SignExtend(num, 32));
      double d = e.type == 5 ? static_cast<double>(den) : static_cast<double>(SignExtend(den, 32));
      if (d == 0) return std::nan("");  // Pillow's IFDRational: nan, compares false
      return n / d;
    }
    case 11: {
      uint32_t bits = static_cast<uint32_t>(Load(e.first, 4, little));
      float f;
      std::memcpy(&f, &bits, sizeof f);
      return f;
    }
    case 12: {
      uint64_t bits = Load(e.first, 8, little);
      double d;
      std::memcpy(&d, &bits, sizeof d);
      return d;
    }
    default:
      return std::nullopt;
  }
}

}  // namespace

Result<IfdTags> ReadIfd(const TiffWindow& w, const TiffHeader& h, uint64_t ifd_offset) {
  IfdTags tags;
  const bool little = h.little_endian;
  const size_t count_size = h.big_tiff ? 8 : 2;
  const size_t entry_size = h.big_tiff ? 20 : 12;
  const size_t inline_size = h.big_tiff ? 8 : 4;

  // Reads n bytes at off (relative); false when they are not all inside the window.
  auto read = [&](uint64_t off, void* buf, size_t n) -> Result<bool> {
    if (off > w.length || n > w.length - off) return false;
    INGEST_ASSIGN_OR_RETURN(size_t got, w.src->ReadAt(w.base + off, buf, n));
    return got == n;
  };

  uint8_t raw[20];
  INGEST_ASSIGN_OR_RETURN(bool ok, read(ifd_offset, raw, count_size));
  if (!ok) return tags;
  uint64_t count = Load(raw, count_size, little);
  uint64_t pos = ifd_offset + count_size;
  for (uint64_t i = 0; i < count; ++i, pos += entry_size) {
    INGEST_ASSIGN_OR_RETURN(bool got, read(pos, raw, entry_size));
    if (!got) break;
    uint16_t tag = static_cast<uint16_t>(Load(raw, 2, little));
    uint16_t type = static_cast<uint16_t>(Load(raw + 2, 2, little));
    uint64_t n = Load(raw + 4, h.big_tiff ? 8 : 4, little);
    const uint8_t* data = raw + (h.big_tiff ? 12 : 8);
    size_t unit = UnitSize(type);
    if (unit == 0) continue;
    // size = n * unit, computed without overflow: anything past the window ends the walk.
    bool external = n > inline_size / unit;
    IfdEntry e;
    e.present = true;
    e.type = type;
    e.count = n;
    if (external) {
      uint64_t off = Load(data, inline_size, little);
      if (n > w.length / unit) break;
      uint64_t size = n * unit;
      if (off > w.length || size > w.length - off) break;
      // Only the first value is kept, but Pillow requires the whole value to be readable;
      // the bounds check above is that requirement (the source's size is the window's).
      INGEST_ASSIGN_OR_RETURN(bool first_ok, read(off, e.first, unit));
      if (!first_ok) break;
    } else {
      if (n == 0) continue;
      std::memcpy(e.first, data, unit);
    }
    if (tag == kTagWidth) {
      tags.width = e;
    } else if (tag == kTagLength) {
      tags.length = e;
    } else if (tag == kTagOrientation) {
      tags.orientation = e;
    }
  }
  return tags;
}

std::optional<int64_t> EntryAsInteger(const IfdEntry& e, const TiffHeader& h) {
  if (!e.present) return std::nullopt;
  const bool little = h.little_endian;
  switch (e.type) {
    case 3:
      return static_cast<int64_t>(Load(e.first, 2, little));
    case 4:
    case 13:
      return static_cast<int64_t>(Load(e.first, 4, little));
    case 6:
      return SignExtend(e.first[0], 8);
    case 8:
      return SignExtend(Load(e.first, 2, little), 16);
    case 9:
      return SignExtend(Load(e.first, 4, little), 32);
    case 16: {
      uint64_t v = Load(e.first, 8, little);
      return v > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(v);
    }
    default:
      break;
  }
  std::optional<double> real = EntryAsReal(e, little);
  if (!real || !std::isfinite(*real)) return std::nullopt;
  double t = std::trunc(*real);
  if (t >= 9.2e18) return INT64_MAX;
  if (t <= -9.2e18) return INT64_MIN;
  return static_cast<int64_t>(t);
}

uint16_t OrientationValue(const IfdEntry& e, const TiffHeader& h) {
  if (!e.present) return 1;
  std::optional<int64_t> v;
  if (std::optional<double> real = EntryAsReal(e, h.little_endian)) {
    if (std::isnan(*real)) return 0;  // compares false with 4: no swap
    double c = std::ceil(*real);
    v = c >= 65535.0 ? 65535 : c <= 0.0 ? 0 : static_cast<int64_t>(c);
  } else {
    v = EntryAsInteger(e, h);
  }
  if (!v) return 1;  // BYTE, ASCII, UNDEFINED: bytes or str in Python
  if (*v < 0) return 0;
  if (*v > 65535) return 65535;
  return static_cast<uint16_t>(*v);
}

Result<std::optional<uint16_t>> ExifOrientation(const TiffWindow& window, bool strip_prefix) {
  TiffWindow w = window;
  uint8_t head[8] = {};
  size_t have = w.length < 8 ? static_cast<size_t>(w.length) : 8;
  if (have > 0) INGEST_RETURN_IF_ERROR(ReadExact(*w.src, w.base, head, have, "EXIF"));
  if (strip_prefix && have >= 6 && std::memcmp(head, "Exif\0\0", 6) == 0) {
    w.base += 6;
    w.length -= 6;
    have = w.length < 8 ? static_cast<size_t>(w.length) : 8;
    std::memset(head, 0, sizeof head);
    if (have > 0) INGEST_RETURN_IF_ERROR(ReadExact(*w.src, w.base, head, have, "EXIF"));
  }
  if (have < 8) return std::optional<uint16_t>();
  TiffHeader h;
  // Pillow accepts six prefixes. "MM\0+" is BigTIFF, but Pillow tests byte 2 (0 here) for
  // 43, so it reads the block as a classic big-endian one; "II+\0" makes it fail.
  if (std::memcmp(head, "MM\0*", 4) == 0 || std::memcmp(head, "MM*\0", 4) == 0 ||
      std::memcmp(head, "MM\0+", 4) == 0) {
    h.little_endian = false;
  } else if (std::memcmp(head, "II*\0", 4) == 0 || std::memcmp(head, "II\0*", 4) == 0) {
    h.little_endian = true;
  } else if (std::memcmp(head, "II+\0", 4) == 0) {
    // Pillow unpacks a 16-byte BigTIFF header from the 8 bytes it read: struct.error, which
    // nothing catches, so CVAT fails on this file.
    return Status::Corruption("EXIF: BigTIFF header (Pillow cannot read it)");
  } else {
    return std::optional<uint16_t>();  // not a TIFF header: Pillow raises SyntaxError
  }
  h.first_ifd = Load(head + 4, 4, h.little_endian);
  INGEST_ASSIGN_OR_RETURN(IfdTags tags, ReadIfd(w, h, h.first_ifd));
  if (!tags.orientation.present) return std::optional<uint16_t>();
  return std::optional<uint16_t>(OrientationValue(tags.orientation, h));
}

}  // namespace ingest
