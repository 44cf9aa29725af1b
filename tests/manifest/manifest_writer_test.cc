#include "manifest/manifest_writer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

#include "tests/testing/temp_dir.h"

namespace ingest::manifest {
namespace {

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

std::string Line(const ImageLine& line) {
  std::string out;
  AppendImageLine(line, &out);
  return out;
}

// Expected bytes are what Python 3.11 writes for
// json.dumps({...}, separators=(",", ":")) with the names decoded by os.fsdecode.
TEST(ManifestWriterTest, ImageLineGoldenBytes) {
  EXPECT_EQ(Line({"img_001", ".jpg", 1920, 1080, std::nullopt, {}}),
            "{\"name\":\"img_001\",\"extension\":\".jpg\",\"width\":1920,\"height\":1080}\n");
  EXPECT_EQ(Line({"d/q\"b\\s", ".png", 1, 2, std::nullopt, "0123abcd"}),
            "{\"name\":\"d/q\\\"b\\\\s\",\"extension\":\".png\",\"width\":1,\"height\":2,"
            "\"checksum\":\"0123abcd\"}\n");
  EXPECT_EQ(Line({"t\tn\x01\x7f", ".jpg", 3, 4, std::nullopt, {}}),
            "{\"name\":\"t\\tn\\u0001\\u007f\",\"extension\":\".jpg\",\"width\":3,\"height\":4}\n");
  // Non-ASCII, astral (surrogate pair) and invalid UTF-8 (surrogateescape: \udcXX).
  EXPECT_EQ(Line({"caf\xC3\xA9_\xF0\x9F\x98\x80_\xFF", ".JPG", 5, 6, std::nullopt, {}}),
            "{\"name\":\"caf\\u00e9_\\ud83d\\ude00_\\udcff\",\"extension\":\".JPG\","
            "\"width\":5,\"height\":6}\n");
}

TEST(ManifestWriterTest, MetaWrittenWhenRelatedImagesPresentEvenEmpty) {
  std::vector<std::string_view> none;
  EXPECT_EQ(Line({"a", ".png", 7, 8, std::span<const std::string_view>(none), {}}),
            "{\"name\":\"a\",\"extension\":\".png\",\"width\":7,\"height\":8,"
            "\"meta\":{\"related_images\":[]}}\n");
  std::vector<std::string_view> two = {"related/a_1.png", "related/a_2.png"};
  EXPECT_EQ(Line({"a", ".png", 7, 8, std::span<const std::string_view>(two), "ff"}),
            "{\"name\":\"a\",\"extension\":\".png\",\"width\":7,\"height\":8,"
            "\"meta\":{\"related_images\":[\"related/a_1.png\",\"related/a_2.png\"]},"
            "\"checksum\":\"ff\"}\n");
}

TEST(ManifestWriterTest, RenamesAtomicallyOnClose) {
  testing::ScopedTempDir dir;
  std::string path = dir.Join("manifest.jsonl");
  Result<std::unique_ptr<ImageManifestWriter>> w = ImageManifestWriter::Open(path);
  ASSERT_TRUE(w.has_value()) << w.error().ToString();
  std::string temp = path + ".tmp-" + std::to_string(::getpid());
  EXPECT_TRUE(Exists(temp));
  EXPECT_FALSE(Exists(path));
  // Enough lines to cross several 1 MiB blocks.
  std::string name(200, 'n');
  for (int i = 0; i < 20000; ++i) {
    ASSERT_TRUE((*w)->Append({name, ".jpg", i, i, std::nullopt, {}}).ok());
  }
  EXPECT_FALSE(Exists(path));
  ASSERT_TRUE((*w)->Close().ok());
  EXPECT_TRUE(Exists(path));
  EXPECT_FALSE(Exists(temp));
  std::string text = testing::ReadFile(path);
  EXPECT_EQ(text.rfind("{\"version\":\"1.1\"}\n{\"type\":\"images\"}\n{\"name\":\"nnn", 0), 0u);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 20002);
}

TEST(ManifestWriterTest, AbandonAndDestructorRemoveTempFile) {
  testing::ScopedTempDir dir;
  std::string path = dir.Join("m.jsonl");
  std::string temp = path + ".tmp-" + std::to_string(::getpid());
  {
    Result<std::unique_ptr<ImageManifestWriter>> w = ImageManifestWriter::Open(path);
    ASSERT_TRUE(w.has_value());
    ASSERT_TRUE((*w)->Append({"a", ".png", 1, 1, std::nullopt, {}}).ok());
    EXPECT_TRUE(Exists(temp));
  }
  EXPECT_FALSE(Exists(temp));
  EXPECT_FALSE(Exists(path));
  Result<std::unique_ptr<ImageManifestWriter>> w = ImageManifestWriter::Open(path);
  ASSERT_TRUE(w.has_value());
  (*w)->Abandon();
  EXPECT_FALSE(Exists(temp));
  EXPECT_FALSE(Exists(path));
  EXPECT_FALSE((*w)->Append({"a", ".png", 1, 1, std::nullopt, {}}).ok());
}

TEST(ManifestWriterTest, ErrorsNameTheFile) {
  testing::ScopedTempDir dir;
  std::string path = dir.Join("missing_dir/m.jsonl");
  Result<std::unique_ptr<ImageManifestWriter>> w = ImageManifestWriter::Open(path);
  ASSERT_FALSE(w.has_value());
  EXPECT_NE(w.error().message().find(path + ".tmp-"), std::string::npos) << w.error().ToString();
}

TEST(ManifestWriterTest, VideoManifestGoldenBytes) {
  testing::ScopedTempDir dir;
  std::string path = dir.Join("video.jsonl");
  Result<std::unique_ptr<VideoManifestWriter>> w =
      VideoManifestWriter::Open(path, {"clip \"1\".mp4", 1280, 720, 250});
  ASSERT_TRUE(w.has_value());
  ASSERT_TRUE((*w)->Append({0, 0, "d41d8cd98f00b204e9800998ecf8427e"}).ok());
  ASSERT_TRUE((*w)->Append({36, 36036, "aa"}).ok());
  ASSERT_TRUE((*w)->Close().ok());
  EXPECT_EQ(testing::ReadFile(path),
            "{\"version\":\"1.1\"}\n{\"type\":\"video\"}\n"
            "{\"properties\":{\"name\":\"clip \\\"1\\\".mp4\",\"resolution\":[1280,720],"
            "\"length\":250}}\n"
            "{\"number\":0,\"pts\":0,\"checksum\":\"d41d8cd98f00b204e9800998ecf8427e\"}\n"
            "{\"number\":36,\"pts\":36036,\"checksum\":\"aa\"}\n");
}

}  // namespace
}  // namespace ingest::manifest
