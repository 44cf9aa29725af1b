// Interrupted uploads resumed from their journal against the local receiver: everything
// arrives once, byte for byte; journals that are damaged, foreign or newer, and sources that
// changed since the plan, are refused clearly.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <map>
#include <string>

#include "engine/file_record.h"
#include "engine/hasher.h"
#include "tests/testing/archive_writer.h"
#include "tests/testing/temp_dir.h"
#include "tests/upload/upload_job_fixture.h"
#include "upload/journal.h"
#include "upload/upload_job.h"

namespace ingest::upload {
namespace {

namespace fs = std::filesystem;
using ingest::testing::ReadFile;
using ingest::testing::WriteFile;

class UploadResumeTest : public UploadJobTest {
 protected:
  // A run of one big PNG sent through TUS in 256 KiB PATCHes, stopped (cancelled) once
  // 600 KiB are on the server.
  UploadJob StopHalfWay(const std::string& src, std::string* bytes) {
    *bytes = ingest::testing::WritePng(1000, 1000, {.noise = true});
    WriteFile(src + "/big.png", *bytes);
    UploadJob job = MakeJob({src}, src);
    job.journal_path = src + ".journal";
    job.plan.tus_threshold = 1 << 20;
    job.transfer.tus_chunk = 256 << 10;
    job.transfer.connection.limit_rate = 2 << 20;
    Interrupt(job, [](const TransferCounters& c) { return c.bytes_done.load() >= (600u << 10); });
    return job;
  }
};

// Interrupted at several points (cancelled from another thread once a number of files are
// done), then resumed from the journal: everything arrives once, byte for byte, in order.
TEST_F(UploadResumeTest, InterruptedUploadsResumeFromTheJournal) {
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
TEST_F(UploadResumeTest, ReceiverRestartMidUploadIsRiddenOut) {
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
TEST_F(UploadResumeTest, ResumeUnderNetworkFaults) {
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

// Real journals, damaged in the ways a crash, a disk or a user can damage them: each is
// refused with the file named, and nothing is sent.
TEST_F(UploadResumeTest, DamagedJournalsAreRefusedClearly) {
  std::string journal = work_.Join("j");
  WriteFile(journal, "this is not a journal");
  UploadOutcome out = ResumeUploadJob(journal, MakeJob({}), {}, nullptr, nullptr);
  EXPECT_EQ(out.status.code(), Status::Code::kCorruption) << out.status.ToString();
  EXPECT_NE(out.status.message().find(journal), std::string::npos);
  UploadOutcome missing = ResumeUploadJob(work_.Join("none"), MakeJob({}), {}, nullptr, nullptr);
  EXPECT_FALSE(missing.status.ok());
}

TEST_F(UploadResumeTest, TruncatedForeignAndNewerJournalsAreRefused) {
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

TEST_F(UploadResumeTest, ChangedSourceStopsTheResume) {
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
TEST_F(UploadResumeTest, TheRecordedHashTellsATouchedFileFromAChangedOne) {
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
  EXPECT_NE(stopped.status.message().find("img_1.png (content)"), std::string::npos)
      << stopped.status.ToString();
  EXPECT_EQ(stopped.status.message().find("img_0.jpg"), std::string::npos)
      << "a touched file is not a changed one: " << stopped.status.ToString();
  WriteFile(path, files["img_1.png"]);  // restored (with a new time): the resume goes on
  UploadOutcome resumed = ResumeUploadJob(job.journal_path, MakeJob({}), {}, nullptr, nullptr);
  ExpectIntact(resumed, files);
}

// The journal row of the file named `name` in the journal at `path`.
JournalFile RowOf(const std::string& path, const std::string& name) {
  Result<std::unique_ptr<Journal>> journal = Journal::Open(path);
  EXPECT_TRUE(static_cast<bool>(journal)) << journal.error().ToString();
  if (!journal) return {};
  Result<std::vector<JournalFile>> files = (*journal)->Files();
  EXPECT_TRUE(static_cast<bool>(files));
  for (const JournalFile& f : files ? *files : std::vector<JournalFile>{}) {
    if (f.name == name) return f;
  }
  ADD_FAILURE() << name << " is not in " << path;
  return {};
}

// A TUS upload stopped half way: on stopping, the journal records the XXH3 of what the
// server confirmed. Touching the file does not stop the resume; changing a byte the server
// already has does.
TEST_F(UploadResumeTest, AHalfSentFileIsCheckedAgainstTheHashOfItsSentPart) {
  for (bool change : {false, true}) {
    std::string src = work_.Join(change ? "changed" : "touched");
    std::string path = src + "/big.png";
    std::string bytes;
    UploadJob job = StopHalfWay(src, &bytes);
    JournalFile row = RowOf(job.journal_path, "big.png");
    ASSERT_EQ(row.state, JournalFileState::kTusCreated);
    ASSERT_GE(row.offset, 600u << 10);
    ASSERT_LT(row.offset, bytes.size());
    EXPECT_EQ(row.hashed, row.offset) << "the stop hashes exactly what the server confirmed";
    EXPECT_EQ(row.hash, ToHex(HashBytes(bytes.data(), row.offset)));
    if (change) bytes[1000] ^= 0x01;  // a byte the server already has
    WriteFile(path, bytes);
    SetMtime(path, 9);
    UploadOutcome resumed = ResumeUploadJob(job.journal_path, MakeJob({}), {}, nullptr, nullptr);
    if (change) {
      ASSERT_FALSE(resumed.status.ok());
      EXPECT_NE(resumed.status.message().find("big.png (content)"), std::string::npos)
          << resumed.status.ToString();
    } else {
      ExpectIntact(resumed, {{"big.png", bytes}});
    }
  }
}

// A run killed (SIGKILL, a power loss) records no hash of a half-sent file's part: touched
// since, the file counts as changed. The resume refuses it by name; with --allow-changed it
// is sent again whole, and arrives intact.
TEST_F(UploadResumeTest, AHalfSentFileWithoutAStopHashCountsAsChangedWhenTouched) {
  std::string src = work_.Join("killed");
  std::string bytes;
  UploadJob job = StopHalfWay(src, &bytes);
  {
    // What a kill leaves: the offset the server confirmed, no hash of it.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(job.journal_path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "UPDATE files SET hash='', hashed=0 WHERE name='big.png'", nullptr,
                           nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  ASSERT_GT(RowOf(job.journal_path, "big.png").offset, 0u);
  SetMtime(src + "/big.png", 9);
  UploadOutcome refused = ResumeUploadJob(job.journal_path, MakeJob({}), {}, nullptr, nullptr);
  ASSERT_FALSE(refused.status.ok());
  EXPECT_NE(refused.status.message().find(
                "big.png (modification time; no hash was recorded to tell a touch from a change)"),
            std::string::npos)
      << refused.status.ToString();
  UploadJob again = MakeJob({});
  again.allow_changed = true;
  UploadOutcome resumed = ResumeUploadJob(job.journal_path, again, {}, nullptr, nullptr);
  ExpectIntact(resumed, {{"big.png", bytes}});
}

TEST_F(UploadResumeTest, AllowChangedSendsChangedFilesAsTheyAreNow) {
  // 60 small files in batches of one or two: more batches than one intent record covers
  // (the journal marks the next few batches as possibly sent with the one being sent), so
  // some are still plainly pending when the run stops.
  auto files = MakeCorpus(work_.Join("src"), 60, 2);
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

TEST_F(UploadResumeTest, AllowChangedRefusesAnImageThatNoLongerMatchesTheManifest) {
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

TEST_F(UploadResumeTest, InterruptedExtractResumesFromTheArchive) {
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

}  // namespace
}  // namespace ingest::upload
