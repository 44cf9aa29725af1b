// Runs of many tasks against the local receiver (in process, 127.0.0.1, a port the OS picks):
// every unit ends with exactly one task holding its files, byte-identical, in the planned
// order; a failed unit fails alone and a rerun completes it.
#include "upload/upload_run.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <mutex>

#include "tests/testing/http_client.h"
#include "tests/testing/image_writer.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/video_writer.h"
#include "tests/upload/job_fixture.h"
#include "upload/cvat_api.h"
#include "upload/http_client.h"

namespace ingest::upload {
namespace {

namespace fs = std::filesystem;
using ingest::testing::ReadFile;
using ingest::testing::WriteFile;

class UploadRunTest : public ingest::testing::ServerTest {
 protected:
  UploadJob MakeJob(const std::string& name_template) {
    UploadJob job =
        testing::BaseJob(server_->url(), kToken, {work_.Join("src")}, name_template, work_.Join("tmp"));
    job.journal_path = work_.Join("journals/run.journal");
    return job;
  }

  RunOutcome RunAll(const UploadJob& job, TaskPer per, int parallel,
                    std::vector<std::string>* events = nullptr) {
    RunOptions o;
    o.units.per = per;
    o.parallel_tasks = parallel;
    RunEvents ev;
    std::mutex mu;
    ev.on_task = [&](const UnitReport& r, std::string_view e) {
      std::lock_guard lock(mu);
      if (events) events->push_back(r.name + ":" + std::string(e));
    };
    return RunUploadRun(job, o, ev, nullptr, nullptr);
  }

  std::map<std::string, std::string> Stored(int64_t task) {
    return ingest::testing::StoredTaskFiles(data_dir_, task);
  }

  // Tasks on the server named `name`.
  std::vector<TaskInfo> TasksNamed(const std::string& name) {
    HttpClient http({}, {std::string("Authorization: Token ") + kToken});
    CvatApi api(server_->url(), &http);
    Result<std::vector<TaskInfo>> tasks = api.FindTasks(name);
    EXPECT_TRUE(tasks.has_value()) << tasks.error().ToString();
    return tasks.has_value() ? *tasks : std::vector<TaskInfo>{};
  }

  // Four folders of images (base names repeat across folders) and two videos; returns each
  // folder's files (name -> bytes).
  std::map<std::string, std::map<std::string, std::string>> MakeTree() {
    std::map<std::string, std::map<std::string, std::string>> folders;
    for (int d = 0; d < 4; ++d) {
      std::string folder = "cams/cam" + std::to_string(d + 1);
      for (int i = 0; i <= d; ++i) {
        std::string name = "000" + std::to_string(i) + (i % 2 ? ".jpg" : ".png");
        std::string bytes = i % 2 ? ingest::testing::WriteJpeg(16, 8 + d)
                                  : ingest::testing::WritePng(8 + i, 6 + d);
        folders[folder][name] = bytes;
        WriteFile(work_.Join("src/" + folder + "/" + name), bytes);
      }
    }
    fs::create_directories(work_.Join("src/clips"));
    EXPECT_TRUE(ingest::testing::WriteVideo(work_.Join("src/clips/a.mp4"), {.frames = 12}));
    EXPECT_TRUE(ingest::testing::WriteVideo(work_.Join("src/clips/b.mp4"), {.frames = 8}));
    WriteFile(work_.Join("src/README.txt"), "not media");
    return folders;
  }

  // The task's frame names from data/meta, in frame order.
  std::vector<std::string> MetaNames(int64_t task) {
    ingest::testing::HttpReply meta = Get("/api/tasks/" + std::to_string(task) + "/data/meta");
    EXPECT_EQ(meta.status, 200) << meta.body;
    std::vector<std::string> names;
    for (size_t at = 0; (at = meta.body.find("\"name\":\"", at)) != std::string::npos;) {
      at += 8;
      names.push_back(meta.body.substr(at, meta.body.find('"', at) - at));
    }
    return names;
  }

  ingest::testing::ScopedTempDir work_;
};

TEST_F(UploadRunTest, OneTaskPerFolderAndPerVideoEachIntactInPlanOrder) {
  auto folders = MakeTree();
  std::vector<std::string> events;
  RunOutcome out = RunAll(MakeJob("run {name}"), TaskPer::kFolder, 3, &events);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  ASSERT_EQ(out.units.size(), 6u);
  std::vector<std::string> names;
  for (const UnitReport& r : out.units) names.push_back(r.name);
  EXPECT_EQ(names, (std::vector<std::string>{"run cams/cam1", "run cams/cam2", "run cams/cam3",
                                             "run cams/cam4", "run a", "run b"}));
  int64_t last_id = 0;
  for (const UnitReport& r : out.units) {
    ASSERT_EQ(r.state, UnitReport::State::kDone) << r.name << ": " << r.error.ToString();
    EXPECT_TRUE(r.order_ok) << r.name;
    EXPECT_GT(r.task_id, last_id) << "tasks are created in plan order";
    last_id = r.task_id;
    std::vector<TaskInfo> same = TasksNamed(r.name);
    ASSERT_EQ(same.size(), 1u) << r.name;
    EXPECT_EQ(same[0].id, r.task_id);
  }
  for (int d = 0; d < 4; ++d) {
    const UnitReport& r = out.units[d];
    const auto& want = folders["cams/cam" + std::to_string(d + 1)];
    EXPECT_EQ(r.frames, static_cast<int64_t>(want.size()));
    EXPECT_EQ(Stored(r.task_id), want) << r.name;
  }
  EXPECT_EQ(out.units[4].frames, 12);  // the server's count
  EXPECT_EQ(out.units[5].frames, 8);
  EXPECT_EQ(Stored(out.units[4].task_id).at("a.mp4"), ReadFile(work_.Join("src/clips/a.mp4")));
  // Every unit went through created, uploading, finishing and ready.
  for (const std::string& name : names) {
    for (const char* e : {"created", "uploading", "finishing", "ready"}) {
      EXPECT_NE(std::find(events.begin(), events.end(), name + ":" + e), events.end())
          << name << " " << e;
    }
  }
}

TEST_F(UploadRunTest, AFailedBuildFailsThatTaskAloneAndTheRerunCompletesIt) {
  StartServer([](server::ServerOptions& o) { o.faults = "fail-build=3"; });
  MakeTree();
  UploadJob job = MakeJob("{name}");
  RunOutcome first = RunAll(job, TaskPer::kFolder, 2);
  ASSERT_TRUE(first.status.ok()) << first.status.ToString();
  size_t failed = 0;
  std::string failed_name;
  for (const UnitReport& r : first.units) {
    if (r.state == UnitReport::State::kFailed) {
      ++failed;
      failed_name = r.name;
      EXPECT_NE(r.error.message().find("fail-build"), std::string::npos) << r.error.ToString();
      EXPECT_NE(r.error.message().find("was deleted"), std::string::npos) << r.error.ToString();
    } else {
      EXPECT_EQ(r.state, UnitReport::State::kDone) << r.name << ": " << r.error.ToString();
    }
  }
  ASSERT_EQ(failed, 1u);
  EXPECT_TRUE(TasksNamed(failed_name).empty()) << "the failed task is deleted";

  RunOutcome second = RunAll(job, TaskPer::kFolder, 2);
  ASSERT_TRUE(second.status.ok()) << second.status.ToString();
  for (const UnitReport& r : second.units) {
    if (r.name == failed_name) {
      EXPECT_EQ(r.state, UnitReport::State::kDone) << r.error.ToString();
    } else {
      EXPECT_EQ(r.state, UnitReport::State::kSkipped) << r.name << ": done in the first run";
    }
    std::vector<TaskInfo> same = TasksNamed(r.name);
    ASSERT_EQ(same.size(), 1u) << r.name;
    EXPECT_GT(same[0].size, 0) << r.name;
  }
}

TEST_F(UploadRunTest, SkipExistingMakesNoDuplicatesWithoutAJournal) {
  MakeTree();
  fs::remove_all(work_.Join("src/cams"));  // their base names clash in one task
  WriteFile(work_.Join("src/x.png"), ingest::testing::WritePng(5, 5));
  WriteFile(work_.Join("src/y.png"), ingest::testing::WritePng(6, 5));
  UploadJob job = MakeJob("{name}");
  job.journal_path.clear();
  RunOutcome first = RunAll(job, TaskPer::kVideo, 2);
  ASSERT_TRUE(first.status.ok()) << first.status.ToString();
  ASSERT_EQ(first.units.size(), 3u);  // the images, then a and b
  for (const UnitReport& r : first.units) EXPECT_EQ(r.state, UnitReport::State::kDone) << r.name;
  // A task of the first unit's name without data (a run that stopped after creating it).
  int64_t empty = CreateTask("a");
  ASSERT_TRUE(TasksNamed("a").size() == 2u);
  HttpClient http({}, {std::string("Authorization: Token ") + kToken});
  CvatApi api(server_->url(), &http);
  ASSERT_TRUE(api.DeleteTask(first.units[1].task_id).ok());  // "a" has only the empty one now

  job.skip_existing = true;
  RunOutcome second = RunAll(job, TaskPer::kVideo, 2);
  ASSERT_TRUE(second.status.ok()) << second.status.ToString();
  EXPECT_EQ(second.units[0].state, UnitReport::State::kSkipped);
  EXPECT_EQ(second.units[0].task_id, first.units[0].task_id);
  EXPECT_EQ(second.units[1].state, UnitReport::State::kDone) << second.units[1].error.ToString();
  EXPECT_EQ(second.units[1].task_id, empty) << "the empty task is used, not duplicated";
  EXPECT_EQ(second.units[2].state, UnitReport::State::kSkipped);
  for (const UnitReport& r : second.units) EXPECT_EQ(TasksNamed(r.name).size(), 1u) << r.name;
}

TEST_F(UploadRunTest, ManyVideosWithAServerThatBuildsSlowly) {
  StartServer([](server::ServerOptions& o) {
    o.build_delay_seconds = 0.2;
    o.build_workers = 4;
  });
  fs::create_directories(work_.Join("src"));
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(ingest::testing::WriteVideo(work_.Join("src/v" + std::to_string(i) + ".mp4"),
                                            {.frames = 5 + i}));
  }
  RunOutcome out = RunAll(MakeJob("clip {index} of {count}"), TaskPer::kVideo, 4);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  ASSERT_EQ(out.units.size(), 8u);
  for (size_t i = 0; i < 8; ++i) {
    EXPECT_EQ(out.units[i].name, "clip " + std::to_string(i + 1) + " of 8");
    EXPECT_EQ(out.units[i].state, UnitReport::State::kDone) << out.units[i].error.ToString();
    EXPECT_EQ(out.units[i].frames, static_cast<int64_t>(5 + i));
  }
}

// --split-every over a tree that packs (issue 14): the parts are cut in the final order, the
// packed zip's (relative paths in code-point order), not in base-name order; and every part
// of a packed unit is packed, so its frames keep their folders even where the part alone has
// no clashing names.
TEST_F(UploadRunTest, SplitEveryCutsAPackedTreeInThePackedOrder) {
  std::vector<std::string> all;
  for (int d = 1; d <= 2; ++d) {
    for (int i = 0; i < 4; ++i) {
      std::string rel = "cam" + std::to_string(d) + "/00000" + std::to_string(i) + ".png";
      WriteFile(work_.Join("src/" + rel), ingest::testing::WritePng(4 + i, 4 + d));
      all.push_back(rel);
    }
  }
  RunOptions o;
  o.units.split_every = 3;
  o.parallel_tasks = 2;
  RunOutcome out = RunUploadRun(MakeJob("part {part}"), o, {}, nullptr, nullptr);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  ASSERT_EQ(out.units.size(), 3u);
  std::vector<std::vector<std::string>> want = {
      {all[0], all[1], all[2]}, {all[3], all[4], all[5]}, {all[6], all[7]}};
  for (size_t p = 0; p < out.units.size(); ++p) {
    const UnitReport& r = out.units[p];
    ASSERT_EQ(r.state, UnitReport::State::kDone) << r.name << ": " << r.error.ToString();
    EXPECT_TRUE(r.order_ok) << r.name;
    EXPECT_EQ(MetaNames(r.task_id), want[p]) << r.name;
  }
}

}  // namespace
}  // namespace ingest::upload
