// Golden tests: the manifest bytes for a corpus of tricky names and formats must equal what
// CVAT's manifest tool (utils/dataset_manifest/create.py, image branch, with and without its
// checksum key) writes for the same directory. The golden files in tests/data/golden/ were produced by
// running that tool's logic with Debian 12's python3-pil 9.4 and python3-natsort 8.0.2 over
// the corpus this test builds; set INGEST_KEEP_CORPUS=DIR to keep the corpus for such a run.
#include "manifest/image_manifest.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "engine/scanner.h"
#include "tests/testing/archive_writer.h"
#include "tests/testing/image_writer.h"
#include "tests/testing/temp_dir.h"

namespace ingest::manifest {
namespace {

using ingest::testing::ReadFile;
using ingest::testing::ScopedTempDir;
using ingest::testing::WriteFile;

void BuildTrickyCorpus(const std::string& root, const std::string& scratch) {
  namespace t = ingest::testing;
  std::string jpg = t::WriteJpeg(32, 24);
  std::string png = t::WritePng(20, 10);
  auto put = [&](const std::string& rel, const std::string& bytes) { WriteFile(root + "/" + rel, bytes); };
  put("plain.jpg", jpg);
  put("Upper.JPG", jpg);
  put("caf\xC3\xA9/na\xC3\xAFve.png", png);
  put("\xE6\x97\xA5\xE6\x9C\xAC/\xE5\x86\x99.jpg", jpg);
  put("emoji_\xF0\x9F\x98\x80.png", png);
  put("bad_\xFF\xFE.jpg", jpg);
  put("quote\"and\\back.jpg", jpg);
  put("tab\tname.png", png);
  put("ctl\x01 and del\x7F.png", png);
  put(".hidden.png", png);
  put("multi.dots.name.tif", t::WriteTiff(scratch, 7, 5, {.big_endian = true}));
  put("little.tiff", t::WriteTiff(scratch, 9, 4, {.orientation = 8}));
  put("x.jpeg", t::WriteJpeg(16, 8, {.progressive = true}));
  put("y.jpe", jpg);
  put("z.webp", t::WriteWebp(12, 6, t::WebpKind::kLossy));
  put("zz.webp", t::WriteWebp(14, 6, t::WebpKind::kExtended, 6));
  put("g.gif", t::WriteGif(30, 20, 0, 0, 30, 20));
  put("b.bmp", t::WriteBmp(5, 3, t::BmpHeader::kInfo40, true));
  put("space name.jpg", jpg);
  put("img_2.jpg", jpg);
  put("img_10.jpg", jpg);
  put("IMG_3.jpg", jpg);
  put("dir.with.dots/file.png", png);
  put("rot/six.jpg", t::WriteJpeg(40, 10, {.exif_orientation = 6}));
  put("rot/eight.jpg", t::WriteJpeg(40, 10, {.exif_orientation = 8}));
  put("rot/nine.jpg", t::WriteJpeg(40, 10, {.exif_orientation = 9}));
  put("rot/three.jpg", t::WriteJpeg(40, 10, {.exif_orientation = 3}));
  put("frames/0001.png", png);
  put("frames/0002.png", png);
  put("frames/related_images/0001_png/ctx_b.jpg", jpg);
  put("frames/related_images/0001_png/ctx_a.png", png);
  put("frames/related_images/0001_png/notes.txt", "not an image");
  put("skip.svg", "<svg/>");
  put("notes.txt", "text");
  put("noext", "x");
}

// Parameters: the sorting method, and whether pixel checksums are computed (create.py always
// writes them; the goldens with "_checksum" come from the same logic with its md5 of
// Image.open(p).tobytes() kept).
class ImageManifestGoldenTest
    : public ::testing::TestWithParam<std::tuple<const char*, bool>> {};

TEST_P(ImageManifestGoldenTest, BytesEqualCvatTool) {
  auto [sorting, checksum] = GetParam();
  ScopedTempDir dir;
  const char* keep = std::getenv("INGEST_KEEP_CORPUS");
  std::string root = keep && *keep ? std::string(keep) : dir.Join("corpus");
  BuildTrickyCorpus(root, dir.path());

  Result<ScanResult> scan = Scan(std::vector<std::string>{root},
                                 ScanOptions{.hash = false, .pixel_checksum = checksum});
  ASSERT_TRUE(scan.has_value()) << scan.error().ToString();
  for (const ScanProblem& p : scan->problems) {
    EXPECT_TRUE(p.warning) << p.status.ToString();  // only the non-UTF-8 name warning
  }
  PlanOptions options;
  options.sorting = *ParseSortingMethod(sorting);
  Result<ImageManifestPlan> plan = PlanImageManifest(*scan, options);
  ASSERT_TRUE(plan.has_value()) << plan.error().ToString();
  std::string out = dir.Join("manifest.jsonl");
  ASSERT_TRUE(WriteImageManifest(out, *scan, *plan).ok());
  std::string golden = ReadFile(std::string(INGEST_TEST_DATA_DIR) + "/golden/tricky_" + sorting +
                                (checksum ? "_checksum" : "") + ".jsonl");
  EXPECT_EQ(ReadFile(out), golden);
}

INSTANTIATE_TEST_SUITE_P(Sorting, ImageManifestGoldenTest,
                         ::testing::Combine(::testing::Values("lexicographical", "natural"),
                                            ::testing::Bool()));

TEST(ImageManifestPlanTest, PredefinedOrderMustNameExactlyTheFrames) {
  ScopedTempDir dir;
  std::string png = ingest::testing::WritePng(2, 2);
  WriteFile(dir.Join("a.png"), png);
  WriteFile(dir.Join("b.png"), png);
  Result<ScanResult> scan = Scan(std::vector<std::string>{dir.path()}, {});
  ASSERT_TRUE(scan.has_value());
  PlanOptions options;
  options.sorting = SortingMethod::kPredefined;
  options.predefined_order = {"b.png", "a.png"};
  Result<ImageManifestPlan> plan = PlanImageManifest(*scan, options);
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(FrameNames(*scan, *plan), (std::vector<std::string>{"b.png", "a.png"}));

  options.predefined_order = {"b.png", "c.png"};
  Result<ImageManifestPlan> bad = PlanImageManifest(*scan, options);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message().find("not found (or repeated): c.png"), std::string::npos)
      << bad.error().message();
  EXPECT_NE(bad.error().message().find("not in the order: a.png"), std::string::npos)
      << bad.error().message();
}

TEST(ImageManifestPlanTest, SameRelativePathFromTwoSourcesIsRefused) {
  ScopedTempDir dir;
  std::string png = ingest::testing::WritePng(2, 2);
  WriteFile(dir.Join("one/x.png"), png);
  WriteFile(dir.Join("two/x.png"), png);
  Result<ScanResult> scan =
      Scan(std::vector<std::string>{dir.Join("one"), dir.Join("two")}, {});
  ASSERT_TRUE(scan.has_value());
  Result<ImageManifestPlan> plan = PlanImageManifest(*scan, {});
  ASSERT_FALSE(plan.has_value());
  EXPECT_NE(plan.error().message().find("x.png"), std::string::npos);
}

TEST(ImageManifestPlanTest, ArchiveSourceGivesItsMembersInOrder) {
  ScopedTempDir dir;
  std::string png = ingest::testing::WritePng(3, 2);
  std::string zip = dir.Join("data.zip");
  ingest::testing::WriteArchive(zip, ingest::testing::ArchiveFormat::kZip,
                                {{"b/img_10.png", png},
                                 {"b/img_9.png", png},
                                 {"a.png", png},
                                 {"b/related_images/img_9_png/c.png", png},
                                 {"readme.txt", "x"}});
  Result<ScanResult> scan = Scan(std::vector<std::string>{zip}, {});
  ASSERT_TRUE(scan.has_value());
  PlanOptions options;
  options.sorting = SortingMethod::kNatural;
  Result<ImageManifestPlan> plan = PlanImageManifest(*scan, options);
  ASSERT_TRUE(plan.has_value()) << plan.error().ToString();
  std::string out = dir.Join("m.jsonl");
  ASSERT_TRUE(WriteImageManifest(out, *scan, *plan).ok());
  EXPECT_EQ(ReadFile(out),
            "{\"version\":\"1.1\"}\n{\"type\":\"images\"}\n"
            "{\"name\":\"a\",\"extension\":\".png\",\"width\":3,\"height\":2,"
            "\"meta\":{\"related_images\":[]}}\n"
            "{\"name\":\"b/img_9\",\"extension\":\".png\",\"width\":3,\"height\":2,"
            "\"meta\":{\"related_images\":[\"b/related_images/img_9_png/c.png\"]}}\n"
            "{\"name\":\"b/img_10\",\"extension\":\".png\",\"width\":3,\"height\":2,"
            "\"meta\":{\"related_images\":[]}}\n");
}

TEST(ImageManifestPlanTest, NoImagesIsAnError) {
  ScopedTempDir dir;
  WriteFile(dir.Join("a.txt"), "a");
  Result<ScanResult> scan = Scan(std::vector<std::string>{dir.path()}, {});
  ASSERT_TRUE(scan.has_value());
  EXPECT_FALSE(PlanImageManifest(*scan, {}).has_value());
}

}  // namespace
}  // namespace ingest::manifest
