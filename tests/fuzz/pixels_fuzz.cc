// libFuzzer harness: every pixel decoder path behind the pixel checksum
// (engine/pixel_checksum.h: libjpeg-turbo, libpng, libtiff, libwebp, giflib and our BMP and
// TIFF readers), differentially against the header probe (engine/image_probe.h) and between
// the two ways of getting a checksum.
//
// For any file: ComputePixelChecksum (md5 as the rows are decoded) and DecodeChecksumPixels
// (the bytes collected, for md5 lanes) must agree: both fail, or both succeed with md5(bytes)
// equal to the checksum. When the header probe accepts the file too (a scan decodes only
// what it probed: a file the probe refuses, like a PNG with a bad ancillary CRC that libpng
// tolerates, never gets a checksum), the decoded bytes must be a whole number of rows of the
// probed size, the size the manifest states: `height` rows of between ceil(width / 8) bytes
// (mode "1") and 4 * width bytes (RGBA, CMYK, I).
#include <cstddef>
#include <cstdint>
#include <span>

#include <openssl/evp.h>

#include "engine/byte_source.h"
#include "engine/image_probe.h"
#include "engine/pixel_checksum.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

ingest::PixelMd5 Md5(std::span<const uint8_t> bytes) {
  ingest::PixelMd5 out;
  unsigned len = 0;
  EVP_Digest(bytes.data(), bytes.size(), out.bytes.data(), &len, EVP_md5(), nullptr);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const std::byte> file(reinterpret_cast<const std::byte*>(data), size);
  ingest::Result<ingest::PixelMd5> streamed = ingest::ComputePixelChecksum(file);
  static ingest::PixelBuffer buffer;  // reused, as md5 lanes reuse theirs
  ingest::Status collected = ingest::DecodeChecksumPixels(file, &buffer);
  INGEST_FUZZ_CHECK(streamed.has_value() == collected.ok());
  if (!collected.ok()) {
    INGEST_FUZZ_CHECK(!collected.message().empty());
    return 0;
  }
  INGEST_FUZZ_CHECK(Md5(buffer.bytes()) == *streamed);

  ingest::SpanByteSource src(file);
  ingest::Result<ingest::ImageInfo> info = ingest::ProbeImage(src);
  if (!info) return 0;
  const uint64_t w = info->width, h = info->height, n = buffer.size;
  INGEST_FUZZ_CHECK(n % h == 0);
  const uint64_t row = n / h;
  INGEST_FUZZ_CHECK(row >= (w + 7) / 8 && row <= 4 * w);
  return 0;
}
