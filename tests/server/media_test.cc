// The finish job's media handling through the engine's probes: Pillow-exact image sizes with
// CVAT's EXIF-orientation swap, natsort's natural order, archive members, videos without a
// manifest, and archives under --discard.
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "engine/file_order.h"
#include "tests/testing/archive_writer.h"
#include "tests/testing/http_client.h"
#include "tests/testing/image_writer.h"
#include "tests/testing/video_writer.h"

namespace ingest::testing {
namespace {

class MediaTest : public ServerTest {
 protected:
  // Finishes with `json` and waits; returns the request's final reply body.
  std::string FinishAndWait(int64_t task, const std::string& json) {
    HttpReply f = Finish(task, json);
    EXPECT_EQ(f.status, 202) << f.body;
    return WaitRequest(JsonField(f.body, "rq_id")).body;
  }
  std::string Meta(int64_t task) {
    return Get("/api/tasks/" + std::to_string(task) + "/data/meta").body;
  }
  static std::string FrameJson(int w, int h, const std::string& name) {
    return "{\"width\":" + std::to_string(w) + ",\"height\":" + std::to_string(h) + ",\"name\":\"" +
           name + "\"";
  }
};

TEST_F(MediaTest, ImageSizesAreSwappedForExifOrientationsAboveFour) {
  int64_t task = CreateTask();
  JpegOptions rotated;
  rotated.exif_orientation = 6;
  JpegOptions flipped;
  flipped.exif_orientation = 3;
  PngOptions png;
  png.exif_before_idat = 8;
  ASSERT_EQ(Bulk(task, {{"a.jpg", WriteJpeg(40, 30, rotated)},
                        {"b.png", WritePng(20, 10, png)},
                        {"c.jpg", WriteJpeg(16, 8, flipped)},
                        {"d.gif", WriteGif(12, 6, 0, 0, 12, 6)}})
                .status,
            200);
  std::string done = FinishAndWait(task, "{\"image_quality\":70}");
  ASSERT_EQ(JsonField(done, "status"), "finished") << done;
  std::string meta = Meta(task);
  EXPECT_NE(meta.find(FrameJson(30, 40, "a.jpg")), std::string::npos) << meta;
  EXPECT_NE(meta.find(FrameJson(10, 20, "b.png")), std::string::npos) << meta;
  EXPECT_NE(meta.find(FrameJson(16, 8, "c.jpg")), std::string::npos) << meta;
  EXPECT_NE(meta.find(FrameJson(12, 6, "d.gif")), std::string::npos) << meta;
}

TEST_F(MediaTest, AnImageThePillowCannotOpenFailsTheRequest) {
  int64_t task = CreateTask();
  ASSERT_EQ(Bulk(task, {{"a.png", "\x89PNG\r\n\x1a\n"}}).status, 200);
  std::string done = FinishAndWait(task, "{\"image_quality\":70}");
  EXPECT_EQ(JsonField(done, "status"), "failed");
  EXPECT_NE(JsonField(done, "message").find("a.png"), std::string::npos) << done;
}

TEST_F(MediaTest, NaturalOrderIsTheEnginesNatsortOrder) {
  std::vector<std::string> names = {"x10.png", "X2.png",  "x1.png",  "x01.png",
                                    "x1a.png", "x 3.png", "x_2.png", "x1.5.png"};
  int64_t task = CreateTask();
  std::vector<std::pair<std::string, std::string>> files;
  for (const std::string& n : names) files.emplace_back(n, TinyPng(2, 2));
  ASSERT_EQ(Bulk(task, files).status, 200);
  std::string done = FinishAndWait(task, "{\"image_quality\":70,\"sorting_method\":\"natural\"}");
  ASSERT_EQ(JsonField(done, "status"), "finished") << done;
  std::vector<std::string_view> views(names.begin(), names.end());
  std::vector<uint32_t> order = OrderNames(views, SortingMethod::kNatural, 0);
  std::string meta = Meta(task);
  size_t last = 0;
  for (uint32_t i : order) {
    size_t at = meta.find("\"name\":\"" + names[i] + "\"");
    ASSERT_NE(at, std::string::npos) << names[i];
    EXPECT_GT(at, last) << names[i] << " is out of natural order in " << meta;
    last = at;
  }
}

TEST_F(MediaTest, AVideoWithoutAManifestIsProbed) {
  std::string path = dir_.path() + "/clip.mp4";
  ASSERT_TRUE(WriteVideo(path, {64, 48, 12, 25, "mpeg4", 0}));
  int64_t task = CreateTask("video");
  UploadTus(task, "clip.mp4", ReadFile(path));
  std::string done = FinishAndWait(task, "{\"image_quality\":70}");
  ASSERT_EQ(JsonField(done, "status"), "finished") << done;
  std::string meta = Meta(task);
  EXPECT_EQ(JsonField(meta, "size"), "12") << meta;
  EXPECT_EQ(JsonField(meta, "stop_frame"), "11") << meta;
  EXPECT_NE(meta.find(FrameJson(64, 48, "clip.mp4")), std::string::npos) << meta;
  EXPECT_EQ(JsonField(Get("/api/tasks/" + std::to_string(task)).body, "mode"), "interpolation");
}

TEST_F(MediaTest, ArchiveMembersAreProbedAndOrdered) {
  std::string zip = dir_.path() + "/set.zip";
  JpegOptions rotated;
  rotated.exif_orientation = 5;
  WriteArchive(zip, ArchiveFormat::kZip,
               {{"d/b10.png", WritePng(20, 10)},
                {"d/b9.jpg", WriteJpeg(8, 4, rotated)},
                {"notes.txt", "not an image"}});
  int64_t task = CreateTask("zip");
  ASSERT_EQ(Bulk(task, {{"set.zip", ReadFile(zip)}}).status, 200);
  std::string done = FinishAndWait(task, "{\"image_quality\":70,\"sorting_method\":\"natural\"}");
  ASSERT_EQ(JsonField(done, "status"), "finished") << done;
  std::string meta = Meta(task);
  EXPECT_EQ(JsonField(meta, "size"), "2") << meta;
  size_t b9 = meta.find(FrameJson(4, 8, "d/b9.jpg"));
  size_t b10 = meta.find(FrameJson(20, 10, "d/b10.png"));
  ASSERT_NE(b9, std::string::npos) << meta;
  ASSERT_NE(b10, std::string::npos) << meta;
  EXPECT_LT(b9, b10);
}

// As CVAT: context images (related_images/ folders) travel in an archive but are no frames,
// and an archive with a member that would extract outside its folder is refused.
TEST_F(MediaTest, ArchiveContextImagesAreNoFramesAndUnsafeMembersAreRefused) {
  std::string zip = dir_.path() + "/ctx.zip";
  WriteArchive(zip, ArchiveFormat::kZip,
               {{"cam/a.png", WritePng(20, 10)},
                {"cam/related_images/a_png/ctx.png", WritePng(3, 3)}});
  int64_t task = CreateTask("ctx");
  ASSERT_EQ(Bulk(task, {{"ctx.zip", ReadFile(zip)}}).status, 200);
  std::string done = FinishAndWait(task, "{\"image_quality\":70}");
  ASSERT_EQ(JsonField(done, "status"), "finished") << done;
  std::string meta = Meta(task);
  EXPECT_EQ(JsonField(meta, "size"), "1") << meta;
  EXPECT_EQ(meta.find("ctx.png"), std::string::npos) << meta;

  for (const char* bad : {"../x.png", "/abs/x.png"}) {
    std::string path = dir_.path() + "/bad.zip";
    WriteRawZip(path, {{"ok.png", WritePng(4, 4)}, {bad, WritePng(4, 4)}});
    int64_t t = CreateTask("bad");
    ASSERT_EQ(Bulk(t, {{"bad.zip", ReadFile(path)}}).status, 200);
    std::string failed = FinishAndWait(t, "{\"image_quality\":70}");
    EXPECT_EQ(JsonField(failed, "status"), "failed") << bad << ": " << failed;
    EXPECT_NE(failed.find("'..' component"), std::string::npos) << bad << ": " << failed;
  }
}

TEST_F(MediaTest, DiscardedArchiveTakesItsFramesFromTheManifest) {
  StartServer([](server::ServerOptions& o) { o.discard = true; });
  std::string manifest =
      "{\"version\":\"1.1\"}\n{\"type\":\"images\"}\n"
      "{\"name\":\"d/b\",\"extension\":\".png\",\"width\":640,\"height\":480}\n"
      "{\"name\":\"d/a\",\"extension\":\".png\",\"width\":320,\"height\":240}\n";
  int64_t task = CreateTask("zip");
  ASSERT_EQ(Bulk(task, {{"set.zip", "PK not stored"}, {"manifest.jsonl", manifest}}).status, 200);
  std::string done =
      FinishAndWait(task, "{\"image_quality\":70,\"sorting_method\":\"predefined\"}");
  ASSERT_EQ(JsonField(done, "status"), "finished") << done;
  std::string meta = Meta(task);
  EXPECT_EQ(JsonField(meta, "size"), "2") << meta;
  EXPECT_LT(meta.find(FrameJson(640, 480, "d/b.png")), meta.find(FrameJson(320, 240, "d/a.png")))
      << meta;
  // Without a manifest the members are unknown: the request fails and says why.
  int64_t bare = CreateTask("bare");
  ASSERT_EQ(Bulk(bare, {{"set.zip", "PK not stored"}}).status, 200);
  std::string failed = FinishAndWait(bare, "{\"image_quality\":70}");
  EXPECT_EQ(JsonField(failed, "status"), "failed");
  EXPECT_NE(JsonField(failed, "message").find("manifest"), std::string::npos) << failed;
}

}  // namespace
}  // namespace ingest::testing
