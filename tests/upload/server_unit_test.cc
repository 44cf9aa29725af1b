// The journal of a unit of files CVAT reads itself (upload/server_unit.h), against the
// receiver in process serving a share: a run interrupted at each point between creating the
// task and recording the data request's reply is finished by the same run again, into the
// same task, without a second task and without a second data request.
#include "upload/server_unit.h"

#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/testing/http_client.h"
#include "tests/testing/temp_dir.h"
#include "upload/journal.h"
#include "upload/server_run.h"
#include "upload/unit_pool.h"

namespace ingest::upload {
namespace {

constexpr char kRequest[] =
    R"({"image_quality":70,"sorting_method":"predefined","server_files":)"
    R"(["cams/c1/a.png","cams/c1/b.png"]})";

class ServerUnitTest : public ingest::testing::ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    const std::string share = dir_.Join("share");
    ingest::testing::WriteFile(share + "/cams/c1/a.png", ingest::testing::TinyPng(3, 2));
    ingest::testing::WriteFile(share + "/cams/c1/b.png", ingest::testing::TinyPng(4, 2));
    StartServer([share](server::ServerOptions& o) { o.share_dir = share; });
  }

  UploadJob Job() const {
    UploadJob job;
    job.server = server_->url();
    job.auth_headers = {std::string("Authorization: Token ") + kToken};
    job.task.name = "r {name}";
    job.task.labels_json = R"([{"name":"car"}])";
    job.journal_path = dir_.Join("state/run.journal");
    return job;
  }

  // Runs the run of one task per folder of cams/ (one folder: unit "r c1").
  RunOutcome Run() {
    ServerSources src;
    src.share = {"cams/"};
    src.client_orders = true;
    RunOptions options;
    options.units.per = TaskPer::kFolder;
    options.units.sorting = SortingMethod::kNatural;
    return RunServerSourceUnits(Job(), src, options, {}, nullptr).run;
  }

  // The journal a run interrupted in `state` leaves for unit "r c1" (task `task_id`, 0: none
  // recorded yet).
  void LeaveJournal(JobState state, int64_t task_id) {
    UploadJob job = Job();
    const std::string path = UnitJournalPath(RunJournalDir(job.journal_path), job, "r c1");
    JournalHeader h;
    h.server = job.server;
    h.task_json = R"({"name":"r c1","labels":[{"name":"car"}]})";
    h.finish_json = kRequest;
    h.task_id = task_id;
    h.state = state;
    h.frame_order = "cams/c1/a.png\ncams/c1/b.png\n";
    h.created_unix = std::time(nullptr);
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    Result<std::unique_ptr<Journal>> j = Journal::Create(path, h, std::vector<JournalFile>{});
    ASSERT_TRUE(j.has_value()) << j.error().ToString();
    ASSERT_TRUE((*j)->SetValue(kServerSourcesJournalKey, "1", kJournalFormatServerSources).ok());
  }

  int TaskCount() { return std::stoi(ingest::testing::JsonField(Get("/api/tasks").body, "count")); }

  void ExpectDoneInto(const RunOutcome& out, int64_t task_id) {
    ASSERT_TRUE(out.status.ok()) << out.status.ToString();
    ASSERT_EQ(out.units.size(), 1u);
    EXPECT_EQ(out.units[0].state, UnitReport::State::kDone) << out.units[0].error.ToString();
    EXPECT_EQ(out.units[0].task_id, task_id);
    EXPECT_EQ(out.units[0].frames, 2);
    EXPECT_EQ(TaskCount(), 1);
  }
};

TEST_F(ServerUnitTest, ARequestThatReachedTheServerIsNotSentAgain) {
  // Killed after the data request was sent, before its reply was recorded: the task was
  // built meanwhile. Sending the request again would fail (CVAT adds no data to a task).
  const int64_t id = CreateTask("r c1");
  ingest::testing::HttpReply sent = PostJson("/api/tasks/" + std::to_string(id) + "/data/", kRequest);
  ASSERT_EQ(sent.status, 202) << sent.body;
  ASSERT_EQ(ingest::testing::JsonField(WaitRequest(ingest::testing::JsonField(sent.body, "rq_id")).body,
                                       "status"),
            "finished");
  LeaveJournal(JobState::kFinishing, id);
  ExpectDoneInto(Run(), id);
}

TEST_F(ServerUnitTest, ARequestThatNeverArrivedIsSentToTheSameTask) {
  // Killed after recording the intent, before the request left: the server has none.
  const int64_t id = CreateTask("r c1");
  LeaveJournal(JobState::kFinishing, id);
  ExpectDoneInto(Run(), id);
}

TEST_F(ServerUnitTest, ATaskCreatedBeforeItsIdWasRecordedIsUsed) {
  // Killed after POST /api/tasks, before the journal recorded the new task's id.
  LeaveJournal(JobState::kCreating, 0);
  const int64_t id = CreateTask("r c1");
  ExpectDoneInto(Run(), id);
}

TEST_F(ServerUnitTest, AFinishedRunIsNotRunAgain) {
  RunOutcome first = Run();
  ASSERT_EQ(first.units.size(), 1u);
  ASSERT_EQ(first.units[0].state, UnitReport::State::kDone) << first.units[0].error.ToString();
  RunOutcome again = Run();
  ASSERT_EQ(again.units.size(), 1u);
  EXPECT_EQ(again.units[0].state, UnitReport::State::kSkipped);
  EXPECT_EQ(again.units[0].task_id, first.units[0].task_id);
  EXPECT_EQ(TaskCount(), 1);
}

TEST_F(ServerUnitTest, ManyTasksInFlightAreMadeInPlanOrder) {
  const std::string share = dir_.Join("share");
  for (int c = 2; c <= 6; ++c) {
    ingest::testing::WriteFile(share + "/cams/c" + std::to_string(c) + "/a.png",
                               ingest::testing::TinyPng(2, 2));
  }
  StartServer([share](server::ServerOptions& o) {
    o.share_dir = share;
    o.build_delay_seconds = 0.2;
    o.build_workers = 3;
  });
  ServerSources src;
  src.share = {"cams/"};
  src.client_orders = true;
  RunOptions options;
  options.units.per = TaskPer::kFolder;
  options.parallel_tasks = 3;
  RunOutcome out = RunServerSourceUnits(Job(), src, options, {}, nullptr).run;
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  ASSERT_EQ(out.units.size(), 6u);
  for (size_t i = 0; i < out.units.size(); ++i) {
    EXPECT_EQ(out.units[i].name, "r c" + std::to_string(i + 1));
    EXPECT_EQ(out.units[i].state, UnitReport::State::kDone) << out.units[i].error.ToString();
    if (i > 0) {
      EXPECT_GT(out.units[i].task_id, out.units[i - 1].task_id);  // made in plan order
    }
  }
  EXPECT_EQ(TaskCount(), 6);
}

}  // namespace
}  // namespace ingest::upload
