#include "bench/harness/corpus.h"

#include <cstdio>
#include <filesystem>
#include <map>
#include <tuple>
#include <system_error>
#include <utility>

#include "bench/harness/media_writer.h"

namespace ingest::bench {
namespace {

constexpr int kFilesPerFolder = 1000;

struct ImageShape {
  ImageFormat format;
  uint64_t size;
};

// The i-th file of an image profile.
ImageShape ShapeOf(const CorpusSpec& spec, uint64_t i) {
  if (spec.profile != Profile::kMixed) return {ImageFormat::kJpeg, spec.size};
  ImageFormat format = i % 4 == 3 ? ImageFormat::kPng : ImageFormat::kJpeg;
  if (i % 100 == 99) return {format, spec.size * 256};
  if (i % 10 == 9) return {format, spec.size * 16};
  return {format, spec.size};
}

// Encoded base images by format and picture size. A file gets the largest picture (of a
// ladder from 4K down to a thumbnail) that takes at most half its bytes, so most of a file is
// payload and its header claims a plausible size.
class BaseImages {
 public:
  Result<const std::string*> Get(ImageFormat format, uint64_t size) {
    static constexpr std::pair<int, int> kLadder[] = {
        {3840, 2160}, {1920, 1080}, {1280, 720}, {640, 480}, {320, 240}, {160, 120}, {64, 48}};
    const std::string* best = nullptr;
    for (auto [w, h] : kLadder) {
      auto key = std::make_tuple(format, w, h);
      auto it = cache_.find(key);
      if (it == cache_.end()) {
        // A 4K encode only for files that can hold it.
        if (w > 64 && static_cast<uint64_t>(w) * static_cast<uint64_t>(h) / 4 > size) continue;
        Result<std::string> encoded = EncodeImage(format, w, h);
        if (!encoded) return encoded.error();
        it = cache_.emplace(key, std::move(*encoded)).first;
      }
      best = &it->second;
      if (best->size() <= size / 2) break;
    }
    return best;
  }

 private:
  std::map<std::tuple<ImageFormat, int, int>, std::string> cache_;
};

}  // namespace

std::string_view ProfileName(Profile profile) {
  switch (profile) {
    case Profile::kSmall: return "small";
    case Profile::kLarge: return "large";
    case Profile::kMixed: return "mixed";
    case Profile::kVideo: return "video";
    case Profile::kVideos: return "videos";
  }
  return "small";
}

Result<Profile> ParseProfile(std::string_view name) {
  for (Profile p :
       {Profile::kSmall, Profile::kLarge, Profile::kMixed, Profile::kVideo, Profile::kVideos}) {
    if (name == ProfileName(p)) return p;
  }
  return Status::InvalidArgument("unknown profile '" + std::string(name) +
                                 "' (small, large, mixed, video or videos)");
}

CorpusSpec WithDefaults(CorpusSpec spec) {
  switch (spec.profile) {
    case Profile::kSmall:
      if (spec.files == 0) spec.files = 2000;
      if (spec.size == 0) spec.size = 100u << 10;
      break;
    case Profile::kLarge:
      if (spec.files == 0) spec.files = 8;
      if (spec.size == 0) spec.size = 64u << 20;
      break;
    case Profile::kMixed:
      if (spec.files == 0) spec.files = 1000;
      if (spec.size == 0) spec.size = 64u << 10;
      break;
    case Profile::kVideo:
      spec.files = 1;
      spec.size = 0;
      if (spec.video_frames == 0) spec.video_frames = 250;
      break;
    case Profile::kVideos:
      if (spec.files == 0) spec.files = 20;
      spec.size = 0;
      if (spec.video_frames == 0) spec.video_frames = 150;
      break;
  }
  return spec;
}

uint64_t PlannedBytes(const CorpusSpec& spec_in) {
  CorpusSpec spec = WithDefaults(spec_in);
  // About 130 KiB a frame at 640x360 with the default quantizer (the noise costs bits).
  if (IsVideoProfile(spec.profile)) {
    return spec.files * static_cast<uint64_t>(spec.video_frames) * 133000;
  }
  uint64_t total = 0;
  for (uint64_t i = 0; i < spec.files; ++i) total += ShapeOf(spec, i).size;
  return total;
}

Result<CorpusInfo> GenerateCorpus(const std::string& dir, const CorpusSpec& spec_in,
                                  const std::atomic<bool>* cancel,
                                  std::atomic<uint64_t>* written) {
  CorpusSpec spec = WithDefaults(spec_in);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IoError("create " + dir + ": " + ec.message());
  CorpusInfo info;
  if (IsVideoProfile(spec.profile)) {
    for (uint64_t i = 0; i < spec.files; ++i) {
      VideoFileSpec video;
      video.frames = spec.video_frames;
      video.seed = spec.seed + i;
      char name[32];
      std::snprintf(name, sizeof name, "clip_%04llu.mp4", static_cast<unsigned long long>(i + 1));
      std::string path =
          dir + "/" + (spec.profile == Profile::kVideo ? std::string("video.mp4") : name);
      INGEST_RETURN_IF_ERROR(WriteVideoFile(path, video, cancel));
      uint64_t bytes = std::filesystem::file_size(path, ec);
      if (ec) return Status::IoError("stat " + path + ": " + ec.message());
      info.files += 1;
      info.bytes += bytes;
      if (written) written->fetch_add(bytes);
    }
    return info;
  }
  BaseImages bases;
  RandomBytes random(spec.seed);
  for (uint64_t i = 0; i < spec.files; ++i) {
    if (cancel != nullptr && cancel->load()) return Status::Cancelled("corpus generation stopped");
    std::string folder = dir + "/part_" + std::to_string(i / kFilesPerFolder + 1);
    if (i % kFilesPerFolder == 0) {
      std::filesystem::create_directories(folder, ec);
      if (ec) return Status::IoError("create " + folder + ": " + ec.message());
    }
    ImageShape shape = ShapeOf(spec, i);
    INGEST_ASSIGN_OR_RETURN(const std::string* base, bases.Get(shape.format, shape.size));
    std::string path = folder + "/img_" + std::to_string(i + 1) +
                       (shape.format == ImageFormat::kPng ? ".png" : ".jpg");
    INGEST_ASSIGN_OR_RETURN(uint64_t n,
                            WritePaddedImage(path, *base, shape.format, shape.size, &random));
    info.files += 1;
    info.bytes += n;
    if (written) written->fetch_add(n, std::memory_order_relaxed);
  }
  return info;
}

}  // namespace ingest::bench
