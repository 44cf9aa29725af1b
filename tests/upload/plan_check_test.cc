#include "upload/plan_check.h"

#include <cstdio>
#include <string>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "engine/hasher.h"
#include "tests/testing/temp_dir.h"

namespace ingest::upload {
namespace {

using testing::ScopedTempDir;
using testing::WriteFile;

// A scan of `dir` holding `names` as they are now (size, mtime; hashed when `hash`).
ScanResult ScanOf(const ScopedTempDir& dir, const std::vector<std::string>& names, bool hash) {
  ScanResult scan;
  scan.sources.push_back({dir.path(), ScanSource::Type::kDirectory, std::nullopt});
  scan.names.push_back(std::make_unique<NameArena>());
  for (const std::string& n : names) {
    struct stat st;
    EXPECT_EQ(::stat(dir.Join(n).c_str(), &st), 0);
    FileRecord f;
    f.rel_path = scan.names.back()->Add(n);
    f.kind = MediaKind::kImage;
    f.size = static_cast<uint64_t>(st.st_size);
    f.mtime_ns = MtimeNs(st);
    if (hash) {
      std::string bytes = testing::ReadFile(dir.Join(n));
      f.hash = HashBytes(bytes.data(), bytes.size());
    }
    scan.files.push_back(f);
  }
  return scan;
}

void SetMtime(const std::string& path, int64_t sec) {
  struct timespec times[2] = {{sec, 0}, {sec, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
}

TEST(PlanCheckTest, UnchangedAndTouchedFilesPass) {
  ScopedTempDir dir;
  WriteFile(dir.Join("a.jpg"), "aaaa");
  WriteFile(dir.Join("b.jpg"), "bbbb");
  SetMtime(dir.Join("b.jpg"), 1000);
  ScanResult scan = ScanOf(dir, {"a.jpg", "b.jpg"}, true);
  EXPECT_TRUE(CheckPlannedFiles(scan, {0, 1}).ok());
  SetMtime(dir.Join("b.jpg"), 2000);  // touched, same bytes: the hash says unchanged
  EXPECT_TRUE(CheckPlannedFiles(scan, {0, 1}).ok());
}

TEST(PlanCheckTest, ChangedFilesAreNamedWithWhy) {
  ScopedTempDir dir;
  for (const char* n : {"size.jpg", "bytes.jpg", "nohash.jpg", "gone.jpg"}) {
    WriteFile(dir.Join(n), "1234");
    SetMtime(dir.Join(n), 1000);
  }
  ScanResult scan = ScanOf(dir, {"size.jpg", "bytes.jpg", "gone.jpg"}, true);
  ScanResult unhashed = ScanOf(dir, {"nohash.jpg"}, false);
  WriteFile(dir.Join("size.jpg"), "12345");
  WriteFile(dir.Join("bytes.jpg"), "4321");  // same size, new bytes, new mtime
  std::remove(dir.Join("gone.jpg").c_str());
  Status s = CheckPlannedFiles(scan, {0, 1, 2});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("3 files changed since the plan was written: " + dir.Join("size.jpg") +
                             " (size 4 -> 5), " + dir.Join("bytes.jpg") + " (content changed), " +
                             dir.Join("gone.jpg") + " (gone)"),
            std::string::npos)
      << s.ToString();
  // Without a recorded hash, a moved mtime is a change.
  SetMtime(dir.Join("nohash.jpg"), 3000);
  Status t = CheckPlannedFiles(unhashed, {0});
  EXPECT_NE(t.message().find("nohash.jpg (modified)"), std::string::npos) << t.ToString();
  EXPECT_TRUE(CheckPlannedFiles(scan, {}).ok());
}

TEST(PlanCheckTest, ArchiveMembersAreCheckedThroughTheirArchive) {
  ScopedTempDir dir;
  WriteFile(dir.Join("set.zip"), "zipbytes");
  ScanResult scan;
  scan.sources.push_back({dir.Join("set.zip"), ScanSource::Type::kArchive, std::nullopt});
  scan.names.push_back(std::make_unique<NameArena>());
  FileRecord f;
  f.rel_path = scan.names.back()->Add("img/1.jpg");
  f.in_archive = true;
  f.kind = MediaKind::kImage;
  scan.files.push_back(f);
  ASSERT_TRUE(StampArchiveSources(&scan.sources).ok());
  ASSERT_TRUE(scan.sources[0].archive_stamp.has_value());
  EXPECT_TRUE(CheckPlannedFiles(scan, {0}).ok());
  WriteFile(dir.Join("set.zip"), "other zip bytes");
  Status s = CheckPlannedFiles(scan, {0});
  EXPECT_NE(s.message().find("set.zip:img/1.jpg (its archive changed)"), std::string::npos)
      << s.ToString();
}

}  // namespace
}  // namespace ingest::upload
