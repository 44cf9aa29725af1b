// The clips behind the golden video manifests (tests/data/golden/video/): one table shared by
// the tests and by video_clips_tool, which writes them for CVAT's create.py.
#ifndef INGEST_TESTS_TESTING_VIDEO_CLIPS_H_
#define INGEST_TESTS_TESTING_VIDEO_CLIPS_H_

#include <span>
#include <string>

#include "tests/testing/video_writer.h"

namespace ingest::testing {

struct VideoClip {
  const char* name;  // file name; the golden is <name>.jsonl
  VideoSpec spec;
  // Matroska's muxer writes tag names in upper case; this rewrites the spec's tag name in the
  // file to lower case (same length), giving the literal "rotate" tag CVAT's tool reads.
  bool lowercase_tag = false;
  // CVAT refuses the clip (too few key frames); the golden is create.py --force's output.
  bool needs_force = false;
};

// All golden clips.
std::span<const VideoClip> GoldenVideoClips();

// True when FFmpeg here has the clip's encoder (libx264 and libvpx are optional builds).
bool HaveEncoder(const VideoClip& clip);

// Writes `clip` as dir/<name>. False (with a test failure) when that fails.
bool WriteClip(const std::string& dir, const VideoClip& clip);

// md5 of a file's bytes as lowercase hex ("" when unreadable).
std::string FileMd5(const std::string& path);

}  // namespace ingest::testing

#endif  // INGEST_TESTS_TESTING_VIDEO_CLIPS_H_
