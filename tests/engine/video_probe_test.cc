#include "engine/video_probe.h"

#include <gtest/gtest.h>

#include "tests/testing/temp_dir.h"
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

TEST(VideoProbeTest, RotationBy90SwapsWidthAndHeight) {
  testing::ScopedTempDir dir;
  for (int rotation : {90, 180, 270}) {
    SCOPED_TRACE(rotation);
    std::string path = dir.Join("rot" + std::to_string(rotation) + ".mp4");
    ASSERT_TRUE(
        testing::WriteVideo(path, {.width = 96, .height = 64, .frames = 3, .rotation = rotation}));
    Result<VideoInfo> r = ProbeVideo(path);
    ASSERT_TRUE(r.has_value()) << r.error().ToString();
    EXPECT_EQ(r->rotation, rotation);
    bool swapped = rotation != 180;
    EXPECT_EQ(r->width, swapped ? 64u : 96u);
    EXPECT_EQ(r->height, swapped ? 96u : 64u);
  }
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
