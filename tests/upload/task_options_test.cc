// upload/task_options.h: CVAT's rules for validation_params, consensus and storages, and the
// JSON the client sends for them.
#include "upload/task_options.h"

#include <gtest/gtest.h>

#include "upload/uploader.h"

namespace ingest::upload {
namespace {

ValidationParams Uniform(int64_t count) {
  ValidationParams v;
  v.mode = "gt";
  v.method = "random_uniform";
  v.frame_count = count;
  return v;
}

std::string Why(const ValidationParams& v, std::optional<int64_t> segment = {},
                std::optional<int64_t> overlap = {}, bool mapping = false) {
  Status s = CheckValidationParams(v, segment, overlap, mapping);
  return s.ok() ? "ok" : s.message();
}

TEST(ValidationParamsTest, CombinationsAreCheckedAsCvatDoes) {
  EXPECT_EQ(Why(ValidationParams{}), "ok");
  EXPECT_EQ(Why(Uniform(3)), "ok");
  ValidationParams v = Uniform(3);
  v.frame_share = 0.5;
  EXPECT_NE(Why(v).find("not both"), std::string::npos);
  v = Uniform(0);
  EXPECT_NE(Why(v).find("at least 1"), std::string::npos);
  v = Uniform(3);
  v.mode = "gt_pool";
  EXPECT_NE(Why(v).find("needs --validation-per-job"), std::string::npos);
  v.per_job_count = 1;
  EXPECT_EQ(Why(v), "ok");
  EXPECT_NE(Why(v, {}, 2).find("cannot be used with --overlap"), std::string::npos);
  EXPECT_EQ(Why(v, {}, 0), "ok");  // an overlap of 0 is no overlap
  EXPECT_NE(Why(v, {}, {}, true).find("--job-file-mapping"), std::string::npos);
  v.method = "random_per_job";
  EXPECT_NE(Why(v).find("takes --validation-method random_uniform or manual"), std::string::npos);
  // A Ground Truth job of N frames per job needs jobs of more than N frames.
  ValidationParams per_job;
  per_job.mode = "gt";
  per_job.method = "random_per_job";
  per_job.per_job_count = 5;
  EXPECT_EQ(Why(per_job), "ok");
  EXPECT_EQ(Why(per_job, 6), "ok");
  EXPECT_NE(Why(per_job, 5).find("less than --segment-size 5"), std::string::npos);
  ValidationParams manual;
  manual.mode = "gt";
  manual.method = "manual";
  EXPECT_NE(Why(manual).find("needs --validation-frame-list"), std::string::npos);
  manual.frames = {"a.png", "b.png", "a.png"};
  EXPECT_NE(Why(manual).find("'a.png' is listed twice"), std::string::npos);
  manual.frames = {"a.png", "b.png"};
  EXPECT_EQ(Why(manual), "ok");
  ValidationParams orphan;
  orphan.seed = 4;
  EXPECT_NE(Why(orphan).find("need --validation-mode"), std::string::npos);
}

TEST(ValidationParamsTest, FinishBodyCarriesThemAsCvatReadsThem) {
  ValidationParams v;
  v.mode = "gt_pool";
  v.method = "random_uniform";
  v.frame_share = 0.1;
  v.per_job_count = 2;
  v.seed = 0;
  std::string json = "{";
  AppendValidationParams(v, &json);
  json += "}";
  EXPECT_EQ(json,
            R"({"validation_params":{"mode":"gt_pool","frame_selection_method":"random_uniform",)"
            R"("frame_share":0.1,"frames_per_job_count":2,"random_seed":0}})");
  ValidationParams m;
  m.mode = "gt";
  m.method = "manual";
  m.frames = {"x\"1.png", "y.png"};
  json = R"({"a":1)";
  AppendValidationParams(m, &json);
  EXPECT_EQ(json, R"({"a":1,"validation_params":{"mode":"gt","frame_selection_method":"manual",)"
                  R"("frames":["x\"1.png","y.png"]})");
  // A whole share prints as Python prints a float.
  ValidationParams whole = Uniform(1);
  whole.frame_count.reset();
  whole.frame_share = 1;
  json = "{";
  AppendValidationParams(whole, &json);
  EXPECT_NE(json.find(R"("frame_share":1.0)"), std::string::npos) << json;
}

TEST(TaskOptionsTest, StoragesConsensusAndTheTaskBody) {
  ASSERT_TRUE(ParseStorageSpec("local").has_value());
  Result<StorageSpec> cloud = ParseStorageSpec("cloud_storage:12");
  ASSERT_TRUE(cloud.has_value());
  EXPECT_EQ(StorageJson(*cloud), R"({"location":"cloud_storage","cloud_storage_id":12})");
  for (const char* bad : {"", "s3", "cloud_storage:", "cloud_storage:x", "cloud_storage:0"}) {
    EXPECT_FALSE(ParseStorageSpec(bad).has_value()) << bad;
  }
  EXPECT_TRUE(CheckConsensusReplicas(0).ok());
  EXPECT_TRUE(CheckConsensusReplicas(2).ok());
  EXPECT_TRUE(CheckConsensusReplicas(11).ok());
  EXPECT_FALSE(CheckConsensusReplicas(1).ok());
  EXPECT_FALSE(CheckConsensusReplicas(12).ok());

  TaskSpec spec;
  spec.name = "t";
  spec.project_id = 3;
  spec.consensus_replicas = 3;
  spec.bug_tracker = "https://b/1";
  spec.subset = "Train";
  spec.target_storage = StorageSpec{"local", 0};
  Result<std::string> body = BuildTaskBody(spec);
  ASSERT_TRUE(body.has_value()) << body.error().message();
  EXPECT_EQ(*body, R"({"name":"t","project_id":3,"consensus_replicas":3,)"
                   R"("bug_tracker":"https://b/1","subset":"Train",)"
                   R"("target_storage":{"location":"local"}})");
  spec.consensus_replicas = 1;
  EXPECT_FALSE(BuildTaskBody(spec).has_value());
}

}  // namespace
}  // namespace ingest::upload
