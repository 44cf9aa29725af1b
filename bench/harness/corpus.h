// Synthetic corpora for `cvat-ingest bench`: a profile (how many files of which sizes and
// kinds) written into a directory as real media (bench/harness/media_writer.h).
//   small  2,000 x 100 KiB JPEGs (Upload-Multiple batches)
//   large  8 x 64 MiB JPEGs (TUS)
//   mixed  1,000 files around 64 KiB: 90% at SIZE, 9% at 16 x SIZE, 1% at 256 x SIZE; every
//          fourth a PNG
//   video  one MPEG-4 video of FRAMES 640x360 frames (250)
//   videos FILES MPEG-4 videos (20) of FRAMES frames (150) each, for runs of many tasks
#ifndef INGEST_BENCH_HARNESS_CORPUS_H_
#define INGEST_BENCH_HARNESS_CORPUS_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/result.h"

namespace ingest::bench {

enum class Profile : uint8_t { kSmall, kLarge, kMixed, kVideo, kVideos };

std::string_view ProfileName(Profile profile);
// "small", "large", "mixed", "video" or "videos"; InvalidArgument naming the choices
// otherwise.
Result<Profile> ParseProfile(std::string_view name);

struct CorpusSpec {
  Profile profile = Profile::kSmall;
  uint64_t files = 0;  // 0: the profile's count (images, videos)
  uint64_t size = 0;   // 0: the profile's file size (images only; mixed: the common size)
  int video_frames = 0;  // 0: 250 (video), 150 (videos)
  uint64_t seed = 1;   // the random payload
};

// `spec` with the profile's defaults in place of zeros.
CorpusSpec WithDefaults(CorpusSpec spec);

// True for the profiles made of videos.
inline bool IsVideoProfile(Profile p) { return p == Profile::kVideo || p == Profile::kVideos; }

// Bytes the corpus will take (exact for images, an estimate for videos).
uint64_t PlannedBytes(const CorpusSpec& spec);

struct CorpusInfo {
  uint64_t files = 0;
  uint64_t bytes = 0;
};

// Writes the corpus into `dir` (created if missing): images as part_N/img_I.jpg (1,000 per
// folder, every base name distinct, as CVAT needs), a video as video.mp4, videos as
// clip_0001.mp4 ... (each from its own seed). `written` (optional)
// counts bytes as they are written. Cancelled when `cancel` is set.
Result<CorpusInfo> GenerateCorpus(const std::string& dir, const CorpusSpec& spec,
                                  const std::atomic<bool>* cancel,
                                  std::atomic<uint64_t>* written);

}  // namespace ingest::bench

#endif  // INGEST_BENCH_HARNESS_CORPUS_H_
