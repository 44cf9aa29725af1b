#include "manifest/manifest_reader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "manifest/line_reader.h"
#include "manifest/manifest_writer.h"
#include "tests/testing/temp_dir.h"

namespace ingest::manifest {
namespace {

constexpr char kHeader[] = "{\"version\":\"1.1\"}\n{\"type\":\"images\"}\n";

std::vector<ImageItem> ReadAll(const std::string& path) {
  Result<std::unique_ptr<ManifestReader>> r = ManifestReader::Open(path);
  EXPECT_TRUE(r.has_value()) << r.error().ToString();
  std::vector<ImageItem> items;
  if (!r) return items;
  ImageItem item;
  for (;;) {
    Result<bool> more = (*r)->Next(&item);
    EXPECT_TRUE(more.has_value()) << more.error().ToString();
    if (!more || !*more) break;
    items.push_back(item);
  }
  return items;
}

TEST(ManifestReaderTest, RoundTripsWhatTheWriterWrites) {
  testing::ScopedTempDir dir;
  std::string path = dir.Join("manifest.jsonl");
  auto w = ImageManifestWriter::Open(path);
  ASSERT_TRUE(w.has_value());
  std::vector<std::string_view> related = {"r/a.png"};
  ASSERT_TRUE((*w)->Append({"d/q\"b\\s caf\xC3\xA9 \xF0\x9F\x98\x80", ".jpg", 640, 480,
                            std::span<const std::string_view>(related), "abc"})
                  .ok());
  ASSERT_TRUE((*w)->Append({"plain", ".png", 1, 2, std::nullopt, {}}).ok());
  ASSERT_TRUE((*w)->Close().ok());

  std::vector<ImageItem> items = ReadAll(path);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].name, "d/q\"b\\s caf\xC3\xA9 \xF0\x9F\x98\x80");
  EXPECT_EQ(items[0].extension, ".jpg");
  EXPECT_EQ(items[0].width, 640);
  EXPECT_EQ(items[0].height, 480);
  ASSERT_TRUE(items[0].related_images.has_value());
  EXPECT_EQ(*items[0].related_images, std::vector<std::string>{"r/a.png"});
  EXPECT_EQ(items[0].checksum, "abc");
  EXPECT_EQ(items[0].line, 3u);
  EXPECT_EQ(items[1].name, "plain");
  EXPECT_FALSE(items[1].related_images.has_value());
  EXPECT_FALSE(items[1].checksum.has_value());
  EXPECT_EQ(items[1].line, 4u);
}

TEST(ManifestReaderTest, ReadsVideoManifest) {
  testing::ScopedTempDir dir;
  std::string path = dir.Join("video.jsonl");
  auto w = VideoManifestWriter::Open(path, {"v.mp4", 1280, 720, 100});
  ASSERT_TRUE(w.has_value());
  ASSERT_TRUE((*w)->Append({0, 0, "aa"}).ok());
  ASSERT_TRUE((*w)->Append({50, 2002, "bb"}).ok());
  ASSERT_TRUE((*w)->Close().ok());
  auto r = ManifestReader::Open(path);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ((*r)->header().type, ManifestType::kVideo);
  EXPECT_EQ((*r)->header().video_name, "v.mp4");
  EXPECT_EQ((*r)->header().width, 1280);
  EXPECT_EQ((*r)->header().length, 100);
  KeyFrame f;
  ASSERT_TRUE(*(*r)->Next(&f));
  ASSERT_TRUE(*(*r)->Next(&f));
  EXPECT_EQ(f.number, 50);
  EXPECT_EQ(f.pts, 2002);
  EXPECT_EQ(f.checksum, "bb");
  EXPECT_EQ(f.line, 5u);
  EXPECT_FALSE(*(*r)->Next(&f));
}

TEST(ManifestReaderTest, CorruptLineNamesFileAndLine) {
  testing::ScopedTempDir dir;
  std::string path = dir.Join("bad.jsonl");
  testing::WriteFile(path, std::string(kHeader) +
                               "{\"name\":\"a\",\"extension\":\".png\",\"width\":1,\"height\":1}\n"
                               "{\"name\":\"b\",\"extension\":\n");
  auto r = ManifestReader::Open(path);
  ASSERT_TRUE(r.has_value());
  ImageItem item;
  ASSERT_TRUE(*(*r)->Next(&item));
  Result<bool> more = (*r)->Next(&item);
  ASSERT_FALSE(more.has_value());
  EXPECT_EQ(more.error().code(), Status::Code::kCorruption);
  EXPECT_NE(more.error().message().find(path + ":4: invalid JSON"), std::string::npos)
      << more.error().ToString();
}

TEST(ManifestReaderTest, WrongTypesAreCorruption) {
  testing::ScopedTempDir dir;
  std::string path = dir.Join("types.jsonl");
  testing::WriteFile(path, std::string(kHeader) + "{\"name\":1,\"extension\":\".png\"}\n");
  auto r = ManifestReader::Open(path);
  ASSERT_TRUE(r.has_value());
  ImageItem item;
  Result<bool> more = (*r)->Next(&item);
  ASSERT_FALSE(more.has_value());
  EXPECT_NE(more.error().message().find(":3: \"name\" is missing or not a string"),
            std::string::npos);
}

TEST(ManifestReaderTest, LongLinesCrlfAndMissingFinalNewline) {
  testing::ScopedTempDir dir;
  std::string path = dir.Join("long.jsonl");
  std::string long_name(300000, 'x');  // longer than the reader's buffer
  testing::WriteFile(path, "{\"version\":\"1.0\"}\r\n{\"type\":\"images\"}\r\n{\"name\":\"" +
                               long_name + "\",\"extension\":\".jpg\"}\r\n" +
                               "{\"name\":\"last\",\"extension\":\".png\",\"width\":3}");
  std::vector<ImageItem> items = ReadAll(path);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].name, long_name);
  EXPECT_EQ(items[0].width, 0);
  EXPECT_EQ(items[1].name, "last");
  EXPECT_EQ(items[1].width, 3);
  EXPECT_EQ(items[1].line, 4u);
}

TEST(ManifestReaderTest, LineReaderSmallBuffer) {
  testing::ScopedTempDir dir;
  std::string path = dir.Join("lines.txt");
  testing::WriteFile(path, "a\n\nbcdefghijklmnopqrstuvwxyz0123456789\nlast");
  auto r = LineReader::Open(path, 16);
  ASSERT_TRUE(r.has_value());
  std::vector<std::string> lines;
  std::string_view line;
  while (*(*r)->Next(&line)) lines.emplace_back(line);
  EXPECT_EQ(lines, (std::vector<std::string>{"a", "", "bcdefghijklmnopqrstuvwxyz0123456789",
                                             "last"}));
  EXPECT_EQ((*r)->line_number(), 4u);
}

// Issue 15 point 11: a line of any length was gathered whole (a manifest of one endless line
// took all the memory); past the limit it is an error naming the file and line.
TEST(ManifestReaderTest, LinesHaveALengthLimit) {
  testing::ScopedTempDir dir;
  std::string path = dir.Join("lines.txt");
  for (size_t buffer : {size_t{16}, LineReader::kDefaultBufferSize}) {
    testing::WriteFile(
        path, "short\n" + std::string(100, 'x') + "\n" + std::string(101, 'y') + "\nnever");
    auto r = LineReader::Open(path, buffer, 100);
    ASSERT_TRUE(r.has_value());
    std::string_view line;
    EXPECT_TRUE(*(*r)->Next(&line));
    EXPECT_TRUE(*(*r)->Next(&line));
    EXPECT_EQ(line.size(), 100u);
    Result<bool> third = (*r)->Next(&line);
    ASSERT_FALSE(third.has_value()) << buffer;
    EXPECT_EQ(third.error().code(), Status::Code::kCorruption);
    EXPECT_NE(third.error().message().find(path + ":3: a line longer than 100 bytes"),
              std::string::npos)
        << third.error().message();
  }
  // The default limit, through the manifest reader (a last line without '\n' too).
  testing::WriteFile(path, "{\"version\":\"1.1\"}\n{\"type\":\"images\"}\n{\"name\":\"" +
                               std::string(LineReader::kMaxLineLength, 'n') + "\"}");
  auto m = ManifestReader::Open(path);
  ASSERT_TRUE(m.has_value()) << m.error().ToString();
  ImageItem item;
  Result<bool> next = (*m)->Next(&item);
  ASSERT_FALSE(next.has_value());
  EXPECT_NE(next.error().message().find(":3: a line longer than"), std::string::npos)
      << next.error().message();
}

TEST(ManifestReaderTest, HeaderErrors) {
  testing::ScopedTempDir dir;
  std::string path = dir.Join("h.jsonl");
  testing::WriteFile(path, "{\"version\":\"2.0\"}\n{\"type\":\"images\"}\n");
  auto r = ManifestReader::Open(path);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find(":1: unsupported manifest version \"2.0\""),
            std::string::npos);
  testing::WriteFile(path, "{\"version\":\"1.1\"}\n{\"type\":\"audio\"}\n");
  r = ManifestReader::Open(path);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find(":2: unknown manifest type"), std::string::npos);
  auto missing = ManifestReader::Open(dir.Join("none.jsonl"));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), Status::Code::kNotFound);
}

}  // namespace
}  // namespace ingest::manifest

namespace ingest::manifest {
namespace {

TEST(ManifestReaderTest, RoundTripsNamesThatAreNotUtf8) {
  testing::ScopedTempDir dir;
  std::string path = dir.Join("bytes.jsonl");
  auto w = ImageManifestWriter::Open(path);
  ASSERT_TRUE(w.has_value());
  // Written as "\udcff", "\udcc3(" and a real pair for U+1F600 next to a lone escape.
  const std::string name = "bad\xFF_\xC3(_\xF0\x9F\x98\x80\x80";
  std::vector<std::string_view> related = {"r\xFE"};
  ASSERT_TRUE((*w)->Append({name, ".jpg", 1, 1, std::span<const std::string_view>(related), {}})
                  .ok());
  ASSERT_TRUE((*w)->Close().ok());
  EXPECT_NE(testing::ReadFile(path).find("\\udcff"), std::string::npos);
  auto r = ManifestReader::Open(path);
  ASSERT_TRUE(r.has_value());
  ImageItem item;
  Result<bool> more = (*r)->Next(&item);
  ASSERT_TRUE(more.has_value()) << more.error().ToString();
  EXPECT_EQ(item.name, name);
  EXPECT_EQ(*item.related_images, std::vector<std::string>{"r\xFE"});
}

TEST(ManifestReaderTest, RefusesPlaceholderCodePoints) {
  testing::ScopedTempDir dir;
  std::string path = dir.Join("pua.jsonl");
  testing::WriteFile(path, std::string(kHeader) +
                               "{\"name\":\"\\udbff\\udfff\\udcff\",\"extension\":\".png\"}\n");
  auto r = ManifestReader::Open(path);
  ASSERT_TRUE(r.has_value());
  ImageItem item;
  Result<bool> more = (*r)->Next(&item);
  ASSERT_FALSE(more.has_value());
  EXPECT_NE(more.error().message().find(":3: names using U+10FF80"), std::string::npos);
}

}  // namespace
}  // namespace ingest::manifest
