// Synthetic media for the benchmarks: real images and videos whose headers every probe and
// decoder accepts, grown to a wanted size with pseudo-random bytes that decoders skip, so a
// corpus of any size costs one small encode per shape plus sequential writes.
#ifndef INGEST_BENCH_HARNESS_MEDIA_WRITER_H_
#define INGEST_BENCH_HARNESS_MEDIA_WRITER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/result.h"
#include "engine/status.h"

namespace ingest::bench {

// Deterministic pseudo-random bytes (splitmix64): the same seed gives the same bytes.
class RandomBytes {
 public:
  explicit RandomBytes(uint64_t seed) : state_(seed) {}
  uint64_t Next();
  void Fill(char* out, size_t n);

 private:
  uint64_t state_;
};

enum class ImageFormat : uint8_t { kJpeg, kPng };

// A small real image (a gradient with noise) of `width` x `height`, encoded with libjpeg
// (quality 85) or libpng. Internal error when the encoder fails.
Result<std::string> EncodeImage(ImageFormat format, int width, int height);

// Writes `base` (an image from EncodeImage) to `path`, padded to `size` bytes with random
// bytes: JPEG COM segments just before the scan (a header probe stops at SOF and never reads
// them), or one private ancillary PNG chunk ("paDd") before IEND. A `size` below the base
// size writes the base as it is. Returns the bytes written; errors name the file.
Result<uint64_t> WritePaddedImage(const std::string& path, std::string_view base,
                                  ImageFormat format, uint64_t size, RandomBytes* random);

struct VideoFileSpec {
  int width = 640;
  int height = 360;
  int frames = 250;
  int fps = 25;
  int gop = 25;           // frames from one key frame to the next
  uint64_t seed = 1;      // the noise in the frames
  int quantizer = 4;      // MPEG-4 qscale: 2 (large files) to 31 (small ones)
};

// Writes an MPEG-4 video (the container follows the extension: .mp4, .avi, .mkv) of moving
// gradients with noise. Cancelled when `cancel` is set; errors name the file and the step.
Status WriteVideoFile(const std::string& path, const VideoFileSpec& spec,
                      const std::atomic<bool>* cancel = nullptr);

}  // namespace ingest::bench

#endif  // INGEST_BENCH_HARNESS_MEDIA_WRITER_H_
