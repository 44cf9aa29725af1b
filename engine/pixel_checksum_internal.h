// Shared pieces of the pixel-checksum decoders (engine/pixel_checksum*.cc); not a public API.
#ifndef INGEST_ENGINE_PIXEL_CHECKSUM_INTERNAL_H_
#define INGEST_ENGINE_PIXEL_CHECKSUM_INTERNAL_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "engine/pixel_checksum.h"
#include "engine/status.h"

namespace ingest::pixels {

// Streaming md5 (OpenSSL EVP). Decoders feed it the bytes of Pillow's tobytes() in order.
class Md5Sink {
 public:
  Md5Sink();
  ~Md5Sink();
  Md5Sink(const Md5Sink&) = delete;
  Md5Sink& operator=(const Md5Sink&) = delete;

  void Update(const void* data, size_t n);
  PixelMd5 Finish();

 private:
  void* ctx_;  // EVP_MD_CTX
};

// Each decoder hashes the pixels of `file` (already known to be of its format) into `sink`.
Status HashJpegPixels(std::span<const std::byte> file, Md5Sink* sink);
Status HashPngPixels(std::span<const std::byte> file, Md5Sink* sink);
Status HashWebpPixels(std::span<const std::byte> file, Md5Sink* sink);
Status HashGifPixels(std::span<const std::byte> file, Md5Sink* sink);
Status HashBmpPixels(std::span<const std::byte> file, Md5Sink* sink);
Status HashTiffPixels(std::span<const std::byte> file, Md5Sink* sink);

// Packs a "1"-mode row as Pillow's tobytes does: bits MSB first, the pad bits of the last
// byte cleared; `invert` flips every pixel (min-is-white data). Writes (width + 7) / 8 bytes.
void PackBitsRow(const uint8_t* in, uint32_t width, bool invert, uint8_t* out);

// Expands 1/2/4-bit samples (MSB first) to one byte each, multiplied by `scale`.
void UnpackSubByteRow(const uint8_t* in, uint32_t width, int bits, uint8_t scale, uint8_t* out);

}  // namespace ingest::pixels

#endif  // INGEST_ENGINE_PIXEL_CHECKSUM_INTERNAL_H_
