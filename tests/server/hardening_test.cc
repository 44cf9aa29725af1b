// Hostile input to the receiver (issue 15): each test reproduces one hole a client could use
// and checks the receiver now refuses it cleanly, answering like CVAT where CVAT answers.
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "tests/testing/http_client.h"

namespace ingest::testing {
namespace {

using HardeningTest = ServerTest;


// --- 2: frame_filter step past int64 ---

TEST_F(HardeningTest, FrameStepPastInt64IsA400) {
  int64_t task = CreateTask();
  ASSERT_EQ(Bulk(task, {{"a.png", TinyPng(2, 2)}, {"b.png", TinyPng(2, 2)}}).status, 200);
  HttpReply r =
      Finish(task, "{\"image_quality\":70,\"frame_filter\":\"step=9999999999999999999\"}");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.body, "{\"frame_filter\":[\"Invalid frame filter expression\"]}");
}

TEST_F(HardeningTest, TheLargestFrameStepKeepsTheStartFrameOnly) {
  int64_t task = CreateTask();
  ASSERT_EQ(Bulk(task, {{"a.png", TinyPng(2, 2)}, {"b.png", TinyPng(2, 2)},
                        {"c.png", TinyPng(2, 2)}})
                .status,
            200);
  HttpReply r = Finish(task,
                       "{\"image_quality\":70,\"start_frame\":1,"
                       "\"frame_filter\":\"step=9223372036854775807\"}");
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(JsonField(WaitRequest(JsonField(r.body, "rq_id")).body, "status"), "finished");
  EXPECT_EQ(JsonField(Get("/api/tasks/" + std::to_string(task)).body, "size"), "1");
}

// --- 3: manifest sizes past CVAT's integer columns ---

TEST_F(HardeningTest, ManifestSizeOutOfRangeFailsTheRequest) {
  int64_t task = CreateTask();
  std::string manifest =
      "{\"version\":\"1.1\"}\n{\"type\":\"images\"}\n"
      "{\"name\":\"a\",\"extension\":\".png\",\"width\":4294967296,\"height\":4294967296}\n";
  ASSERT_EQ(Bulk(task, {{"a.png", TinyPng(2, 2)}, {"manifest.jsonl", manifest}}).status, 200);
  HttpReply r = Finish(task, "{\"image_quality\":70}");
  ASSERT_EQ(r.status, 202) << r.body;
  HttpReply done = WaitRequest(JsonField(r.body, "rq_id"));
  EXPECT_EQ(JsonField(done.body, "status"), "failed") << done.body;
  EXPECT_NE(JsonField(done.body, "message").find("width"), std::string::npos) << done.body;
  EXPECT_EQ(Get("/api/server/about").status, 200);  // still serving
}

}  // namespace
}  // namespace ingest::testing
