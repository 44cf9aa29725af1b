// Video manifest cost against plain decoding of the same clip.
//
// BM_DecodeOnly is the yardstick (what `ffmpeg -i V -f null -` does: demux and decode with
// FFmpeg's frame threads, nothing else); BM_VideoKeyFrames is ReadVideoKeyFrames (the same
// decode plus, per key frame, an RGB24 conversion, an md5 and a seek-and-decode on a second
// demuxer, on verifier threads). Their ratio is the overhead of the manifest; it grows as
// GOPs shrink.
// Arg: the GOP size. Clips are encoded in-process (H.264 when libx264 is present, else MPEG-4).
extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <string>

#include "engine/video_key_frames.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/video_writer.h"

namespace {

constexpr int kFrames = 240;

const std::string& Clip(int gop) {
  static ingest::testing::ScopedTempDir dir;
  static std::map<int, std::string> clips;
  auto it = clips.find(gop);
  if (it != clips.end()) return it->second;
  std::string path = dir.Join("gop" + std::to_string(gop) + ".mp4");
  bool h264 = avcodec_find_encoder_by_name("libx264") != nullptr;
  ingest::testing::WriteVideo(path, {.width = 640, .height = 360, .frames = kFrames,
                                     .codec = h264 ? "libx264" : "mpeg4", .gop_size = gop,
                                     .max_b_frames = 2, .textured = true});
  return clips.emplace(gop, path).first->second;
}

// Demux + decode with frame threads; returns the number of frames (-1: cannot decode).
int64_t DecodeOnly(const std::string& path) {
  int64_t frames = 0;
  bool ok = ingest::testing::ForEachDecodedFrame(path, 0, [&](const AVFrame&) { ++frames; });
  return ok ? frames : -1;
}

void BM_DecodeOnly(benchmark::State& state) {
  const std::string& path = Clip(static_cast<int>(state.range(0)));
  int64_t frames = 0;
  for (auto _ : state) frames += DecodeOnly(path);
  state.counters["frames/s"] =
      benchmark::Counter(static_cast<double>(frames), benchmark::Counter::kIsRate);
}

void BM_VideoKeyFrames(benchmark::State& state) {
  const std::string& path = Clip(static_cast<int>(state.range(0)));
  int64_t frames = 0;
  for (auto _ : state) {
    ingest::Result<ingest::VideoKeyFrames> r = ingest::ReadVideoKeyFrames(path, {.force = true});
    if (!r) {
      state.SkipWithError(r.error().message().c_str());
      return;
    }
    frames += r->length;
  }
  state.counters["frames/s"] =
      benchmark::Counter(static_cast<double>(frames), benchmark::Counter::kIsRate);
}

BENCHMARK(BM_DecodeOnly)->Arg(12)->Arg(60)->Arg(250)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_VideoKeyFrames)->Arg(12)->Arg(60)->Arg(250)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
