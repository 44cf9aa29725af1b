// Video key frames and manifests against CVAT's tool.
//
// The goldens in tests/data/golden/video/ are create.py's output (CVAT's utils/dataset_manifest,
// newest VideoStreamReader, run with Debian 12's python3-av 10.0.0 over FFmpeg 5.1) for the
// clips of tests/testing/video_clips.h; tests/data/golden/video/make_goldens.sh remakes them.
// The clips are encoded here at test time, single-threaded and bitexact; clips.md5 records the
// bytes the goldens were made from. When this machine's encoders write the same bytes, the
// manifest must equal the golden byte for byte. When they do not (another libx264 or libvpx),
// a byte comparison means nothing, and the test checks the structure instead against an
// independent path: a plain single-threaded decode of every frame, with its own RGB24
// conversion and md5, no seeking.
#include "engine/video_key_frames.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>
}

#include <openssl/evp.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "manifest/video_manifest.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/video_clips.h"
#include "tests/testing/video_writer.h"

namespace ingest {
namespace {

std::string GoldenDir() { return std::string(INGEST_TEST_DATA_DIR) + "/golden/video"; }

std::map<std::string, std::string> RecordedClipMd5s() {
  std::map<std::string, std::string> out;
  std::istringstream in(testing::ReadFile(GoldenDir() + "/clips.md5"));
  std::string md5, name;
  while (in >> md5 >> name) out[name] = md5;
  return out;
}

struct PlainFrame {
  int64_t pts = 0;
  bool key = false;
  std::string md5;
};

struct PlainDecode {
  int width = 0;
  int height = 0;
  std::vector<PlainFrame> frames;
};

std::string HexMd5(const std::vector<uint8_t>& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &len, EVP_md5(), nullptr);
  char hex[33] = {};
  for (unsigned i = 0; i < len; ++i) std::snprintf(hex + 2 * i, 3, "%02x", digest[i]);
  return hex;
}

// The independent path: one thread, one pass, a fresh swscale context per frame writing into a
// packed buffer (no row padding), md5 of those bytes.
PlainDecode DecodeEveryFrame(const std::string& path) {
  PlainDecode out;
  bool ok = ingest::testing::ForEachDecodedFrame(path, 1, [&](const AVFrame& frame) {
    if (out.frames.empty()) {
      out.width = frame.width;
      out.height = frame.height;
    }
    // Packed rows; swscale's SIMD may write a few bytes past the last one, hence the slack.
    const size_t packed = static_cast<size_t>(frame.width) * frame.height * 3;
    std::vector<uint8_t> rgb(packed + 256);
    uint8_t* dst[4] = {rgb.data()};
    int dst_stride[4] = {frame.width * 3};
    SwsContext* sws = sws_getContext(frame.width, frame.height,
                                     static_cast<AVPixelFormat>(frame.format), frame.width,
                                     frame.height, AV_PIX_FMT_RGB24, SWS_BILINEAR, nullptr,
                                     nullptr, nullptr);
    sws_scale(sws, frame.data, frame.linesize, 0, frame.height, dst, dst_stride);
    sws_freeContext(sws);
    rgb.resize(packed);
    out.frames.push_back({frame.pts, frame.key_frame != 0, HexMd5(rgb)});
  });
  EXPECT_TRUE(ok) << "cannot decode " << path;
  return out;
}

// Structure and checksums against the independent decode. Rotation is not checked here.
void ExpectConsistentWithPlainDecode(const std::string& path, const VideoKeyFrames& found,
                                     bool rotated) {
  PlainDecode plain = DecodeEveryFrame(path);
  ASSERT_EQ(found.length, static_cast<int64_t>(plain.frames.size()));
  if (!rotated) {
    EXPECT_EQ(found.width, plain.width);
    EXPECT_EQ(found.height, plain.height);
  }
  int64_t flagged = 0;
  for (const PlainFrame& f : plain.frames) flagged += f.key ? 1 : 0;
  EXPECT_EQ(found.flagged_key_frames, flagged);
  ASSERT_FALSE(found.key_frames.empty());
  EXPECT_EQ(found.key_frames[0].number, 0);
  for (const VideoKeyFrame& key : found.key_frames) {
    SCOPED_TRACE(key.number);
    ASSERT_LT(key.number, found.length);
    const PlainFrame& f = plain.frames[static_cast<size_t>(key.number)];
    EXPECT_TRUE(f.key);
    EXPECT_EQ(key.pts, f.pts);
    EXPECT_EQ(Md5View(key.md5), f.md5);
  }
}

TEST(VideoKeyFramesTest, ManifestsEqualCvatTool) {
  std::map<std::string, std::string> recorded = RecordedClipMd5s();
  testing::ScopedTempDir dir;
  int byte_compared = 0;
  for (const testing::VideoClip& clip : testing::GoldenVideoClips()) {
    SCOPED_TRACE(clip.name);
    if (!testing::HaveEncoder(clip)) {
      std::printf("skipped %s: FFmpeg here has no %s encoder\n", clip.name,
                  clip.spec.codec.c_str());
      continue;
    }
    ASSERT_TRUE(testing::WriteClip(dir.path(), clip));
    std::string path = dir.Join(clip.name);
    Result<VideoKeyFrames> found = ReadVideoKeyFrames(path, {.force = clip.needs_force});
    ASSERT_TRUE(found.has_value()) << found.error().ToString();
    ExpectConsistentWithPlainDecode(path, *found, clip.spec.rotation != 0 || clip.lowercase_tag);

    std::string out = dir.Join(std::string(clip.name) + ".jsonl");
    ASSERT_TRUE(manifest::WriteVideoManifest(out, clip.name, *found).ok());
    if (testing::FileMd5(path) != recorded[clip.name]) {
      std::printf("%s: encoded bytes differ from the golden's clip; structure checked only\n",
                  clip.name);
      continue;
    }
    ++byte_compared;
    EXPECT_EQ(testing::ReadFile(out),
              testing::ReadFile(GoldenDir() + "/" + std::string(clip.name) + ".jsonl"));
  }
  std::printf("%d manifests compared byte for byte with CVAT's\n", byte_compared);
}

TEST(VideoKeyFramesTest, RotationFollowsOnlyALiteralRotateTag) {
  testing::ScopedTempDir dir;
  for (const testing::VideoClip& clip : testing::GoldenVideoClips()) {
    std::string name = clip.name;
    if (name != "mpeg4_rotate_tag.mkv" && name != "mpeg4_rotate_tag30.mkv" &&
        name != "h264_rotated.mp4") {
      continue;
    }
    SCOPED_TRACE(name);
    if (!testing::HaveEncoder(clip)) continue;
    ASSERT_TRUE(testing::WriteClip(dir.path(), clip));
    Result<VideoKeyFrames> found = ReadVideoKeyFrames(dir.Join(name), {});
    ASSERT_TRUE(found.has_value()) << found.error().ToString();
    if (name == "mpeg4_rotate_tag.mkv") {
      EXPECT_EQ(found->width, 50);  // swapped: 360 - 90
      EXPECT_EQ(found->height, 90);
    } else if (name == "mpeg4_rotate_tag30.mkv") {
      EXPECT_EQ(found->width, 102);  // OpenCV's bounding box of 90x50 turned by 330 degrees
      EXPECT_EQ(found->height, 88);
    } else {
      // A display matrix is not a "rotate" tag for FFmpeg 5.1 + PyAV: CVAT keeps 90x50.
      EXPECT_EQ(found->width, 90);
      EXPECT_EQ(found->height, 50);
    }
  }
}

TEST(VideoKeyFramesTest, TooFewKeyFramesIsRefusedUnlessForced) {
  // Matroska: every frame written decodes (MP4's edit list hides one of this writer's frames).
  testing::ScopedTempDir dir;
  std::string path = dir.Join("few.mkv");
  ASSERT_TRUE(testing::WriteVideo(
      path, {.width = 64, .height = 48, .frames = 120, .gop_size = 600, .textured = true}));
  Result<VideoKeyFrames> refused = ReadVideoKeyFrames(path, {});
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), Status::Code::kUnsupported);
  EXPECT_EQ(refused.error().message(), path + ": " + std::string(kTooFewKeyFrames));
  EXPECT_TRUE(IsKeyFrameShortage(refused.error()));

  Result<VideoKeyFrames> forced = ReadVideoKeyFrames(path, {.force = true});
  ASSERT_TRUE(forced.has_value()) << forced.error().ToString();
  EXPECT_EQ(forced->length, 120);
  ASSERT_EQ(forced->key_frames.size(), 1u);
  EXPECT_EQ(forced->key_frames[0].number, 0);

  // The bound is CVAT's: 3 * chunk_size + 1 frames per key frame, reached at frame 109.
  std::string ok_path = dir.Join("108.mkv");
  ASSERT_TRUE(testing::WriteVideo(
      ok_path, {.width = 64, .height = 48, .frames = 108, .gop_size = 600, .textured = true}));
  Result<VideoKeyFrames> fits = ReadVideoKeyFrames(ok_path, {});
  ASSERT_TRUE(fits.has_value()) << fits.error().ToString();
  EXPECT_EQ(fits->length, 108);
  std::string over_path = dir.Join("109.mkv");
  ASSERT_TRUE(testing::WriteVideo(
      over_path, {.width = 64, .height = 48, .frames = 109, .gop_size = 600, .textured = true}));
  EXPECT_FALSE(ReadVideoKeyFrames(over_path, {}).has_value());
  // A smaller chunk size lowers the bound.
  EXPECT_FALSE(ReadVideoKeyFrames(ok_path, {.chunk_size = 10}).has_value());
}

TEST(VideoKeyFramesTest, CorruptAndUnusableFilesNameTheFileAndTheReason) {
  testing::ScopedTempDir dir;
  std::string garbage = dir.Join("garbage.mp4");
  testing::WriteFile(garbage, std::string(4096, '\x5a'));
  Result<VideoKeyFrames> r = ReadVideoKeyFrames(garbage, {});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Status::Code::kCorruption);
  EXPECT_EQ(r.error().message().rfind(garbage + ": ", 0), 0u) << r.error().message();

  // An MP4 cut in half loses its index (moov is written last).
  std::string good = dir.Join("good.mp4");
  ASSERT_TRUE(testing::WriteVideo(good, {.frames = 20, .textured = true}));
  std::string bytes = testing::ReadFile(good);
  std::string cut = dir.Join("cut.mp4");
  testing::WriteFile(cut, bytes.substr(0, bytes.size() / 2));
  r = ReadVideoKeyFrames(cut, {});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message().rfind(cut + ": ", 0), 0u) << r.error().message();

  std::string missing = dir.Join("missing.mp4");
  r = ReadVideoKeyFrames(missing, {});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Status::Code::kNotFound);

  std::string wav = dir.Join("sound.mp4");
  testing::WriteFile(wav, testing::WriteWav(800));
  r = ReadVideoKeyFrames(wav, {});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message(), wav + ": no video stream");
}

TEST(VideoKeyFramesTest, CancelStopsTheWalk) {
  testing::ScopedTempDir dir;
  std::string path = dir.Join("clip.mp4");
  ASSERT_TRUE(testing::WriteVideo(path, {.frames = 10}));
  std::atomic<bool> cancel{true};
  Result<VideoKeyFrames> r = ReadVideoKeyFrames(path, {.cancel = &cancel});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Status::Code::kCancelled);
}

TEST(VideoManifestCheckTest, AcceptsItsOwnManifestAndFindsBadSeeks) {
  testing::ScopedTempDir dir;
  std::string video = dir.Join("clip.mp4");
  ASSERT_TRUE(testing::WriteVideo(video, {.width = 90, .height = 50, .frames = 30,
                                          .gop_size = 10, .textured = true}));
  Result<VideoKeyFrames> found = ReadVideoKeyFrames(video, {});
  ASSERT_TRUE(found.has_value()) << found.error().ToString();
  ASSERT_EQ(found->key_frames.size(), 3u);
  std::string good = dir.Join("good.jsonl");
  ASSERT_TRUE(manifest::WriteVideoManifest(good, "clip.mp4", *found).ok());
  Result<manifest::VideoCheckReport> report = manifest::CheckVideoManifest(good, video, 10);
  ASSERT_TRUE(report.has_value()) << report.error().ToString();
  EXPECT_TRUE(report->ok()) << report->structure_error;
  EXPECT_EQ(report->key_frames, 3u);
  EXPECT_EQ(report->checksum_mismatch_count, 0u);

  // A pts that is not a key frame's: the seek lands on the key frame before it.
  VideoKeyFrames bad = *found;
  bad.key_frames[1].pts += 1;
  bad.key_frames[2].md5[0] = bad.key_frames[2].md5[0] == '0' ? '1' : '0';
  std::string bad_path = dir.Join("bad.jsonl");
  ASSERT_TRUE(manifest::WriteVideoManifest(bad_path, "clip.mp4", bad).ok());
  report = manifest::CheckVideoManifest(bad_path, video, 10);
  ASSERT_TRUE(report.has_value()) << report.error().ToString();
  EXPECT_FALSE(report->ok());
  EXPECT_EQ(report->mismatch_count, 1u);
  ASSERT_EQ(report->mismatches.size(), 1u);
  EXPECT_NE(report->mismatches[0].find(":5: a seek to pts"), std::string::npos)
      << report->mismatches[0];
  EXPECT_EQ(report->checksum_mismatch_count, 1u);

  // Numbers must increase.
  VideoKeyFrames unordered = *found;
  std::swap(unordered.key_frames[1], unordered.key_frames[2]);
  std::string unordered_path = dir.Join("unordered.jsonl");
  ASSERT_TRUE(manifest::WriteVideoManifest(unordered_path, "clip.mp4", unordered).ok());
  report = manifest::CheckVideoManifest(unordered_path, video, 10);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->mismatch_count, 1u);
}

}  // namespace
}  // namespace ingest
