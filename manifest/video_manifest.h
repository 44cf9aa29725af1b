// Video manifests: writing one from the key frames the engine finds, and checking one against
// its video as CVAT's server does (VideoManifestValidator).
#ifndef INGEST_MANIFEST_VIDEO_MANIFEST_H_
#define INGEST_MANIFEST_VIDEO_MANIFEST_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "engine/result.h"
#include "engine/status.h"
#include "engine/video_key_frames.h"

namespace ingest::manifest {

// Writes the manifest of the video whose base name is `video_name` to `path` (temp file, then
// rename): version, type and properties lines, then one line per usable key frame. The bytes
// are those of CVAT's create.py for the same video.
Status WriteVideoManifest(const std::string& path, std::string_view video_name,
                          const VideoKeyFrames& frames);

struct VideoCheckReport {
  // Empty when the structure is valid (CVAT's is_video_manifest); else what is wrong.
  std::string structure_error;
  size_t key_frames = 0;  // key frame lines read
  // What the server's validator would reject, "<manifest>:<line>: <what>", the first
  // max_reported of them; mismatch_count counts all. The server then ignores the manifest
  // ("Invalid manifest file was uploaded") and builds its own.
  std::vector<std::string> mismatches;
  size_t mismatch_count = 0;
  // Checksums that differ from the landed frame's (the server never compares them).
  std::vector<std::string> checksum_warnings;
  size_t checksum_mismatch_count = 0;

  bool ok() const { return structure_error.empty() && mismatch_count == 0; }
};

// Checks the manifest at `manifest_path` against the video at `video_path`: the structure,
// then what VideoManifestValidator asserts (key frame numbers strictly increase; a seek to each
// pts lands on a frame with that pts), plus the checksum of each landed frame. Errors: I/O on
// the manifest, or the video cannot be opened or seeked.
Result<VideoCheckReport> CheckVideoManifest(const std::string& manifest_path,
                                            const std::string& video_path, size_t max_reported);

}  // namespace ingest::manifest

#endif  // INGEST_MANIFEST_VIDEO_MANIFEST_H_
