// The run-of-many-tasks benchmark (bench/harness/tasks_bench.h) against the in-process
// receiver, and its corpus profile of many videos.
#include "bench/harness/tasks_bench.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <set>

#include "bench/harness/bench_output.h"
#include "bench/harness/corpus.h"
#include "engine/scanner.h"
#include "tests/testing/http_client.h"
#include "tests/testing/temp_dir.h"

namespace ingest::bench {
namespace {

namespace fs = std::filesystem;
using ingest::testing::ScopedTempDir;

TEST(CorpusTest, VideosProfileIsManyDistinctVideos) {
  ScopedTempDir dir;
  CorpusSpec spec;
  spec.profile = Profile::kVideos;
  spec.files = 3;
  spec.video_frames = 6;
  Result<CorpusInfo> info = GenerateCorpus(dir.path(), spec, nullptr, nullptr);
  ASSERT_TRUE(info.has_value()) << info.error().ToString();
  EXPECT_EQ(info->files, 3u);
  ScanOptions options;
  Result<ScanResult> scan = Scan(std::vector<std::string>{dir.path()}, options);
  ASSERT_TRUE(scan.has_value()) << scan.error().ToString();
  ASSERT_EQ(scan->files.size(), 3u);
  uint64_t bytes = 0;
  for (const FileRecord& f : scan->files) {
    EXPECT_EQ(f.kind, MediaKind::kVideo);
    EXPECT_EQ(f.frame_count, 6u);
    bytes += f.size;
  }
  EXPECT_EQ(bytes, info->bytes);
  EXPECT_TRUE(fs::exists(dir.Join("clip_0001.mp4")));
  EXPECT_TRUE(fs::exists(dir.Join("clip_0003.mp4")));
  // Each from its own seed: no two alike.
  EXPECT_NE(ingest::testing::ReadFile(dir.Join("clip_0001.mp4")),
            ingest::testing::ReadFile(dir.Join("clip_0002.mp4")));
  EXPECT_EQ(*ParseProfile("videos"), Profile::kVideos);
}

class TasksBenchTest : public ingest::testing::ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    StartServer([](server::ServerOptions& o) {
      o.build_delay_seconds = 0.2;
      o.build_workers = 2;
    });
    CorpusSpec spec;
    spec.profile = Profile::kSmall;
    spec.files = 30;
    spec.size = 4096;
    Result<CorpusInfo> info = GenerateCorpus(work_.Join("corpus"), spec, nullptr, nullptr);
    ASSERT_TRUE(info.has_value()) << info.error().ToString();
    corpus_bytes_ = info->bytes;
    options_.sources = {work_.Join("corpus")};
    options_.task_per = upload::TaskPer::kNone;
    options_.split_every = 10;  // 3 tasks
    options_.work_dir = work_.Join("work");
    fs::create_directories(options_.work_dir);
    target_.url = server_->url();
    target_.headers = {std::string("Authorization: Token ") + kToken};
  }

  int64_t TaskCount() {
    ingest::testing::HttpReply r = Get("/api/tasks");
    EXPECT_EQ(r.status, 200);
    simdjson::dom::parser parser;
    return parser.parse(r.body).get_object()["count"].get_int64().value_unsafe();
  }

  ScopedTempDir work_;
  uint64_t corpus_bytes_ = 0;
  TasksBenchOptions options_;
  Target target_;
};

TEST_F(TasksBenchTest, EveryKRunsEveryTaskAndTheFiguresAddUp) {
  options_.parallel_tasks = {1, 3};
  options_.repeat = 2;
  std::vector<std::string> started;
  TasksEvents events;
  events.on_run_start = [&](int run, int runs, int k) {
    started.push_back(std::to_string(run) + "/" + std::to_string(runs) + ":" + std::to_string(k));
  };
  upload::TransferCounters counters;
  std::vector<TasksRunResult> runs = RunTasksBench(options_, target_, events, &counters, nullptr);
  // Round by round: K=1, K=3, then again.
  EXPECT_EQ(started, (std::vector<std::string>{"1/4:1", "2/4:3", "3/4:1", "4/4:3"}));
  ASSERT_EQ(runs.size(), 4u);
  for (const TasksRunResult& r : runs) {
    SCOPED_TRACE("K=" + std::to_string(r.parallel_tasks));
    ASSERT_TRUE(r.status.ok()) << r.status.ToString();
    EXPECT_EQ(r.tasks, 3u);
    EXPECT_EQ(r.done, 3u);
    EXPECT_EQ(r.failed, 0u);
    EXPECT_EQ(r.frames, 30u);
    EXPECT_EQ(r.bytes, corpus_bytes_);
    EXPECT_GT(r.seconds, 0);
    // Each of the 3 builds was held 200 ms from the moment the server took the finish (the
    // client hears of it a round trip later, hence the margin), and none outlasts the run.
    EXPECT_GE(r.build_seconds, 3 * 0.15);
    EXPECT_GE(r.max_build_seconds, 0.15);
    EXPECT_LE(r.max_build_seconds, r.seconds);
    EXPECT_NEAR(r.TasksPerSecond(), 3 / r.seconds, 1e-9);
  }
  // The tasks were deleted after each run.
  EXPECT_EQ(TaskCount(), 0);

  std::vector<TasksSummary> summary = SummarizeTasks(options_.parallel_tasks, runs);
  ASSERT_EQ(summary.size(), 2u);
  for (const TasksSummary& s : summary) {
    EXPECT_EQ(s.completed, 2u);
    EXPECT_EQ(s.seconds.count, 2u);
    EXPECT_LE(s.seconds.min, s.seconds.median);
    EXPECT_LE(s.seconds.median, s.seconds.max);
  }
  EXPECT_EQ(summary[0].parallel_tasks, 1);
  EXPECT_EQ(summary[1].parallel_tasks, 3);

  BenchRecord rec;
  rec.environment = CurrentEnvironment("test");
  rec.task_runs = runs;
  rec.task_summary = summary;
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(BenchJson(rec));
  EXPECT_EQ(std::string_view(doc["kind"].get_string().value_unsafe()), "tasks");
  EXPECT_EQ(doc["runs"].get_array().size(), 4u);
  EXPECT_EQ(doc["runs"].at(1)["parallel_tasks"].get_int64().value_unsafe(), 3);
  EXPECT_EQ(doc["runs"].at(1)["done"].get_uint64().value_unsafe(), 3u);
  EXPECT_EQ(doc["points"].at(0)["seconds"]["n"].get_uint64().value_unsafe(), 2u);
}

TEST_F(TasksBenchTest, AFailedTaskFailsTheRunAndSaysWhich) {
  StartServer([](server::ServerOptions& o) { o.faults = "fail-build=2"; });
  target_.url = server_->url();
  options_.parallel_tasks = {1};
  upload::TransferCounters counters;
  std::vector<TasksRunResult> runs = RunTasksBench(options_, target_, {}, &counters, nullptr);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_FALSE(runs[0].status.ok());
  EXPECT_EQ(runs[0].failed, 1u);
  EXPECT_EQ(runs[0].done, 2u);
  EXPECT_NE(runs[0].status.message().find("task '"), std::string::npos)
      << runs[0].status.ToString();
  std::vector<TasksSummary> summary = SummarizeTasks({1}, runs);
  EXPECT_EQ(summary[0].completed, 0u);  // a failed run does not count in the medians
}

}  // namespace
}  // namespace ingest::bench
