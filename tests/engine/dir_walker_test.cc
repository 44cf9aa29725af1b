#include "engine/dir_walker.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/testing/temp_dir.h"

namespace ingest {
namespace {

using testing::ScopedTempDir;
using testing::WriteFile;

class Collect final : public WalkVisitor {
 public:
  void OnFile(WalkEntry&& e) override { files.push_back(e.rel_path + ":" + std::to_string(e.size)); }
  void OnProblem(const std::string& rel, const Status& s) override {
    problems.push_back(rel + " -> " + s.message());
  }
  std::vector<std::string> Sorted() const {
    std::vector<std::string> v = files;
    std::sort(v.begin(), v.end());
    return v;
  }
  std::vector<std::string> files;
  std::vector<std::string> problems;
};

TEST(DirWalkerTest, ListsFilesRecursivelyWithSizes) {
  ScopedTempDir dir;
  WriteFile(dir.Join("a.jpg"), "xyz");
  WriteFile(dir.Join("sub/b.png"), "12345");
  WriteFile(dir.Join("sub/deeper/c.txt"), "");
  Collect c;
  ASSERT_TRUE(WalkDirectory(dir.path(), {}, c).ok());
  EXPECT_EQ(c.Sorted(), (std::vector<std::string>{"a.jpg:3", "sub/b.png:5", "sub/deeper/c.txt:0"}));
  EXPECT_TRUE(c.problems.empty());
}

TEST(DirWalkerTest, FollowsFileLinksButNotDirectoryLinksByDefault) {
  ScopedTempDir dir;
  WriteFile(dir.Join("real/x.jpg"), "1");
  ASSERT_EQ(::symlink("real/x.jpg", dir.Join("link.jpg").c_str()), 0);
  ASSERT_EQ(::symlink("real", dir.Join("linkdir").c_str()), 0);
  Collect c;
  ASSERT_TRUE(WalkDirectory(dir.path(), {}, c).ok());
  EXPECT_EQ(c.Sorted(), (std::vector<std::string>{"link.jpg:1", "real/x.jpg:1"}));

  Collect followed;
  WalkOptions opts;
  opts.follow_dir_symlinks = true;
  ASSERT_TRUE(WalkDirectory(dir.path(), opts, followed).ok());
  // "real" and "linkdir" are the same directory: it is listed once, the link reported.
  EXPECT_EQ(followed.files.size(), 2u);
  ASSERT_EQ(followed.problems.size(), 1u);
}

TEST(DirWalkerTest, SymlinkLoopIsReportedNotFollowedForever) {
  ScopedTempDir dir;
  WriteFile(dir.Join("d/f.jpg"), "1");
  ASSERT_EQ(::symlink("..", dir.Join("d/up").c_str()), 0);
  ASSERT_EQ(::symlink("self", dir.Join("self").c_str()), 0);  // a link to itself
  Collect c;
  WalkOptions opts;
  opts.follow_dir_symlinks = true;
  ASSERT_TRUE(WalkDirectory(dir.path(), opts, c).ok());
  EXPECT_EQ(c.Sorted(), (std::vector<std::string>{"d/f.jpg:1"}));
  ASSERT_EQ(c.problems.size(), 2u);
  std::sort(c.problems.begin(), c.problems.end());
  EXPECT_NE(c.problems[0].find("loop"), std::string::npos) << c.problems[0];
  EXPECT_NE(c.problems[1].find("loop"), std::string::npos) << c.problems[1];
}

TEST(DirWalkerTest, BrokenLinkAndUnreadableDirectoryAreProblems) {
  ScopedTempDir dir;
  WriteFile(dir.Join("ok.jpg"), "1");
  WriteFile(dir.Join("locked/secret.jpg"), "1");
  ASSERT_EQ(::symlink("missing.jpg", dir.Join("broken.jpg").c_str()), 0);
  ASSERT_EQ(::chmod(dir.Join("locked").c_str(), 0), 0);
  Collect c;
  ASSERT_TRUE(WalkDirectory(dir.path(), {}, c).ok());
  bool root = ::geteuid() == 0;  // root reads a mode-0 directory anyway
  EXPECT_EQ(c.Sorted(), root ? (std::vector<std::string>{"locked/secret.jpg:1", "ok.jpg:1"})
                             : (std::vector<std::string>{"ok.jpg:1"}));
  std::sort(c.problems.begin(), c.problems.end());
  ASSERT_EQ(c.problems.size(), root ? 1u : 2u);
  EXPECT_NE(c.problems[0].find("broken symbolic link"), std::string::npos) << c.problems[0];
}

TEST(DirWalkerTest, MissingRootFails) {
  Collect c;
  Status s = WalkDirectory("/nonexistent/cvat-ingest", {}, c);
  EXPECT_EQ(s.code(), Status::Code::kNotFound);
  EXPECT_NE(s.message().find("/nonexistent/cvat-ingest"), std::string::npos);
}

}  // namespace
}  // namespace ingest
