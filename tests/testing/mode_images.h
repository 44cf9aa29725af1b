// Images in every pixel mode Pillow distinguishes, written at test time with the reference
// encoders (libjpeg, libpng, libtiff, giflib, libwebp) or byte by byte (BMP). Pixels are a
// deterministic pattern (gradients plus a hash-like texture), at odd sizes, so decoders'
// edge handling (chroma upsampling, pad bits, interlacing) shows in the checksum.
#ifndef INGEST_TESTS_TESTING_MODE_IMAGES_H_
#define INGEST_TESTS_TESTING_MODE_IMAGES_H_

#include <string>
#include <vector>

namespace ingest::testing {

struct ModeImage {
  std::string name;   // file name with its extension, e.g. "png_rgb16.png"
  std::string bytes;  // the encoded file
};

// The whole set; `scratch` is a directory for libtiff's temporary files.
std::vector<ModeImage> BuildModeImages(const std::string& scratch);

}  // namespace ingest::testing

#endif  // INGEST_TESTS_TESTING_MODE_IMAGES_H_
