#include "upload/upload_plan.h"

#include <gtest/gtest.h>

#include "tests/testing/image_writer.h"
#include "tests/testing/temp_dir.h"
#include "upload/uploader.h"

namespace ingest::upload {
namespace {

using ingest::testing::ScopedTempDir;
using ingest::testing::WriteFile;

ScanResult ScanOf(const std::string& dir) {
  ScanOptions o;
  o.hash = false;
  o.expand_archive_sources = false;
  Result<ScanResult> r = Scan(std::vector<std::string>{dir}, o);
  EXPECT_TRUE(r.has_value());
  return std::move(r).value();
}

TEST(UploadPlanTest, RoutesBatchesAndOrder) {
  ScopedTempDir dir;
  std::string png = ingest::testing::WritePng(4, 4);  // ~70 bytes
  for (int i = 1; i <= 12; ++i) WriteFile(dir.Join("s/img_" + std::to_string(i) + ".png"), png);
  WriteFile(dir.Join("s/big.png"), png + std::string(5000, 'x'));
  WriteFile(dir.Join("s/weird\\name.png"), png);
  WriteFile(dir.Join("s/notes.txt"), "skip me");
  ScanResult scan = ScanOf(dir.Join("s"));
  UploadPlanOptions o;
  o.sorting = SortingMethod::kNatural;
  o.tus_threshold = 4096;
  o.batch_files = 5;
  o.generated_manifest_path = dir.Join("manifest.jsonl");
  std::vector<Refusal> refusals;
  Result<UploadPlan> plan = PlanUpload(scan, nullptr, o, &refusals);
  ASSERT_TRUE(plan.has_value()) << plan.error().ToString();
  EXPECT_EQ(plan->kind, TaskKind::kImages);
  EXPECT_EQ(plan->sorting_method, "predefined");
  EXPECT_TRUE(plan->send_upload_file_order);
  EXPECT_EQ(plan->skipped_files, 1u);
  ASSERT_EQ(plan->frame_order.size(), 14u);
  EXPECT_EQ(plan->frame_order[0], "big.png");
  EXPECT_EQ(plan->frame_order[1], "img_1.png");
  EXPECT_EQ(plan->frame_order[2], "img_2.png");
  EXPECT_EQ(plan->frame_order[12], "img_12.png");
  // big.png (size) and weird\name.png (Django would rename it) go through TUS.
  std::vector<std::string_view> tus;
  for (const PlannedFile& f : plan->files) {
    if (f.route == Route::kTus) tus.push_back(f.name);
  }
  EXPECT_EQ(tus, (std::vector<std::string_view>{"big.png", "weird\\name.png"}));
  // 12 small images + the manifest in batches of at most 5 files.
  size_t batched = 0;
  for (const auto& b : plan->batches) {
    EXPECT_LE(b.size(), 5u);
    batched += b.size();
  }
  EXPECT_EQ(batched, 13u);
  EXPECT_EQ(plan->files.back().name, "manifest.jsonl");
  EXPECT_EQ(plan->files.back().record, kGeneratedManifest);
}

// A packed task's manifest (issue 14) is the manifest CVAT itself would write for the zip's
// extracted tree, which becomes the task's manifest: the frames only (CVAT's extractor drops
// related_images/ members before it matches the manifest), each with meta.related_images, its
// context images as paths from the zip's root (empty when it has none), as CVAT's own
// manifest and its manifest tool give every frame of a tree.
TEST(UploadPlanTest, PackedManifestListsEachFramesRelatedImages) {
  ScopedTempDir dir;
  std::string png = ingest::testing::WritePng(4, 3);
  WriteFile(dir.Join("s/cam1/0001.png"), png);
  WriteFile(dir.Join("s/cam2/0001.png"), png);
  WriteFile(dir.Join("s/cam2/0002.png"), png);
  WriteFile(dir.Join("s/cam2/related_images/0001_png/right.png"), png);
  WriteFile(dir.Join("s/cam2/related_images/0001_png/left.png"), png);
  WriteFile(dir.Join("s/cam1/related_images/0001_png/ctx.png"), png);
  ScanResult scan = ScanOf(dir.Join("s"));
  UploadPlanOptions o;
  o.generated_manifest_path = dir.Join("manifest.jsonl");
  std::vector<Refusal> refusals;
  Result<UploadPlan> plan = PlanUpload(scan, nullptr, o, &refusals);
  ASSERT_TRUE(plan.has_value()) << plan.error().ToString();
  ASSERT_TRUE(plan->zip);  // 0001.png clashes
  EXPECT_EQ(plan->zip->layout.member_count(), 6u);  // the context images travel in the zip
  EXPECT_EQ(ingest::testing::ReadFile(dir.Join("manifest.jsonl")),
            "{\"version\":\"1.1\"}\n{\"type\":\"images\"}\n"
            "{\"name\":\"cam1/0001\",\"extension\":\".png\",\"width\":4,\"height\":3,"
            "\"meta\":{\"related_images\":[\"cam1/related_images/0001_png/ctx.png\"]}}\n"
            "{\"name\":\"cam2/0001\",\"extension\":\".png\",\"width\":4,\"height\":3,"
            "\"meta\":{\"related_images\":[\"cam2/related_images/0001_png/left.png\","
            "\"cam2/related_images/0001_png/right.png\"]}}\n"
            "{\"name\":\"cam2/0002\",\"extension\":\".png\",\"width\":4,\"height\":3,"
            "\"meta\":{\"related_images\":[]}}\n");
}

TEST(UploadPlanTest, LexicographicalIsLeftToTheServer) {
  ScopedTempDir dir;
  WriteFile(dir.Join("s/b.png"), ingest::testing::WritePng(2, 2));
  WriteFile(dir.Join("s/a.png"), ingest::testing::WritePng(2, 2));
  ScanResult scan = ScanOf(dir.Join("s"));
  std::vector<Refusal> refusals;
  Result<UploadPlan> plan = PlanUpload(scan, nullptr, {}, &refusals);
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->sorting_method, "lexicographical");
  EXPECT_FALSE(plan->send_upload_file_order);
  EXPECT_TRUE(plan->manifest_path.empty());  // none asked for
  EXPECT_EQ(plan->frame_order, (std::vector<std::string_view>{"a.png", "b.png"}));
  DataOptions data;
  data.image_quality = 55;
  data.frame_step = 3;
  std::string body = BuildFinishBody(*plan, data);
  EXPECT_EQ(body, R"({"image_quality":55,"sorting_method":"lexicographical","frame_filter":"step=3"})");
}

TEST(UploadPlanTest, RefusesOversizedAndNamesEachFile) {
  ScopedTempDir dir;
  WriteFile(dir.Join("s/ok.png"), ingest::testing::WritePng(2, 2));
  WriteFile(dir.Join("s/huge.png"), ingest::testing::WritePng(2, 2) + std::string(900, 'x'));
  ScanResult scan = ScanOf(dir.Join("s"));
  UploadPlanOptions o;
  o.max_file_size = 500;
  std::vector<Refusal> refusals;
  Result<UploadPlan> plan = PlanUpload(scan, nullptr, o, &refusals);
  ASSERT_FALSE(plan.has_value());
  ASSERT_EQ(refusals.size(), 1u);
  EXPECT_EQ(refusals[0].path, dir.Join("s/huge.png"));
  EXPECT_NE(refusals[0].reason.find("limit of 500 bytes"), std::string::npos);
}

TEST(UploadPlanTest, NamesDjangoWouldChange) {
  EXPECT_TRUE(SurvivesMultipartName("plain name (1).jpg"));
  EXPECT_TRUE(SurvivesMultipartName("caf\xC3\xA9 \xE6\x97\xA5.png"));
  EXPECT_TRUE(SurvivesMultipartName("q\"uote;semi.png"));
  EXPECT_FALSE(SurvivesMultipartName("a\\b.png"));
  EXPECT_FALSE(SurvivesMultipartName("tom&amp;jerry.png"));
  EXPECT_FALSE(SurvivesMultipartName("tab\t.png"));
  EXPECT_FALSE(SurvivesMultipartName("nbsp\xC2\xA0.png"));
}

TEST(UploadPlanTest, TaskBodyNeedsLabelsOrProject) {
  TaskSpec spec;
  spec.name = "t\"1";
  EXPECT_FALSE(BuildTaskBody(spec).has_value());
  spec.labels_json = "not json";
  EXPECT_FALSE(BuildTaskBody(spec).has_value());
  spec.labels_json = "[]";
  spec.project_id = 3;
  EXPECT_FALSE(BuildTaskBody(spec).has_value());
  spec.project_id.reset();
  spec.labels_json = R"([ {"name" : "car"} ])";
  spec.segment_size = 50;
  Result<std::string> body = BuildTaskBody(spec);
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ(*body, R"({"name":"t\"1","labels":[{"name":"car"}],"segment_size":50})");
}

}  // namespace
}  // namespace ingest::upload
