// SideHasher: the journal's prefix hashes computed apart from the transfer (issue 12). Each
// digest must be the XXH3 of exactly the prefix asked for, and a file that changed after it
// was planned must give no digest at all.
#include "upload/side_hasher.h"

#include <sys/stat.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/file_record.h"
#include "engine/hasher.h"
#include "tests/testing/temp_dir.h"

namespace ingest::upload {
namespace {

using ingest::testing::ScopedTempDir;

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

int64_t Mtime(const std::string& path) {
  struct stat st;
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return MtimeNs(st);
}

// Collects digests as the hasher wakes its owner.
class Collector {
  // Declared before the hasher, so they outlive its thread.
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<SideHasher::Digest> got_;

 public:
  SideHasher hasher{[this] { Wake(); }};

  // Waits (at most 10 s) until `n` digests came; returns them all.
  std::vector<SideHasher::Digest> WaitFor(size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(10), [&] {
      for (auto& d : hasher.Take()) got_.push_back(std::move(d));
      return got_.size() >= n;
    });
    return got_;
  }

 private:
  void Wake() {
    std::lock_guard lock(mu_);
    cv_.notify_all();
  }
};

TEST(SideHasherTest, EachDigestIsTheHashOfExactlyThePrefixAskedFor) {
  ScopedTempDir dir;
  std::string path = dir.Join("big.bin");
  std::string bytes = RandomBytes(5'000'123, 1);
  ingest::testing::WriteFile(path, bytes);
  Collector c;
  const std::vector<uint64_t> ends = {1, 1 << 20, (3 << 20) + 7, 5'000'000, bytes.size()};
  for (uint64_t end : ends) c.hasher.Want(7, 3, path, bytes.size(), Mtime(path), end);
  std::vector<SideHasher::Digest> got = c.WaitFor(ends.size());
  ASSERT_EQ(got.size(), ends.size());
  for (size_t i = 0; i < ends.size(); ++i) {
    EXPECT_EQ(got[i].owner, 7u);
    EXPECT_EQ(got[i].file, 3u);
    EXPECT_EQ(got[i].upto, ends[i]);
    EXPECT_EQ(got[i].hex, ToHex(HashBytes(bytes.data(), ends[i]))) << ends[i];
  }
}

TEST(SideHasherTest, AFileChangedSinceThePlanGivesNoDigest) {
  ScopedTempDir dir;
  std::string path = dir.Join("moved.bin");
  std::string bytes = RandomBytes(2 << 20, 2);
  ingest::testing::WriteFile(path, bytes);
  const int64_t planned = Mtime(path);
  Collector c;
  // Planned with another time (the file was written again since): nothing to trust.
  c.hasher.Want(1, 0, path, bytes.size(), planned - 1'000'000'000, 1 << 20);
  // Planned with another size.
  c.hasher.Want(1, 1, path, bytes.size() + 1, planned, 1 << 20);
  // Shorter than the prefix asked for.
  c.hasher.Want(1, 2, path, bytes.size(), planned, bytes.size() + 10);
  // Missing.
  c.hasher.Want(1, 4, dir.Join("gone.bin"), bytes.size(), planned, 10);
  std::vector<SideHasher::Digest> got = c.WaitFor(4);
  ASSERT_EQ(got.size(), 4u);
  for (const SideHasher::Digest& d : got) EXPECT_EQ(d.hex, "") << "file " << d.file;
}

TEST(SideHasherTest, OnceBrokenAFileStaysWithoutDigests) {
  ScopedTempDir dir;
  std::string path = dir.Join("f.bin");
  std::string bytes = RandomBytes(3 << 20, 3);
  ingest::testing::WriteFile(path, bytes);
  Collector c;
  c.hasher.Want(1, 0, path, bytes.size(), Mtime(path), 2 << 20);
  c.hasher.Want(1, 0, path, bytes.size(), Mtime(path), 1 << 20);  // backwards: refused
  c.hasher.Want(1, 0, path, bytes.size(), Mtime(path), 3 << 20);
  std::vector<SideHasher::Digest> got = c.WaitFor(3);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].hex, ToHex(HashBytes(bytes.data(), 2 << 20)));
  EXPECT_EQ(got[1].hex, "");
  EXPECT_EQ(got[2].hex, "");
}

TEST(SideHasherTest, AForgottenOwnerGetsNothingMoreAndOthersGoOn) {
  ScopedTempDir dir;
  std::string path = dir.Join("f.bin");
  std::string bytes = RandomBytes(8 << 20, 4);
  ingest::testing::WriteFile(path, bytes);
  Collector c;
  for (uint64_t end = 1 << 20; end <= bytes.size(); end += 1 << 20) {
    c.hasher.Want(1, 0, path, bytes.size(), Mtime(path), end);
  }
  c.hasher.Forget(1);
  c.hasher.Want(2, 0, path, bytes.size(), Mtime(path), bytes.size());
  std::vector<SideHasher::Digest> got = c.WaitFor(1);
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.back().owner, 2u);
  for (const SideHasher::Digest& d : got) EXPECT_EQ(d.owner, 2u) << "owner 1 was forgotten";
  EXPECT_EQ(got.back().hex, ToHex(HashBytes(bytes.data(), bytes.size())));
}

}  // namespace
}  // namespace ingest::upload
