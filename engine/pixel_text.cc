// Pixel checksums of the text image formats XBM and XPM, as Pillow 9.4 decodes them. Their
// headers are read by the probe (text_image_probe.cc), which also says where the pixels start.
//
// XBM (XbmDecode.c, rawmode "1;R"): from the end of the header pattern, each pixel byte is the
// two characters after the next 'x' (hex digits; any other character counts as 0), rows of
// (width + 7) / 8 bytes with the least significant bit first; tobytes() gives them most
// significant bit first, the pad bits clear. The file ending before the last byte is an error
// ("image file is truncated").
//
// FITS (FitsImageFile in 9.4): the raw decoder in the image's mode with the rows bottom-up,
// from the header's end rounded up to a 2880-byte record: BITPIX 8 is "L" (bytes as stored),
// 16 and 32 are "I" and -32 and -64 are "F", all read as 4 native (little-endian) bytes a
// pixel whatever the file holds, so the bytes are copied as they are. Every row must be there.
//
// XPM (XpmImageFile.load_read): mode "P", and the pixel bytes are the characters themselves:
// for each row, Python's readline() from the line after the last colour line, bytes 1 to
// width, padded with spaces to the width (so a short or missing line never fails: the quote,
// comma or newline it holds are pixels, and the end of the file gives spaces).
#include <algorithm>
#include <cstring>
#include <vector>

#include "engine/byte_source.h"
#include "engine/image_probe_internal.h"
#include "engine/pixel_checksum_internal.h"

namespace ingest::pixels {
namespace {

int HexValue(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 0;
}

uint8_t ReverseBits(uint8_t b) {
  b = static_cast<uint8_t>((b & 0xF0) >> 4 | (b & 0x0F) << 4);
  b = static_cast<uint8_t>((b & 0xCC) >> 2 | (b & 0x33) << 2);
  return static_cast<uint8_t>((b & 0xAA) >> 1 | (b & 0x55) << 1);
}

}  // namespace

Status HashXbmPixels(std::span<const std::byte> file, Md5Sink* sink) {
  SpanByteSource src(file);
  uint64_t pos = 0;
  INGEST_ASSIGN_OR_RETURN(ImageInfo info, probe_internal::ProbeXbm(src, &pos));
  INGEST_RETURN_IF_ERROR(CheckPixelCount("XBM", info.width, info.height));
  const auto* s = reinterpret_cast<const uint8_t*>(file.data());
  const size_t stride = (size_t{info.width} + 7) / 8;
  std::vector<uint8_t> raw(stride);
  std::vector<uint8_t> row(stride);
  for (uint32_t y = 0; y < info.height; ++y) {
    for (size_t x = 0; x < stride; ++x) {
      while (pos < file.size() && s[pos] != 'x') ++pos;
      if (file.size() - pos < 3) return Status::Corruption("XBM: image file is truncated");
      raw[x] = ReverseBits(static_cast<uint8_t>(HexValue(s[pos + 1]) << 4 | HexValue(s[pos + 2])));
      pos += 3;
    }
    PackBitsRow(raw.data(), info.width, false, row.data());
    sink->Update(row.data(), row.size());
  }
  return Status();
}

Status HashFitsPixels(std::span<const std::byte> file, Md5Sink* sink) {
  SpanByteSource src(file);
  uint64_t offset = 0;
  int bitpix = 0;
  INGEST_ASSIGN_OR_RETURN(ImageInfo info, probe_internal::ProbeFits(src, &offset, &bitpix));
  INGEST_RETURN_IF_ERROR(CheckPixelCount("FITS", info.width, info.height));
  const uint64_t row = uint64_t{info.width} * (bitpix == 8 ? 1 : 4);
  if (offset > file.size() || file.size() - offset < row * info.height) {
    return Status::Corruption("FITS: image file is truncated");
  }
  const auto* s = reinterpret_cast<const uint8_t*>(file.data()) + offset;
  for (uint32_t y = info.height; y > 0; --y) sink->Update(s + (y - 1) * row, row);
  return Status();
}

Status HashXpmPixels(std::span<const std::byte> file, Md5Sink* sink) {
  SpanByteSource src(file);
  uint64_t pos = 0;
  INGEST_ASSIGN_OR_RETURN(ImageInfo info, probe_internal::ProbeXpm(src, &pos));
  INGEST_RETURN_IF_ERROR(CheckPixelCount("XPM", info.width, info.height));
  const auto* s = reinterpret_cast<const uint8_t*>(file.data());
  std::vector<uint8_t> row(info.width);
  for (uint32_t y = 0; y < info.height; ++y) {
    const uint64_t start = pos;
    while (pos < file.size() && s[pos] != '\n') ++pos;
    if (pos < file.size()) ++pos;  // readline() keeps the newline
    const uint64_t len = pos - start;
    std::fill(row.begin(), row.end(), ' ');
    if (len > 1) {
      const uint64_t take = std::min<uint64_t>(len - 1, info.width);
      std::copy(s + start + 1, s + start + 1 + take, row.begin());
    }
    sink->Update(row.data(), row.size());
  }
  return Status();
}

}  // namespace ingest::pixels
