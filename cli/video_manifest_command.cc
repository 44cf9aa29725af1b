#include "cli/video_manifest_command.h"

#include <sys/stat.h>

#include <atomic>
#include <cstdio>

#include "cli/exit_codes.h"
#include "cli/progress.h"
#include "cli/report.h"
#include "engine/media_kind.h"
#include "engine/video_key_frames.h"
#include "manifest/video_manifest.h"

namespace ingest::cli {
namespace {

std::string BaseName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

int CheckVideo(const ParsedArgs& opt, const std::string& video) {
  std::string path = opt.Get("check");
  Result<manifest::VideoCheckReport> report = manifest::CheckVideoManifest(path, video, 10);
  if (!report) return RunError("manifest", report.error());
  if (!report->structure_error.empty()) {
    std::fprintf(stderr, "%s: invalid manifest: %s\n", path.c_str(),
                 report->structure_error.c_str());
    return kExitFailed;
  }
  for (const std::string& m : report->mismatches) std::fprintf(stderr, "%s\n", m.c_str());
  for (const std::string& w : report->checksum_warnings) {
    std::fprintf(stderr, "warning: %s\n", w.c_str());
  }
  if (!report->ok()) {
    std::fprintf(stderr,
                 "%s: %zu of %zu key frames fail CVAT's check: the server would log \"Invalid "
                 "manifest file was uploaded\" and build its own\n",
                 path.c_str(), report->mismatch_count, report->key_frames);
    return kExitFailed;
  }
  std::printf("%s: ok (%zu key frames, %s)\n", path.c_str(), report->key_frames,
              report->checksum_mismatch_count == 0 ? "checksums match"
                                                   : "some checksums differ");
  return kExitOk;
}

}  // namespace

bool IsSingleVideo(const std::vector<std::string>& paths) {
  if (paths.size() != 1 || ClassifyName(paths[0]) != MediaKind::kVideo) return false;
  struct stat st;
  return stat(paths[0].c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

int RunVideoManifest(const ParsedArgs& opt) {
  const std::string& video = opt.positional[0];
  if (opt.Has("check")) return CheckVideo(opt, video);
  if (!opt.Has("output")) {
    return UsageError("manifest", Status::InvalidArgument("-o FILE is required (or --check)"));
  }
  VideoKeyFrameOptions options;
  options.force = opt.Has("force");
  options.cancel = InstallInterruptFlag();
  std::atomic<int64_t> frames{0};
  options.progress = [&](int64_t n) { frames.store(n, std::memory_order_relaxed); };
  Result<VideoKeyFrames> found = [&] {
    ProgressLine progress(opt.Get("progress", "auto") != "none", [&] {
      return "decoding " + BaseName(video) + ": " + std::to_string(frames.load()) + " frames";
    });
    return ReadVideoKeyFrames(video, options);
  }();
  if (!found) {
    int code = RunError("manifest", found.error());
    if (IsKeyFrameShortage(found.error())) {
      std::fprintf(stderr, "(--force writes the manifest anyway; CVAT then seeks slowly)\n");
    }
    return code;
  }
  std::string out = opt.Get("output");
  Status written = manifest::WriteVideoManifest(out, BaseName(video), *found);
  if (!written.ok()) return RunError("manifest", written);
  std::fprintf(stderr, "wrote %s: %lld frames, %zu of %lld key frames usable\n", out.c_str(),
               static_cast<long long>(found->length), found->key_frames.size(),
               static_cast<long long>(found->flagged_key_frames));
  return kExitOk;
}

}  // namespace ingest::cli
