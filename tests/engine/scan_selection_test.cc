// The scan keeps what --include/--exclude/--files-from choose, for directory trees and
// archive members alike, on nested trees with awkward names.
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "engine/file_selection.h"
#include "engine/scan_cache.h"
#include "engine/scanner.h"
#include "tests/testing/archive_writer.h"
#include "tests/testing/image_writer.h"
#include "tests/testing/temp_dir.h"

namespace ingest {
namespace {

using testing::ScopedTempDir;
using testing::WriteFile;

const char* const kTree[] = {
    "a.jpg",           "top.png",
    "sub/a.jpg",       "sub/deep/b.jpg",
    "sub/deep/c.png",  "dir with space/ü ö.jpg",
    "[1] bracket.jpg", "x{a,b}.jpg",
    "tmp/skip.jpg",    "sub/tmp/keep.jpg",
    ".hidden/h.jpg",   "notes.txt",
};

void MakeTree(const ScopedTempDir& dir) {
  const std::string jpg = testing::WriteJpeg(4, 3);
  const std::string png = testing::WritePng(4, 3);
  for (const char* rel : kTree) {
    std::string r(rel);
    WriteFile(dir.Join(r), r.ends_with(".jpg") ? jpg : r.ends_with(".png") ? png : "text");
  }
}

std::set<std::string> Scanned(const std::string& root, const FileSelection& sel,
                              uint64_t* filtered = nullptr, ScanResult* keep = nullptr) {
  ScanOptions options;
  options.workers = 2;
  options.selection = &sel;
  Result<ScanResult> r = Scan(std::vector<std::string>{root}, options);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message());
  std::set<std::string> out;
  if (!r) return out;
  for (const FileRecord& f : r->files) out.insert(std::string(f.rel_path));
  if (filtered) *filtered = r->filtered_out;
  if (keep) *keep = std::move(*r);
  return out;
}

FileSelection Globs(std::vector<std::string> inc, std::vector<std::string> exc) {
  Result<FileSelection> s = FileSelection::FromGlobs(inc, exc);
  EXPECT_TRUE(s.has_value());
  return s ? std::move(*s) : FileSelection();
}

using Set = std::set<std::string>;

TEST(ScanSelectionTest, IncludeExcludeOnANestedTree) {
  ScopedTempDir dir;
  MakeTree(dir);
  uint64_t filtered = 0;
  EXPECT_EQ(Scanned(dir.path(), Globs({"/*.jpg"}, {}), &filtered),
            (Set{"a.jpg", "[1] bracket.jpg", "x{a,b}.jpg"}));
  EXPECT_EQ(filtered, 9u);
  EXPECT_EQ(Scanned(dir.path(), Globs({"*.png"}, {})), (Set{"top.png", "sub/deep/c.png"}));
  EXPECT_EQ(Scanned(dir.path(), Globs({"sub/**"}, {"tmp/**"})),
            (Set{"sub/a.jpg", "sub/deep/b.jpg", "sub/deep/c.png"}));  // the exclude wins
  EXPECT_EQ(Scanned(dir.path(), Globs({}, {"/tmp/**", "*.{txt,png}", ".*/**", "*\\[*"})),
            (Set{"a.jpg", "sub/a.jpg", "sub/deep/b.jpg", "dir with space/ü ö.jpg", "x{a,b}.jpg",
                 "sub/tmp/keep.jpg"}));
  EXPECT_EQ(Scanned(dir.path(), Globs({"? ?.jpg"}, {})), (Set{"dir with space/ü ö.jpg"}));
  EXPECT_EQ(Scanned(dir.path(), Globs({"a.jpg"}, {})), (Set{"a.jpg", "sub/a.jpg"}));
}

TEST(ScanSelectionTest, FilesFromKeepsTheListAndReportsWhatIsMissing) {
  ScopedTempDir dir;
  MakeTree(dir);
  FileSelection sel = FileSelection::FromList(
      std::vector<std::string>{"./sub/deep/b.jpg", "/[1] bracket.jpg", "dir with space/ü ö.jpg", "",
                               "gone.jpg", "sub/deep/b.jpg"});
  ScanResult scan;
  EXPECT_EQ(Scanned(dir.path(), sel, nullptr, &scan),
            (Set{"sub/deep/b.jpg", "[1] bracket.jpg", "dir with space/ü ö.jpg"}));
  ASSERT_EQ(scan.problems.size(), 1u);
  EXPECT_EQ(scan.problems[0].path, "gone.jpg");
  EXPECT_FALSE(scan.problems[0].warning);
  EXPECT_NE(scan.problems[0].status.message().find("no source holds it"), std::string::npos);
}

TEST(ScanSelectionTest, ArchiveMembersAreChosenToo) {
  ScopedTempDir dir;
  const std::string jpg = testing::WriteJpeg(4, 3);
  testing::WriteArchive(dir.Join("set.zip"), testing::ArchiveFormat::kZip,
                        {{"a/1.jpg", jpg},
                         {"a/2.png", testing::WritePng(2, 2)},
                         {"b/1.jpg", jpg},
                         {"b/bad.jpg", "not a jpeg"}});
  uint64_t filtered = 0;
  ScanResult scan;
  EXPECT_EQ(Scanned(dir.Join("set.zip"), Globs({"*.jpg"}, {"/b/bad.jpg"}), &filtered, &scan),
            (Set{"a/1.jpg", "b/1.jpg"}));
  EXPECT_EQ(filtered, 2u);
  EXPECT_TRUE(scan.problems.empty());  // the broken member was never read
}

TEST(ScanSelectionTest, AFilteredArchiveIsNotCachedAsWhole) {
  ScopedTempDir dir;
  const std::string jpg = testing::WriteJpeg(4, 3);
  testing::WriteArchive(dir.Join("set.zip"), testing::ArchiveFormat::kZip,
                        {{"a.jpg", jpg}, {"b.jpg", jpg}});
  FileSelection sel = Globs({"a.jpg"}, {});
  ScanOptions options;
  options.selection = &sel;
  Result<ScanResult> r = Scan(std::vector<std::string>{dir.Join("set.zip")}, options);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->files.size(), 1u);
  EXPECT_FALSE(r->sources[0].archive_stamp.has_value());
}

TEST(ScanSelectionTest, ASourceNamedAsAFileIsAlwaysKept) {
  ScopedTempDir dir;
  WriteFile(dir.Join("one.png"), testing::WritePng(2, 2));
  EXPECT_EQ(Scanned(dir.Join("one.png"), Globs({}, {"*.png"})), (Set{"one.png"}));
}

TEST(ScanSelectionTest, BadPatternsNameTheirOption) {
  Result<FileSelection> s =
      FileSelection::FromGlobs(std::vector<std::string>{"ok"}, std::vector<std::string>{"[x"});
  ASSERT_FALSE(s.has_value());
  EXPECT_NE(s.error().message().find("--exclude"), std::string::npos) << s.error().message();
  EXPECT_NE(s.error().message().find("'[x'"), std::string::npos);
}

}  // namespace
}  // namespace ingest
