// Integration tests of whole uploads against the local receiver (server/, in process, on
// 127.0.0.1 and a port the OS picks): what arrives must be byte-identical to the sources, in
// the planned frame order, with nothing duplicated, whatever faults the receiver injects.
#include "upload/upload_job.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <functional>
#include <iostream>
#include <thread>
#include <map>
#include <memory>
#include <mutex>

#include "engine/hasher.h"
#include "tests/testing/archive_writer.h"
#include "tests/testing/http_client.h"
#include "tests/testing/image_writer.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/video_writer.h"
#include "tests/upload/job_fixture.h"

namespace ingest::upload {
namespace {

namespace fs = std::filesystem;
using ingest::testing::ReadFile;
using ingest::testing::WriteFile;

class UploadJobTest : public ingest::testing::ServerTest {
 protected:
  UploadJob MakeJob(std::vector<std::string> sources, const std::string& name = "t") {
    UploadJob job = testing::BaseJob(server_->url(), kToken, std::move(sources), name, work_.Join("tmp"));
    job.transfer.retries = 8;
    return job;
  }

  UploadOutcome Run(const UploadJob& job) {
    UploadOutcome out = RunUploadJob(job, {}, nullptr, nullptr);
    for (const FileFailure& f : out.failures) std::cerr << "failure: " << f.status.ToString() << "\n";
    for (const Refusal& r : out.refusals) std::cerr << "refusal: " << r.path << ": " << r.reason << "\n";
    return out;
  }

  std::map<std::string, std::string> Stored(int64_t task) {
    return ingest::testing::StoredTaskFiles(data_dir_, task);
  }

  // A corpus: `small` PNGs/JPEGs in two folders and `large` noisy PNGs of a few MiB.
  std::map<std::string, std::string> MakeCorpus(const std::string& root, int small, int large) {
    std::map<std::string, std::string> files;
    for (int i = 0; i < small; ++i) {
      std::string name = "img_" + std::to_string(i) + (i % 3 ? ".png" : ".jpg");
      std::string bytes = i % 3 ? ingest::testing::WritePng(8 + i, 6)
                                : ingest::testing::WriteJpeg(16, 8 + i);
      files[name] = bytes;
      WriteFile(root + "/" + (i % 2 ? "a/" : "b/") + name, bytes);
    }
    for (int i = 0; i < large; ++i) {
      std::string name = "big_" + std::to_string(i) + ".png";
      std::string bytes = ingest::testing::WritePng(900 + i, 900, {.noise = true});
      files[name] = bytes;
      WriteFile(root + "/big/" + name, bytes);
    }
    return files;
  }

  void ExpectIntact(const UploadOutcome& out, const std::map<std::string, std::string>& want) {
    ASSERT_TRUE(out.status.ok()) << out.status.ToString();
    ASSERT_TRUE(out.task_id.has_value());
    EXPECT_TRUE(out.order.ok()) << out.order.ToString();
    EXPECT_EQ(out.task.size, static_cast<int64_t>(want.size()));
    std::map<std::string, std::string> got = Stored(*out.task_id);
    ASSERT_EQ(got.size(), want.size());
    for (const auto& [name, bytes] : want) {
      auto it = got.find(name);
      ASSERT_NE(it, got.end()) << name << " is missing";
      EXPECT_EQ(HashBytes(it->second.data(), it->second.size()),
                HashBytes(bytes.data(), bytes.size()))
          << name << " differs (" << it->second.size() << " bytes stored, " << bytes.size()
          << " sent)";
    }
  }

  ingest::testing::ScopedTempDir work_;
};

// Runs `job` and cancels it once `stop_when(counters)` holds, or, without `stop_when`, as
// the transfer starts (before any byte); the run must end cancelled.
void Interrupt(const UploadJob& job,
               const std::function<bool(const TransferCounters&)>& stop_when = {}) {
  TransferCounters counters;
  std::atomic<bool> cancel{false};
  UploadEvents events;
  if (!stop_when) events.on_transfer_start = [&] { cancel = true; };
  std::jthread watcher([&](std::stop_token stop) {
    if (!stop_when) return;
    while (!stop.stop_requested() && !stop_when(counters)) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    cancel = true;
  });
  UploadOutcome first = RunUploadJob(job, events, &counters, &cancel);
  watcher.request_stop();
  ASSERT_EQ(first.status.code(), Status::Code::kCancelled) << first.status.ToString();
}

std::function<bool(const TransferCounters&)> FilesDone(uint64_t n) {
  return [n](const TransferCounters& c) { return c.files_done.load() >= n; };
}

void SetMtime(const std::string& path, int64_t seconds_ahead) {
  fs::last_write_time(path, fs::last_write_time(path) + std::chrono::seconds(seconds_ahead));
}

// Real journals, damaged in the ways a crash, a disk or a user can damage them: each is
// refused with the file named, and nothing is sent.
TEST_F(UploadJobTest, SmallFilesInBatchesAndLargeOnesThroughTusArriveIntact) {
  auto files = MakeCorpus(work_.Join("src"), 40, 3);
  UploadJob job = MakeJob({work_.Join("src")});
  job.plan.tus_threshold = 1 << 20;
  job.plan.batch_bytes = 4 << 10;  // several batches
  job.transfer.tus_chunk = 1 << 20;  // several PATCHes per large file
  UploadOutcome out = Run(job);
  ExpectIntact(out, files);
  size_t tus = 0;
  for (const PlannedFile& f : out.plan->files) tus += f.route == Route::kTus;
  EXPECT_EQ(tus, 3u);
  EXPECT_GT(out.plan->batches.size(), 2u);
}

TEST_F(UploadJobTest, EachSortingMethodGivesTheServerOurOrder) {
  std::string src = work_.Join("src");
  std::string png = ingest::testing::WritePng(4, 4);
  for (const char* name : {"f_1.png", "f_10.png", "f_2.png", "F_3.png", "g.png", "f_100.png"}) {
    WriteFile(src + "/" + name, png);
  }
  for (const char* method : {"lexicographical", "natural", "random", "predefined"}) {
    for (const char* manifest : {"auto", "none"}) {
      UploadJob job = MakeJob({src}, std::string(method) + "-" + manifest);
      job.plan.sorting = *ParseSortingMethod(method);
      job.plan.seed = 11;
      job.manifest_mode = manifest;
      UploadOutcome out = Run(job);
      ASSERT_TRUE(out.status.ok()) << method << " " << manifest << ": " << out.status.ToString();
      EXPECT_TRUE(out.order.ok()) << method << " " << manifest << ": " << out.order.ToString();
      EXPECT_EQ(out.task.size, 6);
      if (std::string(method) == "natural") {
        EXPECT_EQ(out.plan->frame_order,
                  (std::vector<std::string_view>{"f_1.png", "f_2.png", "F_3.png", "f_10.png",
                                            "f_100.png", "g.png"}));
      }
    }
  }
}

TEST_F(UploadJobTest, UnicodeAndAwkwardNames) {
  std::string src = work_.Join("src");
  std::map<std::string, std::string> files;
  std::string png = ingest::testing::WritePng(3, 3);
  for (const char* name : {"caf\xC3\xA9.png", "\xE6\x97\xA5\xE6\x9C\xAC.png",
                           "emoji \xF0\x9F\x98\x80.png", "semi;colon.png", "amp&amp;.png",
                           "nbsp\xC2\xA0.png", "quote\"d.png", "back\\slash.png",
                           "tab\there.png"}) {
    files[name] = png + name;  // distinct bytes
    WriteFile(src + "/" + name, files[name]);
  }
  UploadJob job = MakeJob({src});
  ExpectIntact(Run(job), files);
}

TEST_F(UploadJobTest, OneVideoBecomesOneTaskWithItsFrames) {
  std::string video = work_.Join("src/clip.mp4");
  fs::create_directories(work_.Join("src"));
  ASSERT_TRUE(ingest::testing::WriteVideo(video, {.width = 64, .height = 48, .frames = 12}));
  UploadJob job = MakeJob({video});
  job.plan.tus_threshold = 1024;  // through TUS, in several PATCHes
  UploadOutcome out = Run(job);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.plan->kind, TaskKind::kVideo);
  EXPECT_EQ(out.task.size, 12);
  EXPECT_EQ(ReadFile(data_dir_ + "/tasks/" + std::to_string(*out.task_id) + "/raw/clip.mp4"),
            ReadFile(video));
}

TEST_F(UploadJobTest, ArchiveGoesUpWholeWithAManifestOfItsMembers) {
  std::string zip = work_.Join("data.zip");
  std::string png = ingest::testing::WritePng(5, 4);
  ingest::testing::WriteArchive(zip, ingest::testing::ArchiveFormat::kZip,
                                {{"x/img_2.png", png}, {"x/img_10.png", png}, {"img_1.png", png}});
  UploadJob job = MakeJob({zip});
  job.plan.sorting = SortingMethod::kNatural;
  UploadOutcome out = Run(job);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.plan->kind, TaskKind::kArchive);
  EXPECT_EQ(out.plan->frame_order,
            (std::vector<std::string_view>{"img_1.png", "x/img_2.png", "x/img_10.png"}));
  EXPECT_EQ(out.task.size, 3);
  EXPECT_TRUE(out.order.ok()) << out.order.ToString();
  std::string stored = ReadFile(data_dir_ + "/tasks/" + std::to_string(*out.task_id) + "/raw/data.zip");
  EXPECT_EQ(stored, ReadFile(zip));
}

TEST_F(UploadJobTest, RefusalsComeBeforeAnyByteAndCreateNoTask) {
  std::string png = ingest::testing::WritePng(2, 2);
  std::string video_dir = work_.Join("refuse_mixed");
  fs::create_directories(video_dir);
  ASSERT_TRUE(ingest::testing::WriteVideo(video_dir + "/v.mp4", {}));
  struct Case {
    const char* what;
    std::vector<std::pair<std::string, std::string>> files;
    const char* reason;
  } cases[] = {
      {"empty", {{"a.png", png}, {"empty.png", ""}}, "empty"},
      {"duplicate", {{"a/x.png", png}, {"b/x.png", png}}, "base names"},
      {"mixed", {{"a.png", png}}, "exactly one video"},
      {"broken", {{"a.png", png}, {"broken.png", "not a png"}}, "broken.png"},
  };
  for (const Case& c : cases) {
    std::string src = work_.Join(std::string("refuse_") + c.what);
    for (const auto& [name, bytes] : c.files) WriteFile(src + "/" + name, bytes);
    UploadJob job = MakeJob({src}, c.what);
    job.plan.pack = PackMode::kNone;  // else clashing base names go up packed in a zip
    UploadOutcome out = Run(job);
    EXPECT_FALSE(out.status.ok()) << c.what;
    EXPECT_FALSE(out.task_id.has_value()) << c.what;
    std::string said = out.status.message();
    for (const Refusal& r : out.refusals) said += "\n" + r.path + ": " + r.reason;
    for (const ScanProblem& p : out.scan_errors) said += "\n" + p.status.message();
    EXPECT_NE(said.find(c.reason), std::string::npos) << c.what << ": " << said;
  }
  ingest::testing::HttpReply tasks = Get("/api/tasks");
  EXPECT_EQ(ingest::testing::JsonField(tasks.body, "count"), "0") << tasks.body;
}

// The server's Tus-Max-Size is learned from the run's own task right after it exists, never
// from a task the run neither created nor was given (on CVAT, OPTIONS on /data/ makes the
// Data row of a task that has none): a file over it deletes the new task again.
TEST_F(UploadJobTest, TheServersSizeLimitIsLearnedFromTheRunsOwnTask) {
  struct Log {
    std::mutex mu;
    std::vector<std::string> lines;
  };
  auto log = std::make_shared<Log>();
  StartServer([log](server::ServerOptions& o) {
    o.max_file_size = 4000;
    o.on_request = [log](std::string_view line) {
      std::lock_guard lock(log->mu);
      log->lines.emplace_back(line);
    };
  });
  const std::string other = std::to_string(CreateTask("someone else's"));
  WriteFile(work_.Join("src/small.png"), ingest::testing::WritePng(4, 4));
  WriteFile(work_.Join("src/big.png"), ingest::testing::WritePng(300, 300, {.noise = true}));
  UploadOutcome out = Run(MakeJob({work_.Join("src")}));
  std::vector<std::string> run_requests;
  {
    std::lock_guard lock(log->mu);
    run_requests = log->lines;
  }
  ASSERT_FALSE(out.status.ok());
  EXPECT_NE(out.status.message().find("4000"), std::string::npos) << out.status.message();
  EXPECT_NE(out.status.message().find("deleted"), std::string::npos) << out.status.message();
  ASSERT_EQ(out.refusals.size(), 1u);
  EXPECT_NE(out.refusals[0].path.find("big.png"), std::string::npos);
  EXPECT_NE(out.refusals[0].reason.find("4000"), std::string::npos) << out.refusals[0].reason;
  // Only the other task is left, and nothing of the run touched it.
  EXPECT_EQ(ingest::testing::JsonField(Get("/api/tasks").body, "count"), "1");
  EXPECT_EQ(ingest::testing::JsonField(Get("/api/tasks/" + other).body, "data"), "null");
  bool options_seen = false;
  for (const std::string& line : run_requests) {
    std::string path = line.substr(line.find(' ') + 1);
    EXPECT_FALSE(path == "/api/tasks/" + other || path.starts_with("/api/tasks/" + other + "/") ||
                 path.starts_with("/api/tasks/" + other + "?"))
        << line;
    options_seen |= line.starts_with("OPTIONS ");
  }
  EXPECT_TRUE(options_seen);  // the limit was asked, of the run's own task
}

// CVAT before 2.16.0 answers Upload-Finish without an rq_id: the task's status is polled.
TEST_F(UploadJobTest, ACvatBeforeTheRequestsApiIsPolledThroughTheTaskStatus) {
  StartServer([](server::ServerOptions& o) { o.cvat_version = "2.10.0"; });
  auto files = MakeCorpus(work_.Join("src"), 5, 0);
  UploadOutcome out = Run(MakeJob({work_.Join("src")}));
  ExpectIntact(out, files);
}

// From 2.4.6 until kCvatManifestAnySorting CVAT takes an uploaded manifest only with use_cache
// or predefined sorting: a lexicographical run (loose or packed) sends predefined, in the same
// order, so it needs no use_cache there (nor on later releases, which take either).
TEST_F(UploadJobTest, AManifestGoesWithPredefinedSortingOnEveryVersion) {
  for (const char* version : {"2.4.6", "2.19.9", "2.20.0"}) {
    StartServer([&](server::ServerOptions& o) { o.cvat_version = version; });
    std::string src = work_.Join(std::string("src-") + version);
    std::string png = ingest::testing::WritePng(4, 4);
    for (const char* name : {"b/f_10.png", "a/f_2.png", "a/f_1.png"})
      WriteFile(src + "/" + name, png);
    for (PackMode pack : {PackMode::kNone, PackMode::kZip}) {
      UploadJob job = MakeJob({src}, std::string("lex-") + version);
      job.plan.sorting = SortingMethod::kLexicographical;
      job.plan.pack = pack;
      job.manifest_mode = "auto";
      UploadOutcome out = Run(job);
      ASSERT_TRUE(out.status.ok()) << version << ": " << out.status.ToString();
      EXPECT_TRUE(out.order.ok()) << version << ": " << out.order.ToString();
      EXPECT_EQ(out.task.size, 3);
      EXPECT_EQ(out.plan->sorting_method, "predefined") << version;
    }
  }
}

// CVAT before 2.4.6 has no upload_file_order: refused before anything is created.
TEST_F(UploadJobTest, ACvatBeforeUploadFileOrderIsRefusedClearly) {
  StartServer([](server::ServerOptions& o) { o.cvat_version = "2.4.5"; });
  MakeCorpus(work_.Join("src"), 2, 0);
  UploadOutcome out = Run(MakeJob({work_.Join("src")}));
  ASSERT_FALSE(out.status.ok());
  EXPECT_NE(out.status.message().find("CVAT 2.4.5"), std::string::npos) << out.status.message();
  EXPECT_NE(out.status.message().find("2.4.6 or later"), std::string::npos);
  EXPECT_EQ(ingest::testing::JsonField(Get("/api/tasks").body, "count"), "0");
}

TEST_F(UploadJobTest, IntoAnExistingEmptyTask) {
  auto files = MakeCorpus(work_.Join("src"), 5, 0);
  int64_t task = CreateTask("existing");
  UploadJob job = MakeJob({work_.Join("src")});
  job.task_id = task;
  UploadOutcome out = Run(job);
  ExpectIntact(out, files);
  EXPECT_EQ(*out.task_id, task);
  // A second upload into it is refused: CVAT does not add data to a task.
  UploadOutcome again = Run(job);
  EXPECT_FALSE(again.status.ok());
  EXPECT_NE(again.status.message().find("already has data"), std::string::npos);
}

TEST_F(UploadJobTest, BadCredentialsSayWhatToCheck) {
  auto files = MakeCorpus(work_.Join("src"), 2, 0);
  UploadJob job = MakeJob({work_.Join("src")});
  job.auth_headers = {"Authorization: Bearer wrong-token"};
  UploadOutcome out = Run(job);
  ASSERT_FALSE(out.status.ok());
  EXPECT_NE(out.status.message().find("401"), std::string::npos) << out.status.message();
  EXPECT_NE(out.status.message().find("CVAT_ACCESS_TOKEN"), std::string::npos);
  EXPECT_EQ(out.status.message().find("wrong-token"), std::string::npos);  // never echoed
}

// Interrupted at several points (cancelled from another thread once a number of files are
// done), then resumed from the journal: everything arrives once, byte for byte, in order.
TEST_F(UploadJobTest, InterruptedUploadsResumeFromTheJournal) {
  auto files = MakeCorpus(work_.Join("src"), 60, 3);
  int interrupted = 0;
  for (uint64_t stop_after : {0u, 5u, 30u, 61u}) {
    std::string journal = work_.Join("journal-" + std::to_string(stop_after));
    UploadJob job = MakeJob({work_.Join("src")}, "resume-" + std::to_string(stop_after));
    job.journal_path = journal;
    job.plan.sorting = SortingMethod::kNatural;
    job.plan.tus_threshold = 1 << 20;
    job.plan.batch_bytes = 4 << 10;
    job.transfer.tus_chunk = 1 << 20;
    job.transfer.connections = 2;
    TransferCounters counters;
    std::atomic<bool> cancel{false};
    std::jthread watcher([&](std::stop_token stop) {
      while (!stop.stop_requested() &&
             (counters.files_done.load() < stop_after || !fs::exists(journal))) {
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
      cancel = true;
    });
    UploadOutcome first = RunUploadJob(job, {}, &counters, &cancel);
    watcher.request_stop();
    watcher.join();
    if (first.status.ok()) continue;  // finished before the stop came: nothing to resume
    ++interrupted;
    EXPECT_EQ(first.status.code(), Status::Code::kCancelled) << first.status.ToString();
    UploadJob again = MakeJob({});
    UploadOutcome second = ResumeUploadJob(journal, again, {}, nullptr, nullptr);
    ExpectIntact(second, files);
    // Done is done: a third run only confirms.
    UploadOutcome third = ResumeUploadJob(journal, again, {}, nullptr, nullptr);
    EXPECT_TRUE(third.status.ok()) << third.status.ToString();
    EXPECT_EQ(third.task_id, second.task_id);
  }
  EXPECT_GE(interrupted, 2);
}

// The receiver stops and comes back on the same port and data directory mid-upload: the
// client rides it out with retries (TUS uploads resume at the persisted offsets).
TEST_F(UploadJobTest, ReceiverRestartMidUploadIsRiddenOut) {
  auto files = MakeCorpus(work_.Join("src"), 40, 3);
  UploadJob job = MakeJob({work_.Join("src")});
  job.journal_path = work_.Join("journal");
  job.plan.tus_threshold = 1 << 20;
  job.plan.batch_bytes = 4 << 10;
  job.transfer.tus_chunk = 1 << 20;
  job.transfer.connections = 2;
  job.transfer.retries = 30;
  job.transfer.connection.limit_rate = 1 << 20;
  TransferCounters counters;
  UploadOutcome out;
  std::thread client([&] { out = RunUploadJob(job, {}, &counters, nullptr); });
  while (counters.bytes_sent.load() < (2u << 20)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  int port = server_->port();
  StopServer();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  StartServer([port](server::ServerOptions& o) { o.port = port; });
  client.join();
  ExpectIntact(out, files);
  EXPECT_GT(counters.retries.load(), 0u);
}

// Interrupted, then resumed against a receiver (restarted on the same port and data) that
// resets connections, answers 503 and reports wrong offsets: still intact, once, in order.
TEST_F(UploadJobTest, ResumeUnderNetworkFaults) {
  auto files = MakeCorpus(work_.Join("src"), 40, 3);
  UploadJob job = MakeJob({work_.Join("src")});
  job.journal_path = work_.Join("journal");
  job.plan.sorting = SortingMethod::kNatural;
  job.plan.tus_threshold = 1 << 20;
  job.plan.batch_bytes = 4 << 10;
  job.transfer.tus_chunk = 1 << 20;
  job.transfer.connection.limit_rate = 2 << 20;
  Interrupt(job, [](const TransferCounters& c) { return c.bytes_sent.load() >= (3u << 20); });
  int port = server_->port();
  StartServer([port](server::ServerOptions& o) {
    o.port = port;
    o.faults = "reset-after=200KiB@p=0.3,status=503@p=0.2,offset-409@p=0.2,seed=9";
  });
  UploadOutcome second = ResumeUploadJob(job.journal_path, MakeJob({}), {}, nullptr, nullptr);
  ExpectIntact(second, files);
  EXPECT_FALSE(server_->FaultLog().empty());
}

TEST_F(UploadJobTest, DamagedJournalsAreRefusedClearly) {
  std::string journal = work_.Join("j");
  WriteFile(journal, "this is not a journal");
  UploadOutcome out = ResumeUploadJob(journal, MakeJob({}), {}, nullptr, nullptr);
  EXPECT_EQ(out.status.code(), Status::Code::kCorruption) << out.status.ToString();
  EXPECT_NE(out.status.message().find(journal), std::string::npos);
  UploadOutcome missing = ResumeUploadJob(work_.Join("none"), MakeJob({}), {}, nullptr, nullptr);
  EXPECT_FALSE(missing.status.ok());
}

TEST_F(UploadJobTest, TruncatedForeignAndNewerJournalsAreRefused) {
  MakeCorpus(work_.Join("src"), 30, 0);
  UploadJob job = MakeJob({work_.Join("src")});
  job.journal_path = work_.Join("journal");
  Interrupt(job);
  auto copy = [&](const std::string& name) {
    std::string path = work_.Join(name);
    fs::copy_file(job.journal_path, path);
    return path;
  };
  std::string truncated = copy("truncated");
  fs::resize_file(truncated, fs::file_size(truncated) / 2);
  UploadOutcome t = ResumeUploadJob(truncated, MakeJob({}), {}, nullptr, nullptr);
  ASSERT_FALSE(t.status.ok());
  EXPECT_NE(t.status.message().find(truncated), std::string::npos) << t.status.ToString();

  std::string newer = copy("newer");
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(newer.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "UPDATE meta SET value='99' WHERE key='format'", nullptr, nullptr,
                           nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  UploadOutcome n = ResumeUploadJob(newer, MakeJob({}), {}, nullptr, nullptr);
  EXPECT_EQ(n.status.code(), Status::Code::kCorruption) << n.status.ToString();
  EXPECT_NE(n.status.message().find("format 99"), std::string::npos) << n.status.ToString();

  UploadJob elsewhere = MakeJob({});
  elsewhere.server = "http://127.0.0.1:1";
  UploadOutcome f = ResumeUploadJob(job.journal_path, elsewhere, {}, nullptr, nullptr);
  ASSERT_FALSE(f.status.ok());
  EXPECT_NE(f.status.message().find("is for " + server_->url()), std::string::npos)
      << f.status.ToString();
  ingest::testing::HttpReply tasks = Get("/api/tasks");
  EXPECT_EQ(ingest::testing::JsonField(tasks.body, "count"), "1");  // the interrupted one only
}

TEST_F(UploadJobTest, ChangedSourceStopsTheResume) {
  auto files = MakeCorpus(work_.Join("src"), 4, 0);
  UploadJob job = MakeJob({work_.Join("src")});
  job.journal_path = work_.Join("journal");
  Interrupt(job);
  WriteFile(work_.Join("src/a/img_1.png"), "changed");
  UploadOutcome second = ResumeUploadJob(job.journal_path, MakeJob({}), {}, nullptr, nullptr);
  ASSERT_FALSE(second.status.ok());
  EXPECT_NE(second.status.message().find("1 file changed"), std::string::npos)
      << second.status.ToString();
  EXPECT_NE(second.status.message().find("img_1.png"), std::string::npos);
  EXPECT_NE(second.status.message().find("--allow-changed"), std::string::npos);
  EXPECT_FALSE(second.task_id.has_value() && second.task.size > 0);
}

// Same size, new time, other bytes: the recorded XXH3 tells it changed. Same bytes, new
// time: only touched, the resume goes on.
TEST_F(UploadJobTest, TheRecordedHashTellsATouchedFileFromAChangedOne) {
  auto files = MakeCorpus(work_.Join("src"), 6, 0);
  UploadJob job = MakeJob({work_.Join("src")});
  job.journal_path = work_.Join("journal");
  Interrupt(job);
  std::string touched = work_.Join("src/b/img_0.jpg");
  SetMtime(touched, 5);
  std::string path = work_.Join("src/a/img_1.png");
  std::string flipped = files["img_1.png"];
  flipped[flipped.size() / 2] ^= 0x01;  // same size, other content
  WriteFile(path, flipped);
  SetMtime(path, 7);
  UploadOutcome stopped = ResumeUploadJob(job.journal_path, MakeJob({}), {}, nullptr, nullptr);
  ASSERT_FALSE(stopped.status.ok());
  EXPECT_NE(stopped.status.message().find("img_1.png"), std::string::npos)
      << stopped.status.ToString();
  EXPECT_EQ(stopped.status.message().find("img_0.jpg"), std::string::npos)
      << "a touched file is not a changed one: " << stopped.status.ToString();
  WriteFile(path, files["img_1.png"]);  // restored (with a new time): the resume goes on
  UploadOutcome resumed = ResumeUploadJob(job.journal_path, MakeJob({}), {}, nullptr, nullptr);
  ExpectIntact(resumed, files);
}

// A TUS upload stopped half way: the journal holds the XXH3 of what the server confirmed.
// Touching the file does not stop the resume; changing a byte the server already has does.
TEST_F(UploadJobTest, AHalfSentFileIsCheckedAgainstTheHashOfItsSentPart) {
  for (bool change : {false, true}) {
    std::string src = work_.Join(change ? "changed" : "touched");
    std::string path = src + "/big.png";
    std::string bytes = ingest::testing::WritePng(1000, 1000, {.noise = true});
    WriteFile(path, bytes);
    UploadJob job = MakeJob({src}, src);
    job.journal_path = src + ".journal";
    job.plan.tus_threshold = 1 << 20;
    job.transfer.tus_chunk = 256 << 10;
    job.transfer.connection.limit_rate = 2 << 20;
    Interrupt(job, [](const TransferCounters& c) { return c.bytes_done.load() >= (600u << 10); });
    if (change) bytes[1000] ^= 0x01;  // a byte the server already has
    WriteFile(path, bytes);
    SetMtime(path, 9);
    UploadOutcome resumed = ResumeUploadJob(job.journal_path, MakeJob({}), {}, nullptr, nullptr);
    if (change) {
      ASSERT_FALSE(resumed.status.ok());
      EXPECT_NE(resumed.status.message().find("big.png"), std::string::npos)
          << resumed.status.ToString();
    } else {
      ExpectIntact(resumed, {{"big.png", bytes}});
    }
  }
}

TEST_F(UploadJobTest, AllowChangedSendsChangedFilesAsTheyAreNow) {
  auto files = MakeCorpus(work_.Join("src"), 30, 2);
  UploadJob job = MakeJob({work_.Join("src")});
  job.journal_path = work_.Join("journal");
  job.plan.tus_threshold = 1 << 20;
  job.plan.batch_bytes = 2 << 10;
  job.transfer.tus_chunk = 256 << 10;
  job.transfer.connections = 1;
  job.transfer.connection.limit_rate = 4 << 20;  // a TUS upload is caught half way
  Interrupt(job, FilesDone(3));
  // Where the files stand, from the journal: a PNG the server has, a PNG it does not have
  // yet, and a big one not complete (half sent, or not started).
  std::string done, pending, big;
  {
    Result<std::unique_ptr<Journal>> journal = Journal::Open(job.journal_path);
    ASSERT_TRUE(static_cast<bool>(journal));
    Result<std::vector<JournalFile>> list = (*journal)->Files();
    ASSERT_TRUE(static_cast<bool>(list));
    for (const JournalFile& f : *list) {
      if (!f.name.ends_with(".png")) continue;
      if (f.name.starts_with("big")) {
        if (f.state != JournalFileState::kDone && (big.empty() || f.offset > 0)) big = f.path;
      } else if (f.state == JournalFileState::kDone) {
        done = f.path;
      } else if (f.state == JournalFileState::kPending) {
        pending = f.path;
      }
    }
  }
  ASSERT_FALSE(done.empty() || pending.empty() || big.empty());
  // Each rewritten with other pixels of the same size (its manifest line stays true).
  for (const std::string& path : {done, pending, big}) {
    std::string base = fs::path(path).filename().string();
    int i = std::atoi(base.c_str() + base.find('_') + 1);
    std::string now = base.starts_with("big")
                          ? ingest::testing::WritePng(900 + i, 900, {.noise = true, .seed = 99})
                          : ingest::testing::WritePng(8 + i, 6, {.seed = 7});
    ASSERT_NE(now, files[base]);
    WriteFile(path, now);
    SetMtime(path, 3);
    if (path != done) files[base] = now;  // the server keeps what it was sent
  }
  UploadOutcome refused = ResumeUploadJob(job.journal_path, MakeJob({}), {}, nullptr, nullptr);
  ASSERT_FALSE(refused.status.ok());
  EXPECT_NE(refused.status.message().find("2 files changed"), std::string::npos)
      << refused.status.ToString();
  UploadJob again = MakeJob({});
  again.allow_changed = true;
  UploadOutcome resumed = ResumeUploadJob(job.journal_path, again, {}, nullptr, nullptr);
  ExpectIntact(resumed, files);
  EXPECT_EQ(resumed.notes.size(), 2u);
}

TEST_F(UploadJobTest, AllowChangedRefusesAnImageThatNoLongerMatchesTheManifest) {
  auto files = MakeCorpus(work_.Join("src"), 4, 0);
  UploadJob job = MakeJob({work_.Join("src")});
  job.journal_path = work_.Join("journal");
  Interrupt(job);
  WriteFile(work_.Join("src/a/img_1.png"), ingest::testing::WritePng(40, 30));
  UploadJob again = MakeJob({});
  again.allow_changed = true;
  UploadOutcome out = ResumeUploadJob(job.journal_path, again, {}, nullptr, nullptr);
  ASSERT_FALSE(out.status.ok());
  EXPECT_NE(out.status.message().find("img_1.png is now 40x30"), std::string::npos)
      << out.status.ToString();
}

// --extract: an archive's images go up as individual files streamed out of it (members of
// subfolders by base name, in archive order), non-images and context images left out.
TEST_F(UploadJobTest, ExtractSendsAnArchivesImagesAsFiles) {
  for (auto format : {ingest::testing::ArchiveFormat::kZip, ingest::testing::ArchiveFormat::kTarGz}) {
    std::map<std::string, std::string> want;
    std::vector<ingest::testing::ArchiveEntry> entries;
    for (int i = 0; i < 25; ++i) {
      std::string name = "img_" + std::to_string(i) + ".png";
      std::string bytes = ingest::testing::WritePng(6 + i, 5);
      want[name] = bytes;
      entries.push_back({(i % 2 ? "x/" : "y/z/") + name, bytes});
    }
    std::string big = ingest::testing::WritePng(700, 700, {.noise = true});
    want["big.png"] = big;
    entries.push_back({"big.png", big});
    entries.push_back({"notes.txt", "not an image"});
    entries.push_back({"x/related_images/img_1_png/ctx.png", ingest::testing::WritePng(3, 3)});
    std::string archive = work_.Join(format == ingest::testing::ArchiveFormat::kZip ? "d.zip" : "d.tar.gz");
    ingest::testing::WriteArchive(archive, format, entries);
    UploadJob job = MakeJob({archive}, "extract");
    job.extract = true;
    job.plan.sorting = SortingMethod::kNatural;
    job.plan.tus_threshold = 512 << 10;
    job.plan.batch_bytes = 2 << 10;
    job.transfer.tus_chunk = 256 << 10;
    job.journal_path = work_.Join(archive + ".journal");
    UploadOutcome out = Run(job);
    ExpectIntact(out, want);
    EXPECT_EQ(out.plan->kind, TaskKind::kImages);
    ASSERT_EQ(out.plan->frame_order.size(), 26u);
    EXPECT_EQ(out.plan->frame_order[0], "big.png");
    EXPECT_EQ(out.plan->frame_order[1], "img_0.png");
    EXPECT_EQ(out.plan->frame_order[3], "img_2.png");  // natural order on base names
    EXPECT_EQ(out.plan->skipped_files, 2u);
  }
}

TEST_F(UploadJobTest, ExtractRefusesBaseNamesThatCollide) {
  std::string png = ingest::testing::WritePng(5, 4);
  std::string zip = work_.Join("d.zip");
  ingest::testing::WriteArchive(zip, ingest::testing::ArchiveFormat::kZip,
                                {{"a/1.png", png}, {"b/1.png", png}, {"c/2.png", png}});
  UploadJob job = MakeJob({zip});
  job.extract = true;
  job.plan.pack = PackMode::kNone;
  UploadOutcome out = Run(job);
  ASSERT_FALSE(out.status.ok());
  ASSERT_EQ(out.refusals.size(), 1u);  // one line per clashing name
  EXPECT_EQ(out.refusals[0].path, "1.png");
  EXPECT_NE(out.refusals[0].reason.find("d.zip:a/1.png"), std::string::npos)
      << out.refusals[0].reason;
  EXPECT_FALSE(out.task_id.has_value());
  // --pack auto: the members go up in a zip generated from the archive's stream.
  job.plan.pack = PackMode::kAuto;
  UploadOutcome packed = Run(job);
  ASSERT_TRUE(packed.status.ok()) << packed.status.ToString();
  ASSERT_TRUE(packed.plan->zip);
  EXPECT_TRUE(packed.order.ok()) << packed.order.ToString();
  EXPECT_EQ(std::vector<std::string>(packed.plan->frame_order.begin(),
                                     packed.plan->frame_order.end()),
            (std::vector<std::string>{"a/1.png", "b/1.png", "c/2.png"}));
}

TEST_F(UploadJobTest, InterruptedExtractResumesFromTheArchive) {
  std::map<std::string, std::string> want;
  std::vector<ingest::testing::ArchiveEntry> entries;
  for (int i = 0; i < 40; ++i) {
    std::string name = "f" + std::to_string(i) + ".png";
    std::string bytes = ingest::testing::WritePng(i < 2 ? 600 : 10 + i, i < 2 ? 600 : 6,
                                                  {.noise = i < 2});
    want[name] = bytes;
    entries.push_back({"dir/" + name, bytes});
  }
  std::string archive = work_.Join("d.tar.gz");
  ingest::testing::WriteArchive(archive, ingest::testing::ArchiveFormat::kTarGz, entries);
  UploadJob job = MakeJob({archive});
  job.extract = true;
  job.journal_path = work_.Join("journal");
  job.plan.tus_threshold = 256 << 10;
  job.plan.batch_bytes = 2 << 10;
  job.transfer.tus_chunk = 128 << 10;
  job.transfer.connections = 2;
  job.transfer.connection.limit_rate = 2 << 20;
  Interrupt(job, FilesDone(5));
  UploadOutcome resumed = ResumeUploadJob(job.journal_path, MakeJob({}), {}, nullptr, nullptr);
  ExpectIntact(resumed, want);
}

// Every fault kind of the receiver: the upload still completes, byte for byte, once.
class UploadFaultTest : public UploadJobTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(UploadFaultTest, CompletesIntactDespiteFaults) {
  StartServer([](server::ServerOptions& o) { o.faults = GetParam(); });
  auto files = MakeCorpus(work_.Join("src"), 30, 2);
  UploadJob job = MakeJob({work_.Join("src")});
  job.plan.tus_threshold = 1 << 20;
  job.plan.batch_bytes = 8 << 10;
  job.transfer.tus_chunk = 1 << 20;
  job.transfer.connection.low_speed_time_s = 1;  // stalls are cut after a second
  job.transfer.connection.low_speed_bytes = 1;
  if (std::string(GetParam()).starts_with("proxy-413")) {
    // Bodies over 1.5 MiB are refused: 4 MiB chunks must come down to 1 MiB, and batches
    // over the limit must be split.
    job.transfer.tus_chunk = 4 << 20;
    job.plan.batch_bytes = 3 << 20;
  }
  UploadOutcome out = Run(job);
  for (const FileFailure& f : out.failures) ADD_FAILURE() << f.status.ToString();
  ExpectIntact(out, files);
}

INSTANTIATE_TEST_SUITE_P(
    Faults, UploadFaultTest,
    ::testing::Values("reset-after=256KiB@p=0.3,seed=1", "status=503@p=0.2,seed=2",
                      "offset-409@p=0.3,seed=3", "gateway-504@p=0.2,seed=4",
                      "proxy-413-over=1536KiB,seed=5", "slow=50MiB/s,seed=6",
                      "stall=3s@every=15,seed=7"));

}  // namespace
}  // namespace ingest::upload
