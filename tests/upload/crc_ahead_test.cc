// CrcAhead: the CRC-32s of a packed zip's large plain-file members computed on a thread of
// their own (issue 14). The zip must come out byte for byte as when the stream hashes every
// member itself, and a member whose file moved while it was sent must fail the read.
#include "upload/crc_ahead.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "engine/file_record.h"
#include "tests/testing/temp_dir.h"
#include "tests/upload/zip_test_util.h"
#include "upload/zip_stream.h"

namespace ingest::upload {
namespace {

using ingest::testing::ScopedTempDir;

struct Files {
  std::vector<ZipMember> members;
  std::vector<std::string> paths;
  std::vector<std::string> bytes;
};

// Members of mixed sizes: two large enough for the second reader, small ones between them.
Files MakeFiles(const ScopedTempDir& dir) {
  Files f;
  const std::vector<size_t> sizes = {(3 << 20) + 11, 5000, 0, (1 << 20), 70000, (2 << 20) + 1};
  for (size_t i = 0; i < sizes.size(); ++i) {
    std::string name = "cam" + std::to_string(i % 2) + "/00000" + std::to_string(i) + ".jpg";
    f.bytes.push_back(ingest::testing::PseudoRandomBytes(sizes[i], static_cast<uint32_t>(i)));
    f.paths.push_back(dir.Join("src/" + name));
    ingest::testing::WriteFile(f.paths.back(), f.bytes.back());
    f.members.push_back({name, sizes[i]});
  }
  return f;
}

std::vector<CrcAhead::Member> AheadMembers(const Files& f) {
  std::vector<CrcAhead::Member> out(f.members.size());
  for (size_t i = 0; i < f.members.size(); ++i) {
    if (f.members[i].size < CrcAhead::kMinSize) continue;
    struct stat st;
    EXPECT_EQ(::stat(f.paths[i].c_str(), &st), 0);
    out[i] = {f.paths[i], f.members[i].size, MtimeNs(st)};
  }
  return out;
}

ZipSource SourceOf(const Files& f, std::vector<size_t>* reported) {
  ZipSource source;
  source.open = [&f](size_t i) { return OpenFileReader(f.paths[i]); };
  source.on_crc = [reported](size_t i, uint32_t) { reported->push_back(i); };
  return source;
}

TEST(CrcAheadTest, TheZipIsTheSameAsWhenTheStreamHashesEveryMember) {
  ScopedTempDir dir;
  const Files f = MakeFiles(dir);
  auto layout = ZipLayout::Plan(f.members, 0);
  ASSERT_TRUE(layout.has_value()) << layout.status().ToString();

  std::vector<size_t> reported_alone, reported_apart;
  ZipStream alone(*layout, SourceOf(f, &reported_alone));
  const std::string want = testing::ReadAll(alone);

  // A small window ahead: the thread must wait for the stream and still finish.
  CrcAhead ahead(AheadMembers(f), 1 << 20);
  for (size_t i = 0; i < f.members.size(); ++i) {
    EXPECT_EQ(ahead.Covers(i), f.members[i].size >= CrcAhead::kMinSize) << i;
  }
  ZipSource source = SourceOf(f, &reported_apart);
  source.ahead = &ahead;
  ZipStream apart(*layout, std::move(source));
  EXPECT_EQ(testing::ReadAll(apart, (256 << 10) + 3), want);
  // Every member's CRC reaches the journal either way, in order.
  EXPECT_EQ(reported_apart, reported_alone);
  // Read from the middle of the large first member (a resume): the same bytes on.
  ZipSource again = SourceOf(f, &reported_apart);
  again.ahead = &ahead;
  ZipStream resumed(*layout, std::move(again));
  EXPECT_EQ(testing::ReadFrom(resumed, 1 << 20), want.substr(1 << 20));
  EXPECT_EQ(resumed.stats().bytes_hashed_apart, 0u) << "the second reader did the hashing";
}

TEST(CrcAheadTest, CrcsAreThoseOfTheBytes) {
  ScopedTempDir dir;
  const Files f = MakeFiles(dir);
  CrcAhead ahead(AheadMembers(f), 64 << 20);
  for (size_t i = 0; i < f.members.size(); ++i) {
    if (!ahead.Covers(i)) continue;
    Result<uint32_t> crc = ahead.Crc(i);
    ASSERT_TRUE(crc.has_value()) << crc.status().ToString();
    EXPECT_EQ(*crc, testing::CrcOf(f.bytes[i])) << i;
  }
}

TEST(CrcAheadTest, AMemberThatMovedWhileSentFailsTheReadNamingIt) {
  ScopedTempDir dir;
  Files f = MakeFiles(dir);
  auto layout = ZipLayout::Plan(f.members, 0);
  ASSERT_TRUE(layout.has_value());
  CrcAhead ahead(AheadMembers(f), 64 << 20);
  std::vector<size_t> reported;
  ZipSource source = SourceOf(f, &reported);
  source.ahead = &ahead;
  ZipStream stream(*layout, std::move(source));
  // Rewritten with other bytes of the same size after the plan: its time moves.
  std::string changed = f.bytes[3];
  changed[10] ^= 1;
  struct timespec later[2] = {{0, UTIME_OMIT}, {2'000'000'000, 0}};
  ingest::testing::WriteFile(f.paths[3], changed);
  ASSERT_EQ(::utimensat(AT_FDCWD, f.paths[3].c_str(), later, 0), 0);
  std::string out(stream.total_size(), '\0');
  Result<size_t> got = stream.ReadAt(0, out.data(), out.size());
  ASSERT_FALSE(got.has_value());
  EXPECT_NE(got.status().message().find(f.members[3].name), std::string::npos)
      << got.status().ToString();
  EXPECT_NE(got.status().message().find("changed since the scan"), std::string::npos)
      << got.status().ToString();
}

}  // namespace
}  // namespace ingest::upload
