// video_clips_tool DIR: writes the golden video clips (tests/testing/video_clips.h) into DIR
// and prints "<md5>  <name>" for each, for tests/data/golden/video/make_goldens.sh.
#include <cstdio>

#include "tests/testing/video_clips.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: video_clips_tool DIR\n");
    return 2;
  }
  int status = 0;
  for (const ingest::testing::VideoClip& clip : ingest::testing::GoldenVideoClips()) {
    if (!ingest::testing::HaveEncoder(clip)) {
      std::fprintf(stderr, "skipped %s: no %s encoder\n", clip.name, clip.spec.codec.c_str());
      continue;
    }
    if (!ingest::testing::WriteClip(argv[1], clip)) {
      std::fprintf(stderr, "failed: %s\n", clip.name);
      status = 1;
      continue;
    }
    std::printf("%s  %s\n", ingest::testing::FileMd5(std::string(argv[1]) + "/" + clip.name).c_str(),
                clip.name);
  }
  return status;
}
