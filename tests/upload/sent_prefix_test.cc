// RecordSentPrefixes: what a stopped run records of its half-sent TUS uploads, so that a
// resume can tell a touched file from a changed one (upload/sent_prefix.h).
#include "upload/sent_prefix.h"

#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <vector>

#include "engine/file_record.h"
#include "engine/hasher.h"
#include "tests/testing/temp_dir.h"
#include "tests/upload/upload_job_fixture.h"
#include "upload/file_reader.h"

namespace ingest::upload {
namespace {

using ingest::testing::WriteFile;

// Opens the plan's files by their record number: record i is dir/f<i>.
class DirSource : public FileSource {
 public:
  explicit DirSource(std::string dir) : dir_(std::move(dir)) {}
  Result<std::unique_ptr<FileReader>> Open(const PlannedFile& f) override {
    return OpenFileReader(dir_ + "/f" + std::to_string(f.record));
  }

 private:
  std::string dir_;
};

class SentPrefixTest : public ::testing::Test {
 protected:
  // Files f0..f<n-1> of `size` bytes each (distinct contents), planned for TUS, and a
  // journal of them as Create records them (size and time as they are now, no hash).
  void Make(uint32_t n, uint64_t size) {
    for (uint32_t i = 0; i < n; ++i) {
      std::string bytes(size, '\0');
      for (uint64_t k = 0; k < size; ++k) bytes[k] = static_cast<char>((k * 31 + i * 7) % 251);
      WriteFile(Path(i), bytes);
      contents_.push_back(bytes);
      plan_.files.push_back({.record = i, .name = names_.emplace_back("f" + std::to_string(i)),
                             .size = size, .route = Route::kTus});
    }
    JournalHeader h;
    h.server = "http://127.0.0.1:1";
    Result<std::unique_ptr<Journal>> j =
        Journal::Create(dir_.Join("j"), h, n, [&](uint32_t id, JournalFile* f) {
          f->path = Path(id);
          f->name = "f" + std::to_string(id);
          f->size = size;
          struct stat st;
          if (::stat(f->path.c_str(), &st) != 0) return Status::IoError("stat " + f->path);
          f->mtime_ns = MtimeNs(st);
          f->route = Route::kTus;
          return Status();
        });
    ASSERT_TRUE(static_cast<bool>(j)) << j.error().ToString();
    journal_ = std::move(*j);
  }
  std::string Path(uint32_t i) { return dir_.Join("f" + std::to_string(i)); }
  JournalFile Row(uint32_t id) {
    EXPECT_TRUE(journal_->Flush().ok());
    Result<std::vector<JournalFile>> files = journal_->Files();
    EXPECT_TRUE(static_cast<bool>(files));
    return files ? (*files)[id] : JournalFile{};
  }
  std::string PrefixHash(uint32_t i, uint64_t n) {
    return ToHex(HashBytes(contents_[i].data(), n));
  }

  ingest::testing::ScopedTempDir dir_;
  std::vector<std::string> contents_;
  std::deque<std::string> names_;
  UploadPlan plan_;
  std::unique_ptr<Journal> journal_;
};

TEST_F(SentPrefixTest, RecordsTheHashOfExactlyTheConfirmedPart) {
  Make(2, 10000);
  DirSource source(dir_.path());
  Result<SentPrefixReport> r =
      RecordSentPrefixes(*journal_, source, plan_, {{0, 4096}, {1, 9999}});
  ASSERT_TRUE(static_cast<bool>(r)) << r.error().ToString();
  EXPECT_EQ(r->hashed, 2u);
  EXPECT_EQ(Row(0).hashed, 4096u);
  EXPECT_EQ(Row(0).hash, PrefixHash(0, 4096));
  EXPECT_NE(Row(0).hash, PrefixHash(0, 4095));
  EXPECT_EQ(Row(1).hashed, 9999u);
  EXPECT_EQ(Row(1).hash, PrefixHash(1, 9999));
}

// The hash must be of the bytes that were sent: a file whose time or size moved since the
// plan may hold others now, and is left without one (a resume then counts it as changed).
TEST_F(SentPrefixTest, AFileThatMovedSinceThePlanGetsNoHash) {
  Make(3, 5000);
  SetMtime(Path(0), 4);                                      // touched: time moved
  WriteFile(Path(1), contents_[1] + "more");                 // grown
  DirSource source(dir_.path());
  Result<SentPrefixReport> r =
      RecordSentPrefixes(*journal_, source, plan_, {{0, 100}, {1, 100}, {2, 100}});
  ASSERT_TRUE(static_cast<bool>(r)) << r.error().ToString();
  EXPECT_EQ(r->hashed, 1u);
  EXPECT_EQ(Row(0).hashed, 0u);
  EXPECT_EQ(Row(0).hash, "");
  EXPECT_EQ(Row(1).hashed, 0u);
  EXPECT_EQ(Row(2).hash, PrefixHash(2, 100));
}

// A stop reads at most the budget: parts past it are counted, not read, and a note says
// what that means for a resume.
TEST_F(SentPrefixTest, AStopReadsNoMoreThanItsBudget) {
  Make(3, 8000);
  DirSource source(dir_.path());
  Result<SentPrefixReport> r = RecordSentPrefixes(*journal_, source, plan_,
                                                  {{0, 3000}, {1, 6000}, {2, 2000}}, 5000);
  ASSERT_TRUE(static_cast<bool>(r)) << r.error().ToString();
  EXPECT_EQ(r->hashed, 2u);
  EXPECT_EQ(r->over_budget, std::vector<uint32_t>{1});
  EXPECT_EQ(r->over_budget_bytes, 6000u);
  EXPECT_EQ(Row(0).hash, PrefixHash(0, 3000));
  EXPECT_EQ(Row(1).hash, "");
  EXPECT_EQ(Row(2).hash, PrefixHash(2, 2000));
}

TEST_F(SentPrefixTest, TheNoteNamesTheFilesLeftOverTheBudget) {
  Make(8, 4000);
  DirSource source(dir_.path());
  std::vector<PartlySent> parts;
  for (uint32_t i = 0; i < 8; ++i) parts.push_back({i, 3000});
  std::vector<std::string> notes;
  RecordStopHashes(*journal_, source, plan_, parts, &notes, 6000);  // room for two
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("6 half-sent files were not hashed"), std::string::npos) << notes[0];
  EXPECT_NE(notes[0].find("f2, f3, f4, f5, f6 and 1 more"), std::string::npos) << notes[0];
  EXPECT_EQ(Row(1).hash, PrefixHash(1, 3000));
  EXPECT_EQ(Row(2).hash, "");
  std::vector<std::string> none;
  RecordStopHashes(*journal_, source, plan_, {{2, 3000}}, &none);
  EXPECT_TRUE(none.empty()) << none[0];
}

// A file gone when the run stops costs its own hash, not the others'.
TEST_F(SentPrefixTest, AFileGoneOnStoppingIsNotedNotFatal) {
  Make(3, 4000);
  ASSERT_EQ(::unlink(Path(1).c_str()), 0);
  DirSource source(dir_.path());
  std::vector<std::string> notes;
  RecordStopHashes(*journal_, source, plan_, {{0, 1000}, {1, 1000}, {2, 1000}}, &notes);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find(Path(1)), std::string::npos) << notes[0];
  EXPECT_NE(notes[0].find("counts as changed"), std::string::npos) << notes[0];
  EXPECT_EQ(Row(1).hash, "");
  EXPECT_EQ(Row(0).hash, PrefixHash(0, 1000));
  EXPECT_EQ(Row(2).hash, PrefixHash(2, 1000));
}

// The generated zip is regenerated from its members on a resume, and a file hashed whole
// by the scan has a hash that already decides: neither is read again.
TEST_F(SentPrefixTest, TheZipAndFilesHashedWholeArePassedOver) {
  Make(2, 3000);
  plan_.files[0].record = kGeneratedZip;
  journal_->RecordPrefixHash(1, 3000, PrefixHash(1, 3000));
  ASSERT_EQ(::unlink(Path(1).c_str()), 0);  // read, it would fail
  DirSource source(dir_.path());
  Result<SentPrefixReport> r = RecordSentPrefixes(*journal_, source, plan_, {{0, 100}, {1, 100}});
  ASSERT_TRUE(static_cast<bool>(r)) << r.error().ToString();
  EXPECT_EQ(r->hashed, 0u);
  EXPECT_EQ(Row(0).hash, "");
  EXPECT_EQ(Row(1).hashed, 3000u);
}

}  // namespace
}  // namespace ingest::upload
