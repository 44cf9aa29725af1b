#include "engine/video_probe.h"

#include <gtest/gtest.h>

#include "engine/video_key_frames.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/video_clips.h"
#include "tests/testing/video_writer.h"

namespace ingest {
namespace {

using testing::VideoSpec;

TEST(VideoProbeTest, Mpeg4InMp4UsesHeaderFrameCount) {
  testing::ScopedTempDir dir;
  std::string path = dir.Join("clip.mp4");
  ASSERT_TRUE(testing::WriteVideo(path, {.width = 96, .height = 64, .frames = 12, .fps = 25}));
  Result<VideoInfo> r = ProbeVideo(path);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->width, 96u);
  EXPECT_EQ(r->height, 64u);
  EXPECT_EQ(r->frame_count, 12u);
  EXPECT_TRUE(r->frame_count_from_header);
  EXPECT_EQ(r->codec, "mpeg4");
  EXPECT_NEAR(r->duration, 12.0 / 25, 0.05);
  EXPECT_EQ(r->rotation, 0);
}

TEST(VideoProbeTest, MjpegInAvi) {
  testing::ScopedTempDir dir;
  std::string path = dir.Join("clip.avi");
  ASSERT_TRUE(testing::WriteVideo(
      path, {.width = 80, .height = 48, .frames = 7, .fps = 10, .codec = "mjpeg"}));
  Result<VideoInfo> r = ProbeVideo(path);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->width, 80u);
  EXPECT_EQ(r->height, 48u);
  EXPECT_EQ(r->frame_count, 7u);
  EXPECT_EQ(r->codec, "mjpeg");
  EXPECT_NEAR(r->duration, 0.7, 0.05);
}

TEST(VideoProbeTest, MatroskaCountsPacketsWhenTheHeaderHasNoCount) {
  testing::ScopedTempDir dir;
  std::string path = dir.Join("clip.mkv");
  ASSERT_TRUE(testing::WriteVideo(path, {.width = 64, .height = 32, .frames = 9}));
  Result<VideoInfo> r = ProbeVideo(path);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->frame_count, 9u);
  EXPECT_FALSE(r->frame_count_from_header);
  EXPECT_EQ(r->width, 64u);
  EXPECT_EQ(r->height, 32u);
}

TEST(VideoProbeTest, DisplayMatrixKeepsTheCodedSizeAsCvatDoes) {
  // FFmpeg 5.1 exports no "rotate" tag for an MP4 display matrix, so CVAT's tool (and its
  // manifest) keeps the coded size of a phone video; the probe reports the same. The rotation
  // a player would apply is still reported.
  testing::ScopedTempDir dir;
  for (int rotation : {90, 180, 270}) {
    SCOPED_TRACE(rotation);
    std::string path = dir.Join("rot" + std::to_string(rotation) + ".mp4");
    ASSERT_TRUE(
        testing::WriteVideo(path, {.width = 96, .height = 64, .frames = 3, .rotation = rotation}));
    Result<VideoInfo> r = ProbeVideo(path);
    ASSERT_TRUE(r.has_value()) << r.error().ToString();
    EXPECT_EQ(r->rotation, rotation);
    EXPECT_EQ(r->width, 96u);
    EXPECT_EQ(r->height, 64u);
  }
}

TEST(VideoProbeTest, SizeIsTheManifestResolution) {
  // The probe's size is the resolution CVAT's manifest gives, rotate tags and display matrices
  // included: the golden clips' manifests (tests/data/golden/video) say it as CVAT does.
  testing::ScopedTempDir dir;
  int compared = 0;
  for (const testing::VideoClip& clip : testing::GoldenVideoClips()) {
    SCOPED_TRACE(clip.name);
    if (!testing::HaveEncoder(clip)) continue;
    ASSERT_TRUE(testing::WriteClip(dir.path(), clip));
    Result<VideoInfo> probed = ProbeVideo(dir.Join(clip.name));
    ASSERT_TRUE(probed.has_value()) << probed.error().ToString();
    Result<VideoKeyFrames> walked = ReadVideoKeyFrames(dir.Join(clip.name), {.force = true});
    ASSERT_TRUE(walked.has_value()) << walked.error().ToString();
    EXPECT_EQ(probed->width, walked->width);
    EXPECT_EQ(probed->height, walked->height);
    ++compared;
  }
  EXPECT_GT(compared, 0);
}

TEST(VideoProbeTest, RotateTagTurnsTheSizeAsCvatDoes) {
  // Matroska stores tags upper-case; WriteClip patches them to the literal "rotate" CVAT reads.
  testing::ScopedTempDir dir;
  for (const testing::VideoClip& clip : testing::GoldenVideoClips()) {
    std::string name = clip.name;
    if (name != "mpeg4_rotate_tag.mkv" && name != "mpeg4_rotate_tag30.mkv") continue;
    SCOPED_TRACE(name);
    ASSERT_TRUE(testing::WriteClip(dir.path(), clip));
    Result<VideoInfo> r = ProbeVideo(dir.Join(name));
    ASSERT_TRUE(r.has_value()) << r.error().ToString();
    if (name == "mpeg4_rotate_tag.mkv") {
      EXPECT_EQ(r->width, 50u);  // 90x50 turned by 360 - 90 degrees
      EXPECT_EQ(r->height, 90u);
      EXPECT_EQ(r->rotation, 90);
    } else {
      EXPECT_EQ(r->width, 102u);  // OpenCV's bounding box of 90x50 turned by 330 degrees
      EXPECT_EQ(r->height, 88u);
    }
  }
}

TEST(VideoProbeTest, ARotateTagThatIsNotAnIntegerLeavesTheCodedSize) {
  testing::ScopedTempDir dir;
  const testing::VideoClip clip{
      "odd.mkv",
      {.width = 64, .height = 32, .frames = 3, .tag_key = "rotate", .tag_value = "ninety"},
      true};
  ASSERT_TRUE(testing::WriteClip(dir.path(), clip));
  Result<VideoInfo> r = ProbeVideo(dir.Join("odd.mkv"));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->width, 64u);
  EXPECT_EQ(r->height, 32u);
}

TEST(VideoProbeTest, ErrorsNameTheProblem) {
  testing::ScopedTempDir dir;
  Result<VideoInfo> missing = ProbeVideo(dir.Join("nope.mp4"));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), Status::Code::kNotFound);

  std::string wav = dir.Join("sound.wav");
  testing::WriteFile(wav, testing::WriteWav(800));
  Result<VideoInfo> audio = ProbeVideo(wav);
  ASSERT_FALSE(audio.has_value());
  EXPECT_EQ(audio.error().code(), Status::Code::kUnsupported);
  EXPECT_EQ(audio.error().message(), "no video stream");

  std::string junk = dir.Join("junk.mp4");
  testing::WriteFile(junk, std::string(4096, 'x'));
  Result<VideoInfo> bad = ProbeVideo(junk);
  ASSERT_FALSE(bad.has_value());
  EXPECT_FALSE(bad.error().message().empty());
}

}  // namespace
}  // namespace ingest
