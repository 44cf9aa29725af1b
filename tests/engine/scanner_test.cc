#include "engine/scanner.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <string>

#include "engine/hasher.h"
#include "tests/testing/archive_writer.h"
#include "tests/testing/image_writer.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/video_writer.h"

namespace ingest {
namespace {

using testing::ScopedTempDir;
using testing::WriteFile;

std::map<std::string, const FileRecord*> ByPath(const ScanResult& r) {
  std::map<std::string, const FileRecord*> m;
  for (const FileRecord& f : r.files) m[DisplayPath(r, f)] = &f;
  return m;
}

bool HasProblem(const ScanResult& r, const std::string& path, const std::string& text,
                bool warning) {
  for (const ScanProblem& p : r.problems) {
    if (p.path == path && p.warning == warning &&
        p.status.message().find(text) != std::string::npos) {
      return true;
    }
  }
  return false;
}

std::string Problems(const ScanResult& r) {
  std::string s;
  for (const ScanProblem& p : r.problems) s += p.status.message() + "\n";
  return s;
}

TEST(ScannerTest, DirectoryRecordsCarryKindSizeDimensionsAndHash) {
  ScopedTempDir dir;
  std::string jpg = testing::WriteJpeg(64, 32, {.exif_orientation = 6});
  WriteFile(dir.Join("a/photo.JPG"), jpg);
  WriteFile(dir.Join("b.png"), testing::WritePng(10, 20));
  WriteFile(dir.Join("notes.txt"), "hello");
  WriteFile(dir.Join("inner.zip"), "not expanded, only listed");
  ScanOptions opts;
  opts.workers = 2;
  Result<ScanResult> r = Scan(std::vector<std::string>{dir.path() + "/"}, opts);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_TRUE(r->problems.empty()) << Problems(*r);
  auto m = ByPath(*r);
  ASSERT_EQ(m.size(), 4u);
  const FileRecord* photo = m.at(dir.Join("a/photo.JPG"));
  EXPECT_EQ(photo->kind, MediaKind::kImage);
  EXPECT_EQ(photo->rel_path, "a/photo.JPG");
  EXPECT_EQ(photo->width, 64u);
  EXPECT_EQ(photo->height, 32u);
  EXPECT_EQ(photo->orientation, 6);
  EXPECT_EQ(photo->size, jpg.size());
  EXPECT_EQ(photo->hash, HashBytes(jpg.data(), jpg.size()));
  EXPECT_EQ(m.at(dir.Join("b.png"))->height, 20u);
  EXPECT_EQ(m.at(dir.Join("notes.txt"))->kind, MediaKind::kOther);
  EXPECT_EQ(m.at(dir.Join("notes.txt"))->hash, HashBytes("hello", 5));
  EXPECT_EQ(m.at(dir.Join("inner.zip"))->kind, MediaKind::kArchive);
}

TEST(ScannerTest, LargeFileHashSpansManyBuffers) {
  ScopedTempDir dir;
  std::string big(3 * 1024 * 1024 + 17, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 131 + (i >> 11));
  WriteFile(dir.Join("big.bin"), big);
  Result<ScanResult> r = Scan(std::vector<std::string>{dir.path()}, {});
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->files.size(), 1u);
  EXPECT_EQ(r->files[0].hash, HashBytes(big.data(), big.size()));
  EXPECT_EQ(r->files[0].size, big.size());
}

TEST(ScannerTest, BadFilesAreReportedAndLeftOutWhileTheRestGoesOn) {
  ScopedTempDir dir;
  std::string png = testing::WritePng(8, 8);
  WriteFile(dir.Join("good.png"), png);
  WriteFile(dir.Join("truncated.png"), png.substr(0, 20));
  WriteFile(dir.Join("garbage.jpg"), "definitely not a jpeg");
  WriteFile(dir.Join("empty.jpg"), "");
  WriteFile(dir.Join("empty.txt"), "");
  WriteFile(dir.Join("bad\xFFname.png"), png);
  ASSERT_EQ(::symlink("nowhere.jpg", dir.Join("dangling.jpg").c_str()), 0);
  Result<ScanResult> r = Scan(std::vector<std::string>{dir.path()}, {});
  ASSERT_TRUE(r.has_value());
  auto m = ByPath(*r);
  EXPECT_TRUE(m.count(dir.Join("good.png")));
  EXPECT_TRUE(m.count(dir.Join("bad\xFFname.png")));  // kept, with a warning
  EXPECT_TRUE(m.count(dir.Join("empty.txt")));
  EXPECT_EQ(m.size(), 3u) << Problems(*r);
  EXPECT_TRUE(HasProblem(*r, dir.Join("truncated.png"), "PNG", false)) << Problems(*r);
  EXPECT_TRUE(HasProblem(*r, dir.Join("garbage.jpg"), "garbage.jpg", false)) << Problems(*r);
  EXPECT_TRUE(HasProblem(*r, dir.Join("empty.jpg"), "empty image", false)) << Problems(*r);
  EXPECT_TRUE(HasProblem(*r, dir.Join("empty.txt"), "empty file", true)) << Problems(*r);
  EXPECT_TRUE(HasProblem(*r, dir.Join("bad\xFFname.png"), "not valid UTF-8", true))
      << Problems(*r);
  EXPECT_TRUE(HasProblem(*r, dir.Join("dangling.jpg"), "broken symbolic link", false))
      << Problems(*r);
}

TEST(ScannerTest, VerifyLeavesOutImagesCutAfterTheirHeader) {
  // A JPEG and a PNG cut after their headers pass the header probe; --verify decodes them and
  // leaves them out (CVAT fails on them), in a directory and in a zip alike. A PGM is decoded
  // like them; a format the decoders do not cover (WMF: Pillow has no loader for its pixels
  // on Linux) is kept and counted unverified, and gets no checksum.
  ScopedTempDir dir;
  const std::string jpeg = testing::WriteJpeg(256, 256);
  const std::string png = testing::WritePng(64, 64, {.noise = true});
  const std::string pgm = std::string("P5\n2 2\n255\n") + std::string(4, '\x40');
  WriteFile(dir.Join("tree/good.jpg"), jpeg);
  WriteFile(dir.Join("tree/cut.jpg"), jpeg.substr(0, jpeg.size() - 20));
  WriteFile(dir.Join("tree/cut.png"), png.substr(0, png.size() / 2));
  WriteFile(dir.Join("tree/grey.pgm"), pgm);
  const std::string wmf = std::string("\xD7\xCD\xC6\x9A\0\0\0\0\0\0\xA0\x05\xD0\x02\xA0\x05", 16) +
                          std::string(6, '\0') + std::string("\x01\x00\x09\x00\x00\x03", 6) +
                          std::string(30, '\0');
  WriteFile(dir.Join("tree/meta.wmf"), wmf);
  testing::WriteArchive(dir.Join("a.zip"), testing::ArchiveFormat::kZip,
                        {{"good.jpg", jpeg}, {"cut.jpg", jpeg.substr(0, jpeg.size() - 20)}});
  const std::vector<std::string> paths{dir.Join("tree"), dir.Join("a.zip")};
  Result<ScanResult> plain = Scan(paths, {});
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(plain->files.size(), 7u) << Problems(*plain);
  EXPECT_EQ(plain->unverified, 0u);
  for (bool pixels : {false, true}) {
    SCOPED_TRACE(pixels);
    ScanOptions options;
    options.verify_pixels = !pixels;
    options.pixel_checksum = pixels;
    Result<ScanResult> r = Scan(paths, options);
    ASSERT_TRUE(r.has_value());
    auto m = ByPath(*r);
    EXPECT_TRUE(m.count(dir.Join("tree/good.jpg")));
    EXPECT_TRUE(m.count(dir.Join("a.zip") + ":good.jpg"));
    EXPECT_FALSE(m.count(dir.Join("tree/cut.jpg")));
    EXPECT_FALSE(m.count(dir.Join("tree/cut.png")));
    EXPECT_FALSE(m.count(dir.Join("a.zip") + ":cut.jpg"));
    EXPECT_EQ(m.count(dir.Join("tree/grey.pgm")), 1u);
    EXPECT_EQ(m.count(dir.Join("tree/meta.wmf")), pixels ? 0u : 1u);
    EXPECT_EQ(r->unverified, pixels ? 0u : 1u);
    if (!pixels) {
      EXPECT_EQ(r->problems.size(), 3u) << Problems(*r);
      EXPECT_TRUE(HasProblem(*r, dir.Join("tree/cut.jpg"),
                             "cannot be decoded (JPEG: image file is truncated); CVAT fails on it",
                             false))
          << Problems(*r);
      EXPECT_TRUE(HasProblem(*r, dir.Join("a.zip") + ":cut.jpg", "cannot be decoded", false));
    }
  }
}

TEST(ScannerTest, ArchiveSourceMembersAreProbedAndHashedInPlace) {
  ScopedTempDir dir;
  std::string jpg = testing::WriteJpeg(40, 30);
  std::string zip = dir.Join("data.zip");
  testing::WriteArchive(zip, testing::ArchiveFormat::kZip,
                        {{"imgs/", "", true},
                         {"imgs/x.jpg", jpg},
                         {"../evil.jpg", jpg},
                         {"imgs/broken.jpg", "nope"},
                         {"readme.md", "r"}});
  Result<ScanResult> r = Scan(std::vector<std::string>{zip}, {});
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  ASSERT_EQ(r->sources.size(), 1u);
  EXPECT_EQ(r->sources[0].type, ScanSource::Type::kArchive);
  auto m = ByPath(*r);
  ASSERT_EQ(m.size(), 2u) << Problems(*r);
  const FileRecord* x = m.at(zip + ":imgs/x.jpg");
  EXPECT_TRUE(x->in_archive);
  EXPECT_EQ(x->width, 40u);
  EXPECT_EQ(x->hash, HashBytes(jpg.data(), jpg.size()));
  EXPECT_TRUE(HasProblem(*r, zip + ":../evil.jpg", "'..'", false)) << Problems(*r);
  EXPECT_TRUE(HasProblem(*r, zip + ":imgs/broken.jpg", "imgs/broken.jpg", false))
      << Problems(*r);
}

TEST(ScannerTest, BrokenArchiveIsAProblemNotAFailure) {
  ScopedTempDir dir;
  WriteFile(dir.Join("broken.zip"), "PK\x03\x04 but nothing more");
  WriteFile(dir.Join("fine.png"), testing::WritePng(3, 3));
  Result<ScanResult> r =
      Scan(std::vector<std::string>{dir.Join("broken.zip"), dir.Join("fine.png")}, {});
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->files.size(), 1u);
  EXPECT_EQ(r->files[0].rel_path, "fine.png");
  EXPECT_EQ(DisplayPath(*r, r->files[0]), dir.Join("fine.png"));
  ASSERT_EQ(r->problems.size(), 1u);
  EXPECT_EQ(r->problems[0].path, dir.Join("broken.zip"));
}

TEST(ScannerTest, MissingSourceFailsTheScan) {
  Result<ScanResult> r = Scan(std::vector<std::string>{"/nonexistent/src"}, {});
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("/nonexistent/src"), std::string::npos);
}

TEST(ScannerTest, WithoutHashOnlyHeadersAreRead) {
  ScopedTempDir dir;
  WriteFile(dir.Join("a.jpg"), testing::WriteJpeg(16, 16));
  WriteFile(dir.Join("b.txt"), "text");
  ScanOptions opts;
  opts.hash = false;
  ScanCounters counters;
  opts.counters = &counters;
  Result<ScanResult> r = Scan(std::vector<std::string>{dir.path()}, opts);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->files.size(), 2u);
  for (const FileRecord& f : r->files) EXPECT_TRUE(f.hash.empty());
  EXPECT_EQ(counters.files_found.load(), 2u);
  EXPECT_EQ(counters.files_done.load(), 2u);
}

TEST(ScannerTest, DuplicateBaseNamesAreGrouped) {
  ScopedTempDir dir;
  std::string png = testing::WritePng(2, 2);
  WriteFile(dir.Join("a/x.png"), png);
  WriteFile(dir.Join("b/x.png"), png);
  WriteFile(dir.Join("c/y.png"), png);
  WriteFile(dir.Join("related_images/x_png/x.png"), png);  // context image: not a frame
  Result<ScanResult> r = Scan(std::vector<std::string>{dir.path()}, {});
  ASSERT_TRUE(r.has_value());
  auto groups = DuplicateBaseNames(*r);
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0], (std::vector<std::string>{dir.Join("a/x.png"), dir.Join("b/x.png")}));
}

TEST(ScannerTest, CancelledScanStops) {
  ScopedTempDir dir;
  WriteFile(dir.Join("a.txt"), "a");
  std::atomic<bool> cancel{true};
  ScanOptions opts;
  opts.cancel = &cancel;
  Result<ScanResult> r = Scan(std::vector<std::string>{dir.path()}, opts);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Status::Code::kCancelled);
}

}  // namespace
}  // namespace ingest

namespace ingest {
namespace {

TEST(ScannerVideoTest, VideosAreProbedAndBrokenOnesReported) {
  testing::ScopedTempDir dir;
  ASSERT_TRUE(testing::WriteVideo(dir.Join("clip.mp4"), {.width = 64, .height = 48, .frames = 12}));
  testing::WriteFile(dir.Join("fake.mp4"), "this is not a video");
  Result<ScanResult> r = Scan(std::vector<std::string>{dir.path()}, {});
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->files.size(), 1u);
  const FileRecord& clip = r->files[0];
  EXPECT_EQ(clip.kind, MediaKind::kVideo);
  EXPECT_EQ(clip.width, 64u);
  EXPECT_EQ(clip.height, 48u);
  EXPECT_EQ(clip.frame_count, 12u);
  EXPECT_GT(clip.duration, 0.0f);
  ASSERT_EQ(r->problems.size(), 1u);
  EXPECT_EQ(r->problems[0].path, dir.Join("fake.mp4"));
}

}  // namespace
}  // namespace ingest

namespace ingest {
namespace {

// A PNG whose EXIF follows several MiB of image data: the probe walks the whole file through
// the scanner's read window (refilled from the file), with and without hashing.
TEST(ScannerWindowTest, PngExifAfterLargeImageData) {
  testing::ScopedTempDir dir;
  std::string png = testing::WritePng(1400, 1000, {.exif_after_idat = 6, .noise = true});
  ASSERT_GT(png.size(), 3u << 20);
  testing::WriteFile(dir.Join("late_exif.png"), png);
  for (bool hash : {true, false}) {
    ScanOptions opts;
    opts.hash = hash;
    Result<ScanResult> r = Scan(std::vector<std::string>{dir.path()}, opts);
    ASSERT_TRUE(r.has_value());
    ASSERT_EQ(r->files.size(), 1u) << (r->problems.empty() ? "" : r->problems[0].status.ToString());
    EXPECT_EQ(r->files[0].orientation, 6) << "hash=" << hash;
    EXPECT_EQ(r->files[0].width, 1400u);
    if (hash) {
      EXPECT_EQ(r->files[0].hash, HashBytes(png.data(), png.size()));
    }
  }
}

// A JPEG whose frame header follows 180 KB of comment segments (a camera's EXIF thumbnail
// and maker notes can be as long): the scanner's first read is 4 KiB, so the probe needs
// several refills of the window at the offsets it asks for.
TEST(ScannerWindowTest, JpegFrameHeaderFarFromTheStart) {
  testing::ScopedTempDir dir;
  std::string jpg = testing::WriteJpeg(77, 33, {.exif_orientation = 6});
  std::string padding;
  for (int i = 0; i < 3; ++i) {
    padding += "\xFF\xFE";  // COM, length 60,000 (the length counts itself)
    padding += static_cast<char>(60000 >> 8);
    padding += static_cast<char>(60000 & 0xFF);
    padding += std::string(60000 - 2, static_cast<char>('a' + i));
  }
  jpg.insert(2, padding);  // after SOI, before the EXIF and the frame header
  testing::WriteFile(dir.Join("far.jpg"), jpg);
  for (bool hash : {false, true}) {
    ScanOptions opts;
    opts.hash = hash;
    Result<ScanResult> r = Scan(std::vector<std::string>{dir.path()}, opts);
    ASSERT_TRUE(r.has_value());
    ASSERT_EQ(r->files.size(), 1u) << (r->problems.empty() ? "" : r->problems[0].status.ToString());
    EXPECT_EQ(r->files[0].width, 77u) << "hash=" << hash;
    EXPECT_EQ(r->files[0].height, 33u);
    EXPECT_EQ(r->files[0].orientation, 6);
    if (hash) {
      EXPECT_EQ(r->files[0].hash, HashBytes(jpg.data(), jpg.size()));
    }
  }
}

}  // namespace
}  // namespace ingest
