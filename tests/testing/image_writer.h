// Real images for tests and benchmarks, written at run time with the reference encoders
// (libjpeg, libpng, libtiff, libwebp, giflib) or, for BMP and odd cases, byte by byte.
// Every writer returns the encoded file; pixels are a flat grey, the size is what matters.
#ifndef INGEST_TESTS_TESTING_IMAGE_WRITER_H_
#define INGEST_TESTS_TESTING_IMAGE_WRITER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ingest::testing {

// An EXIF block as cameras write it: an IFD0 with Make (stored out of line, before the
// Orientation entry) and Orientation (SHORT). With `with_prefix`, it starts "Exif\0\0"
// (JPEG APP1 payload); without, it is the bare TIFF structure (PNG eXIf, WebP EXIF).
std::string BuildExif(uint16_t orientation, bool big_endian = false, bool with_prefix = true);

struct JpegOptions {
  bool progressive = false;
  bool grayscale = false;
  std::optional<uint16_t> exif_orientation = std::nullopt;  // adds an APP1 EXIF segment
};
std::string WriteJpeg(uint32_t width, uint32_t height, const JpegOptions& options = {});

// PNG (RGB, 8-bit). `exif_before_idat` / `exif_after_idat` add an eXIf chunk there.
// `noise` fills the pixels with pseudo-random bytes so the file is photo-sized (libpng
// splits the data into 8 KiB IDAT chunks).
struct PngOptions {
  std::optional<uint16_t> exif_before_idat = std::nullopt;
  std::optional<uint16_t> exif_after_idat = std::nullopt;
  bool noise = false;
  uint32_t seed = 0;  // another seed gives other pixels (same size)
};
std::string WritePng(uint32_t width, uint32_t height, const PngOptions& options = {});
// Inserts a chunk (CRC computed) before the first IDAT, or before IEND when !before_idat.
std::string InsertPngChunk(std::string_view png, std::string_view type, std::string_view data,
                           bool before_idat);

// TIFF through libtiff (classic or BigTIFF, either byte order). Writes via a temporary
// file in `dir`.
struct TiffOptions {
  bool big_endian = false;
  bool big_tiff = false;
  std::optional<uint16_t> orientation = std::nullopt;
};
std::string WriteTiff(const std::string& dir, uint32_t width, uint32_t height,
                      const TiffOptions& options = {});

enum class BmpHeader { kCore12, kInfo40, kV4_108, kV5_124 };
// A 24-bit BMP; `top_down` stores a negative height (not for kCore12).
std::string WriteBmp(uint32_t width, uint32_t height, BmpHeader header, bool top_down = false);

// A GIF through giflib: logical screen `screen_w` x `screen_h` and one frame of
// `frame_w` x `frame_h` at (left, top).
std::string WriteGif(uint16_t screen_w, uint16_t screen_h, uint16_t left, uint16_t top,
                     uint16_t frame_w, uint16_t frame_h);

enum class WebpKind { kLossy, kLossless, kExtended };
// kExtended: VP8X with an alpha channel and, when given, an EXIF chunk (through libwebpmux).
std::string WriteWebp(uint32_t width, uint32_t height, WebpKind kind,
                      std::optional<uint16_t> exif_orientation = std::nullopt);

}  // namespace ingest::testing

#endif  // INGEST_TESTS_TESTING_IMAGE_WRITER_H_
