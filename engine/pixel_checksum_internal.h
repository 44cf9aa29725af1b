// Shared pieces of the pixel-checksum decoders (engine/pixel_checksum*.cc); not a public API.
#ifndef INGEST_ENGINE_PIXEL_CHECKSUM_INTERNAL_H_
#define INGEST_ENGINE_PIXEL_CHECKSUM_INTERNAL_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "engine/pixel_checksum.h"
#include "engine/status.h"

namespace ingest::pixels {

// Where decoders put the bytes of Pillow's tobytes(), in order: a streaming md5 (OpenSSL
// EVP), or a buffer that collects them for a later md5 (Md5Many over several images).
class Md5Sink {
 public:
  Md5Sink();
  explicit Md5Sink(PixelBuffer* collect);  // appends to *collect instead
  ~Md5Sink();
  Md5Sink(const Md5Sink&) = delete;
  Md5Sink& operator=(const Md5Sink&) = delete;

  void Update(const void* data, size_t n);
  // When collecting: room for the next `n` bytes, to be written in place (no copy through
  // Update); nullptr when hashing.
  uint8_t* Reserve(size_t n);
  // The md5 of what was fed. REQUIRES: not collecting.
  PixelMd5 Finish();

 private:
  void* ctx_ = nullptr;                    // EVP_MD_CTX, when hashing
  PixelBuffer* collect_ = nullptr;  // when collecting
};

// Room for a whole decoded image of `n` bytes (not cleared), for decoders that cannot stream rows
// in order: the sink's own buffer when it collects (written in place), else a buffer of its
// own that Commit() feeds to the sink.
class WholeImage {
 public:
  WholeImage(Md5Sink* sink, size_t n);
  uint8_t* data() { return data_; }
  void Commit();  // once, after the image is written

 private:
  Md5Sink* sink_;
  size_t size_;
  std::unique_ptr<uint8_t[]> own_;
  uint8_t* data_;
};

// Unsupported when width x height is over Pillow's decompression bomb limit (178,956,970
// pixels), which Pillow refuses to open. Each decoder checks the size it is about to
// decode, since a file the header probe refuses may still reach a decoder.
Status CheckPixelCount(std::string_view format, uint64_t width, uint64_t height);

// Each decoder hashes the pixels of `file` (already known to be of its format) into `sink`.
Status HashJpegPixels(std::span<const std::byte> file, Md5Sink* sink);
Status HashPngPixels(std::span<const std::byte> file, Md5Sink* sink);
Status HashWebpPixels(std::span<const std::byte> file, Md5Sink* sink);
Status HashGifPixels(std::span<const std::byte> file, Md5Sink* sink);
Status HashBmpPixels(std::span<const std::byte> file, Md5Sink* sink);
Status HashTiffPixels(std::span<const std::byte> file, Md5Sink* sink);
Status HashPnmPixels(std::span<const std::byte> file, Md5Sink* sink);
Status HashSunPixels(std::span<const std::byte> file, Md5Sink* sink);
Status HashPcxPixels(std::span<const std::byte> file, Md5Sink* sink);
Status HashSgiPixels(std::span<const std::byte> file, Md5Sink* sink);

// Run-length data (engine/pixel_rle.cc), called once the format's header is read and the
// size checked against the bomb limit. Sun raster type 2: `data` is the file from the end of
// the colour map; `palette` says whether there is one (4-bit samples are then indices).
Status HashSunRlePixels(std::span<const uint8_t> data, uint32_t width, uint32_t height,
                        uint32_t depth, bool palette, Md5Sink* sink);
// SGI storage 1: `file` whole (the tables follow the 512-byte header); `bands` is the zsize
// (1, 3 or 4), `bpc` 1 or 2.
Status HashSgiRlePixels(std::span<const std::byte> file, uint32_t width, uint32_t height,
                        unsigned bands, unsigned bpc, Md5Sink* sink);
// One stored Sun raster row of `depth` bits a pixel (1, 4, 8, 24, 32) to Pillow's bytes
// (engine/pixel_raster.cc); returns how many were written to `out` (up to 3 * width).
size_t SunRow(const uint8_t* in, uint32_t width, uint32_t depth, bool palette, bool rgb_order,
              uint8_t* out);
Status HashXbmPixels(std::span<const std::byte> file, Md5Sink* sink);
Status HashXpmPixels(std::span<const std::byte> file, Md5Sink* sink);
Status HashFitsPixels(std::span<const std::byte> file, Md5Sink* sink);
Status HashIcoPixels(std::span<const std::byte> file, Md5Sink* sink);
Status HashPsdPixels(std::span<const std::byte> file, Md5Sink* sink);
Status HashJpeg2000Pixels(std::span<const std::byte> file, Md5Sink* sink);

// Packs a "1"-mode row as Pillow's tobytes does: bits MSB first, the pad bits of the last
// byte cleared; `invert` flips every pixel (min-is-white data). Writes (width + 7) / 8 bytes.
void PackBitsRow(const uint8_t* in, uint32_t width, bool invert, uint8_t* out);

// Expands 1/2/4-bit samples (MSB first) to one byte each, multiplied by `scale`.
void UnpackSubByteRow(const uint8_t* in, uint32_t width, int bits, uint8_t scale, uint8_t* out);

}  // namespace ingest::pixels

#endif  // INGEST_ENGINE_PIXEL_CHECKSUM_INTERNAL_H_
