// Task fields beyond files (consensus_replicas, bug_tracker, subset, storages) and the data
// request's validation_params, answered as CVAT's serializers and task creation answer them.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/testing/http_client.h"
#include "tests/testing/image_writer.h"

namespace ingest::testing {
namespace {

class TaskFieldsTest : public ServerTest {
 protected:
  HttpReply Create(const std::string& extra) {
    return PostJson("/api/tasks", R"({"name":"t","labels":[{"name":"car"}])" + extra + "}");
  }
  // A task with three images sent, finished with `finish` (a JSON body); the request's end.
  std::string BuildWith(const std::string& finish, int64_t* task_out = nullptr,
                        const std::string& extra = "") {
    int64_t task = CreateTask("t", extra);
    if (task_out) *task_out = task;
    HttpReply b = Bulk(task, {{"a.png", WritePng(2, 2)}, {"b.png", WritePng(3, 2)},
                              {"c.png", WritePng(4, 2)}});
    EXPECT_EQ(b.status, 200) << b.body;
    HttpReply f = Finish(task, finish);
    if (f.status != 202) return "finish " + std::to_string(f.status) + " " + f.body;
    return WaitRequest(JsonField(f.body, "rq_id")).body;
  }
};

TEST_F(TaskFieldsTest, ConsensusReplicasFollowCvatsRule) {
  HttpReply one = Create(R"(,"consensus_replicas":1)");
  EXPECT_EQ(one.status, 400);
  EXPECT_EQ(one.body,
            R"({"consensus_replicas":["Consensus replicas must be 0 or a positive number more )"
            R"(than 1 and less than 12, got 1"]})");
  EXPECT_EQ(Create(R"(,"consensus_replicas":12)").status, 400);
  EXPECT_EQ(Create(R"(,"consensus_replicas":-1)").body,
            R"({"consensus_replicas":["Ensure this value is greater than or equal to 0."]})");
  HttpReply three = Create(R"(,"consensus_replicas":3,"bug_tracker":"https://b/1")");
  ASSERT_EQ(three.status, 201) << three.body;
  EXPECT_NE(three.body.find(R"("consensus_enabled":true)"), std::string::npos) << three.body;
  EXPECT_NE(three.body.find(R"("bug_tracker":"https://b/1")"), std::string::npos);
  HttpReply none = Create("");
  EXPECT_NE(none.body.find(R"("consensus_enabled":false)"), std::string::npos) << none.body;
}

TEST_F(TaskFieldsTest, TextLimitsAndStoragesAreChecked) {
  EXPECT_EQ(Create(R"(,"subset":")" + std::string(65, 's') + "\"").body,
            R"({"subset":["Ensure this field has no more than 64 characters."]})");
  // Characters, not bytes: 64 two-byte letters fit.
  std::string letters;
  for (int i = 0; i < 64; ++i) letters += "\xc3\xa9";
  EXPECT_EQ(Create(R"(,"subset":")" + letters + "\"").status, 201);
  EXPECT_EQ(Create(R"(,"bug_tracker":")" + std::string(2001, 'b') + "\"").status, 400);
  EXPECT_EQ(Create(R"(,"target_storage":{"location":"s3"})").body,
            R"({"target_storage":{"location":["\"s3\" is not a valid choice."]}})");
  EXPECT_EQ(Create(R"(,"source_storage":null)").body,
            R"({"source_storage":["This field may not be null."]})");
  HttpReply ok = Create(R"(,"target_storage":{"location":"cloud_storage","cloud_storage_id":4})");
  ASSERT_EQ(ok.status, 201) << ok.body;
  EXPECT_NE(ok.body.find(R"("target_storage":{"location":"cloud_storage","cloud_storage_id":4})"),
            std::string::npos)
      << ok.body;
  // Kept across a restart.
  int64_t id = std::stoll(JsonField(ok.body, "id"));
  StartServer();
  std::string again = Get("/api/tasks/" + std::to_string(id)).body;
  EXPECT_NE(again.find(R"("cloud_storage_id":4)"), std::string::npos) << again;
}

TEST_F(TaskFieldsTest, ValidationParamsAreValidatedAsTheSerializerDoes) {
  int64_t task = CreateTask("t");
  struct Case {
    const char* params;
    const char* body;
  } cases[] = {
      {R"({"frame_selection_method":"manual"})",
       R"({"validation_params":{"mode":["This field is required."]}})"},
      {R"({"mode":"gold","frame_selection_method":"manual"})",
       R"({"validation_params":{"mode":["\"gold\" is not a valid choice."]}})"},
      {R"({"mode":"gt","frame_selection_method":"random_uniform"})",
       R"({"validation_params":{"non_field_errors":["Expected one of the fields: frame_count, frame_share"]}})"},
      {R"({"mode":"gt","frame_selection_method":"random_uniform","frame_count":0})",
       R"({"validation_params":{"frame_count":["Ensure this value is greater than or equal to 1."]}})"},
      {R"({"mode":"gt","frame_selection_method":"random_uniform","frame_share":1.5})",
       R"({"validation_params":{"frame_share":["Value must be in the range [0; 1]"]}})"},
      {R"({"mode":"gt_pool","frame_selection_method":"random_uniform","frame_count":2})",
       R"({"validation_params":{"non_field_errors":["Expected one of the fields: frames_per_job_count, frames_per_job_share"]}})"},
      {R"({"mode":"gt","frame_selection_method":"random_uniform","frame_count":2,"frames":["a.png"]})",
       R"({"validation_params":{"non_field_errors":["\"frames\" can only be used when \"frame_selection_method\" is \"manual\""]}})"},
      {R"({"mode":"gt","frame_selection_method":"manual","frames":["a.png","a.png"]})",
       R"({"validation_params":{"non_field_errors":["Frames must not repeat"]}})"},
  };
  for (const Case& c : cases) {
    HttpReply f = Finish(task, std::string(R"({"image_quality":70,"validation_params":)") +
                                   c.params + "}");
    EXPECT_EQ(f.status, 400) << c.params;
    EXPECT_EQ(f.body, c.body) << c.params;
  }
}

TEST_F(TaskFieldsTest, HoneypotsNeedRandomSortingAndNoOverlap) {
  const std::string pool =
      R"("validation_params":{"mode":"gt_pool","frame_selection_method":"random_uniform",)"
      R"("frame_count":1,"frames_per_job_count":1})";
  std::string failed = BuildWith(R"({"image_quality":70,"sorting_method":"natural",)" + pool + "}");
  EXPECT_NE(failed.find(R"(validation mode \"gt_pool\" can only be used with \"random\" sorting)"),
            std::string::npos)
      << failed;
  EXPECT_NE(failed.find(R"("status":"failed")"), std::string::npos) << failed;
  std::string overlap = BuildWith(R"({"image_quality":70,"sorting_method":"random",)" + pool + "}",
                                  nullptr, R"(,"overlap":1,"segment_size":2)");
  EXPECT_NE(overlap.find(R"(cannot be used with \"overlap\")"), std::string::npos) << overlap;
  int64_t task = 0;
  std::string done =
      BuildWith(R"({"image_quality":70,"sorting_method":"random",)" + pool + "}", &task);
  EXPECT_NE(done.find(R"("status":"finished")"), std::string::npos) << done;
  std::string t = Get("/api/tasks/" + std::to_string(task)).body;
  EXPECT_NE(t.find(R"("validation_mode":"gt_pool")"), std::string::npos) << t;
  EXPECT_NE(t.find(R"("size":3)"), std::string::npos) << t;
}

}  // namespace
}  // namespace ingest::testing
