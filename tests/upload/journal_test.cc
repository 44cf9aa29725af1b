#include "upload/journal.h"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include <sqlite3.h>

#include "tests/testing/temp_dir.h"

namespace ingest::upload {
namespace {

JournalFile Row(uint32_t i) {
  JournalFile f;
  f.path = "/data/dir_" + std::to_string(i % 7) + "/a_long_enough_file_name_" + std::to_string(i) + ".jpg";
  f.name = "a_long_enough_file_name_" + std::to_string(i) + ".jpg";
  f.size = 1000 + i;
  f.mtime_ns = 1'700'000'000'000'000'000 + i;
  if (i % 3 == 0) {
    f.hash = std::string(32, static_cast<char>('a' + i % 6));
    f.hashed = f.size;
  }
  if (i % 5 == 0) {
    f.member = "inner/m" + std::to_string(i) + ".png";
    f.ordinal = i * 2;
  }
  f.route = i % 4 == 0 ? Route::kTus : Route::kBatch;
  f.batch = i / 10;
  return f;
}

void ExpectSameRow(const JournalFile& got, const JournalFile& want, uint32_t id) {
  EXPECT_EQ(got.path, want.path) << id;
  EXPECT_EQ(got.name, want.name) << id;
  EXPECT_EQ(got.member, want.member) << id;
  EXPECT_EQ(got.ordinal, want.ordinal) << id;
  EXPECT_EQ(got.size, want.size) << id;
  EXPECT_EQ(got.mtime_ns, want.mtime_ns) << id;
  EXPECT_EQ(got.hash, want.hash) << id;
  EXPECT_EQ(got.hashed, want.hashed) << id;
  EXPECT_EQ(got.route, want.route) << id;
  EXPECT_EQ(got.batch, want.batch) << id;
  EXPECT_EQ(got.state, JournalFileState::kPending) << id;
}

TEST(JournalTest, RowsWrittenOneAtATimeReadBackInOrder) {
  testing::ScopedTempDir dir;
  const uint32_t n = 500;
  JournalHeader h;
  h.server = "http://127.0.0.1:1";
  h.state = JobState::kPlanned;
  h.frame_order = std::string(100000, 'x');  // big texts are written, not kept
  h.finish_json = "{\"image_quality\":70}";
  std::string path = dir.Join("j");
  std::vector<uint32_t> asked;
  auto created = Journal::Create(path, h, n, [&](uint32_t id, JournalFile* f) {
    asked.push_back(id);
    *f = Row(id);
    return Status();
  });
  ASSERT_TRUE(created.has_value()) << created.error().ToString();
  EXPECT_EQ(asked.size(), n);
  EXPECT_EQ((*created)->file_count(), n);
  EXPECT_EQ((*created)->header().frame_order, "");
  EXPECT_EQ((*created)->header().server, h.server);
  (*created)->OnFileDone(7);
  ASSERT_TRUE((*created)->Flush().ok());
  created->reset();

  auto opened = Journal::Open(path);
  ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
  Journal& j = **opened;
  EXPECT_EQ(j.file_count(), n);
  EXPECT_EQ(j.frame_order(), h.frame_order);
  EXPECT_EQ(j.header().finish_json, h.finish_json);
  uint32_t next = 0;
  Status s = j.ForEachFile([&](uint32_t id, const JournalFile& f) {
    EXPECT_EQ(id, next++);
    if (id == 7) {
      EXPECT_EQ(f.state, JournalFileState::kDone);
    } else {
      ExpectSameRow(f, Row(id), id);  // the reused row keeps no field of the one before
    }
    return Status();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(next, n);
  // A window of ids (how a resumed upload reads the rows it opens), and one past the end.
  std::vector<uint32_t> window;
  s = j.ForEachFile(
      [&](uint32_t id, const JournalFile& f) {
        window.push_back(id);
        ExpectSameRow(f, Row(id), id);
        return Status();
      },
      120, 130);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(window, (std::vector<uint32_t>{120, 121, 122, 123, 124, 125, 126, 127, 128, 129}));
  window.clear();
  s = j.ForEachFile(
      [&](uint32_t id, const JournalFile&) {
        window.push_back(id);
        return Status();
      },
      n - 1, n + 10);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(window, (std::vector<uint32_t>{n - 1}));
  // An error from the callback stops the walk and comes back.
  int calls = 0;
  Status stopped = j.ForEachFile([&](uint32_t, const JournalFile&) {
    return ++calls == 3 ? Status::Cancelled("enough") : Status();
  });
  EXPECT_EQ(stopped.code(), Status::Code::kCancelled);
  EXPECT_EQ(calls, 3);
}

TEST(JournalTest, ARowErrorStopsTheCreation) {
  testing::ScopedTempDir dir;
  JournalHeader h;
  h.server = "http://127.0.0.1:1";
  auto created = Journal::Create(dir.Join("j"), h, 10, [](uint32_t id, JournalFile* f) {
    if (id == 4) return Status::IoError("stat /x: No such file or directory");
    *f = Row(id);
    return Status();
  });
  ASSERT_FALSE(created.has_value());
  EXPECT_EQ(created.error().message(), "stat /x: No such file or directory");
  // Nothing is left that a later run could take for an interrupted upload.
  EXPECT_FALSE(std::filesystem::exists(dir.Join("j")));
  EXPECT_FALSE(std::filesystem::exists(dir.Join("j-wal")));
}

// Review of issue 15: a journal is a file anyone may have written. A batch index of 2^32-1
// made the resume's batch list overflow (resize to 0, then a write past its end); every
// value a row holds is now checked before it is used.
TEST(JournalTest, HostileRowValuesAreRefusedAsDamage) {
  testing::ScopedTempDir dir;
  JournalHeader h;
  h.server = "http://127.0.0.1:1";
  const char* edits[][2] = {
      {"batch=4294967295", "batch 4294967295 out of range"},
      {"batch=-1", "batch -1 out of range"},
      {"batch=20", "batch 20 out of range"},
      {"route=7", "unknown route 7"},
      {"state=9", "unknown state 9"},
      {"size=-5", "negative size"},
      {"offset=size+1", "out of range"},
  };
  int k = 0;
  for (const auto& [edit, expect] : edits) {
    std::string path = dir.Join("j" + std::to_string(k++));
    auto created = Journal::Create(path, h, 20, [](uint32_t id, JournalFile* f) {
      *f = Row(id);
      return Status();
    });
    ASSERT_TRUE(created.has_value()) << created.error().ToString();
    created->reset();
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    std::string sql = std::string("UPDATE files SET ") + edit + " WHERE id=3";
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << edit;
    sqlite3_close(db);

    auto opened = Journal::Open(path);
    ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
    Status read = (*opened)->ForEachFile([](uint32_t, const JournalFile&) { return Status(); });
    EXPECT_EQ(read.code(), Status::Code::kCorruption) << edit;
    EXPECT_NE(read.message().find(path), std::string::npos) << read.message();
    EXPECT_NE(read.message().find(expect), std::string::npos) << read.message();
  }
}

}  // namespace
}  // namespace ingest::upload

namespace ingest::upload {
namespace {

// A process that dies while it makes its journal (SIGKILL, power loss) leaves none behind: the
// next run starts afresh instead of refusing a half-made journal as damaged (nothing was sent
// before the journal existed). The child dies inside Create, as a SIGKILL would stop it.
TEST(JournalTest, ACreationCutShortLeavesNoJournal) {
  testing::ScopedTempDir dir;
  std::string path = dir.Join("cut.journal");
  JournalHeader h;
  h.server = "http://127.0.0.1:1";
  h.key = "k";
  h.state = JobState::kPlanned;
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    (void)Journal::Create(path, h, 1000, [](uint32_t id, JournalFile* f) {
      if (id == 500) ::_exit(9);
      *f = Row(id);
      return Status();
    });
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 9);
  EXPECT_FALSE(std::filesystem::exists(path)) << "a half-made journal was left at " << path;
  Result<std::unique_ptr<Journal>> again = Journal::Create(path, h, 3, [](uint32_t id, JournalFile* f) {
    *f = Row(id);
    return Status();
  });
  ASSERT_TRUE(again.has_value()) << again.error().ToString();
  again->reset();  // closed
  Result<std::unique_ptr<Journal>> opened = Journal::Open(path);
  ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
  EXPECT_EQ((*opened)->file_count(), 3u);
  EXPECT_EQ((*opened)->header().server, h.server);
}

// The upload's state is kept as the text each build writes: every state reads back as it was
// set (SetState, then a new Open), a journal without one reads as planned, and a text no
// cvat-ingest writes is refused, naming it.
TEST(JournalTest, TheUploadStateReadsBackAndAnUnknownOneIsRefused) {
  testing::ScopedTempDir dir;
  std::string path = dir.Join("j");
  JournalHeader h;
  h.server = "http://127.0.0.1:1";
  ASSERT_TRUE(Journal::Create(path, h, std::vector<JournalFile>{}).has_value());
  for (JobState s : {JobState::kCreating, JobState::kUploading, JobState::kFinishing,
                     JobState::kAnnotating, JobState::kDone, JobState::kPlanned}) {
    {
      Result<std::unique_ptr<Journal>> j = Journal::Open(path);
      ASSERT_TRUE(j.has_value()) << j.error().ToString();
      ASSERT_TRUE((*j)->SetState(s).ok());
    }
    Result<std::unique_ptr<Journal>> j = Journal::Open(path);
    ASSERT_TRUE(j.has_value()) << j.error().ToString();
    EXPECT_EQ((*j)->header().state, s) << JobStateText(s);
    EXPECT_EQ(ParseJobState(JobStateText(s)), s);
  }
  for (const char* text : {"", "paused"}) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    std::string sql = std::string("UPDATE meta SET value='") + text + "' WHERE key='state'";
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
    Result<std::unique_ptr<Journal>> j = Journal::Open(path);
    if (*text == '\0') {
      ASSERT_TRUE(j.has_value()) << j.error().ToString();
      EXPECT_EQ((*j)->header().state, JobState::kPlanned);
    } else {
      ASSERT_FALSE(j.has_value());
      EXPECT_NE(j.error().message().find("unknown upload state 'paused'"), std::string::npos)
          << j.error().ToString();
    }
  }
}

// Format 3: a packed zip's members and their CRCs (NULL until computed) are kept; a format 2
// journal (no zip) still opens; another format is refused, saying which.
TEST(JournalTest, ZipMembersAndCrcsAndFormats) {
  testing::ScopedTempDir dir;
  JournalHeader h;
  h.server = "http://127.0.0.1:1";
  h.state = JobState::kPlanned;
  h.zip_file = 0;
  h.zip_identity = "123:abc";
  std::string path = dir.Join("z");
  {
    auto created = Journal::Create(
        path, h, 1,
        [](uint32_t, JournalFile* f) {
          f->name = "t.zip";
          f->size = 123;
          f->route = Route::kTus;
          return Status();
        },
        3, [](uint32_t i, JournalZipMember* m) {
          m->path = "/src/f" + std::to_string(i);
          m->name = "d/f" + std::to_string(i) + ".png";
          m->size = 10 + i;
          m->mtime_ns = 5;
          if (i == 2) {
            m->member = "in/x.png";
            m->ordinal = 7;
          }
          return Status();
        });
    ASSERT_TRUE(created.has_value()) << created.error().ToString();
    (*created)->OnZipCrc(1, 0xDEADBEEF);
    ASSERT_TRUE((*created)->Flush().ok());
  }
  auto opened = Journal::Open(path);
  ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
  EXPECT_EQ((*opened)->header().zip_file, 0);
  EXPECT_EQ((*opened)->header().zip_identity, "123:abc");
  auto members = (*opened)->ZipMembers();
  ASSERT_TRUE(members.has_value());
  ASSERT_EQ(members->size(), 3u);
  EXPECT_EQ((*members)[0].name, "d/f0.png");
  EXPECT_FALSE((*members)[0].crc.has_value());
  EXPECT_EQ((*members)[1].crc, std::optional<uint32_t>(0xDEADBEEF));
  EXPECT_EQ((*members)[2].member, "in/x.png");
  EXPECT_EQ((*members)[2].ordinal, 7u);
  EXPECT_EQ((*members)[2].size, 12u);
  opened->reset();

  for (const char* format : {"2", "1"}) {
    std::string sql = std::string("UPDATE meta SET value='") + format +
                      "' WHERE key='format'; DELETE FROM meta WHERE key LIKE 'zip_%';";
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
    auto old = Journal::Open(path);
    if (std::string(format) == "2") {
      ASSERT_TRUE(old.has_value()) << old.error().ToString();
      EXPECT_EQ((*old)->header().zip_file, -1);
      EXPECT_TRUE((*old)->ZipMembers()->empty());
    } else {
      ASSERT_FALSE(old.has_value());
      EXPECT_NE(old.error().message().find("format 1"), std::string::npos)
          << old.error().ToString();
    }
  }
}

}  // namespace
}  // namespace ingest::upload
