// ZipStream / ZipLayout: the stored zip generated on the fly (issue 14). Zips are read back by
// Python's zipfile, Info-ZIP unzip and libarchive; resumes at any offset must give the same
// bytes and re-read at most the member the offset falls in.
#include "upload/zip_stream.h"

#include <map>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/testing/temp_dir.h"
#include "tests/upload/zip_test_util.h"
#include "upload/zip_layout.h"

namespace ingest::upload {
namespace {

using ingest::testing::ScopedTempDir;
using testing::ExpectedMember;

// Members written as files under dir/src, with what the readers must find.
struct Tree {
  std::vector<ZipMember> members;
  std::vector<std::string> paths;
  std::vector<ExpectedMember> expected;
};

Tree MakeTree(const ScopedTempDir& dir,
              const std::vector<std::pair<std::string, std::string>>& files) {
  Tree tree;
  for (const auto& [name, bytes] : files) {
    tree.members.push_back({name, bytes.size()});
    tree.paths.push_back(dir.Join("src/" + name));
    ingest::testing::WriteFile(tree.paths.back(), bytes);
    tree.expected.push_back({name, bytes.size(), testing::CrcOf(bytes)});
  }
  return tree;
}

// A tree of `n` members of seeded sizes (0 to 6,000 bytes) and contents, in nested folders
// whose base names clash.
Tree RandomTree(const ScopedTempDir& dir, size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::pair<std::string, std::string>> files;
  for (size_t i = 0; i < n; ++i) {
    const size_t size = rng() % 6001;
    files.emplace_back(
        "cam" + std::to_string(i % 4) + "/" + std::to_string(100000 + i / 4) + ".jpg",
        ingest::testing::PseudoRandomBytes(size, seed + static_cast<uint32_t>(i)));
  }
  return MakeTree(dir, files);
}

// What a stream did with its source: members opened in order, CRCs reported.
struct SourceLog {
  std::vector<size_t> opened;
  std::map<size_t, uint32_t> reported;
};

// Members from the tree's files; CRCs known from `store` (may be null).
ZipSource FileSource(const Tree& tree, const std::map<size_t, uint32_t>* store, SourceLog* log) {
  ZipSource source;
  source.open = [&tree, log](size_t i) {
    log->opened.push_back(i);
    return OpenFileReader(tree.paths[i]);
  };
  if (store != nullptr) {
    source.known_crc = [store](size_t i) -> std::optional<uint32_t> {
      const auto it = store->find(i);
      if (it == store->end()) return std::nullopt;
      return it->second;
    };
  }
  source.on_crc = [log](size_t i, uint32_t crc) {
    EXPECT_TRUE(log->reported.emplace(i, crc).second) << "CRC of member " << i << " twice";
  };
  return source;
}

ZipLayout PlanOrDie(std::vector<ZipMember> members, uint64_t max_total = 0) {
  auto layout = ZipLayout::Plan(std::move(members), max_total);
  EXPECT_TRUE(layout.has_value()) << layout.status().ToString();
  return std::move(layout).value();
}

std::string Generate(const Tree& tree, SourceLog* log) {
  ZipStream stream(PlanOrDie(tree.members), FileSource(tree, nullptr, log));
  return testing::ReadAll(stream);
}

void ExpectAllReadersAgree(const std::string& zip, const std::vector<ExpectedMember>& expected,
                           const ScopedTempDir& dir) {
  EXPECT_EQ(testing::CheckWithPythonZipfile(zip, expected, dir.path()), "");
  EXPECT_EQ(testing::CheckWithUnzip(zip, expected), "");
  EXPECT_EQ(testing::CheckWithLibarchive(zip, expected, /*streaming=*/false), "");
  EXPECT_EQ(testing::CheckWithLibarchive(zip, expected, /*streaming=*/true), "");
}

TEST(ZipStreamTest, ReadersFindEveryMemberOfANestedTree) {
  ScopedTempDir dir;
  const Tree tree = MakeTree(
      dir,
      {
          {"cam1/000001.jpg", ingest::testing::PseudoRandomBytes(100 << 10, 1)},
          {"cam2/000001.jpg", ingest::testing::PseudoRandomBytes(100 << 10, 2)},
          {"caf\xC3\xA9/\xE6\x97\xA5\xE6\x9C\xAC.png", ingest::testing::PseudoRandomBytes(3000, 3)},
          {"empty.txt", ""},
          {"deep/a/b/c/big.bin", ingest::testing::PseudoRandomBytes((3 << 20) + 3, 4)},
          {"related_images/cam1/000001_jpg/side.png", "PK\x07\x08 not a descriptor"},
      });
  SourceLog log;
  ZipStream stream(PlanOrDie(tree.members), FileSource(tree, nullptr, &log));
  testing::WriteZipSparse(stream, dir.Join("tree.zip"));
  EXPECT_EQ(ingest::testing::ReadFile(dir.Join("tree.zip")).size(), stream.total_size());
  ExpectAllReadersAgree(dir.Join("tree.zip"), tree.expected, dir);

  // Every member with bytes was opened once and its CRC reported once; the empty one never.
  EXPECT_EQ(log.opened, (std::vector<size_t>{0, 1, 2, 4, 5}));
  ASSERT_EQ(log.reported.size(), 5u);
  for (const auto& [i, crc] : log.reported) EXPECT_EQ(crc, tree.expected[i].crc) << i;
  EXPECT_EQ(stream.stats().crc_rereads, 0u);
  EXPECT_EQ(stream.stats().bytes_hashed_apart, 0u);
}

// The bytes are a pure function of names, sizes and contents: fixed here, on any machine.
TEST(ZipStreamTest, GoldenBytes) {
  ZipSource source;
  const std::vector<std::string> contents = {"hello\n", "world!\n"};
  source.open = [&contents](size_t i) { return Result(testing::MemoryReader(contents[i])); };
  ZipStream stream(PlanOrDie({{"a.txt", 6}, {"d/b.txt", 7}}), source);
  const std::string zip = testing::ReadAll(stream);
  ASSERT_EQ(zip.size(), (30 + 5 + 6 + 16) + (30 + 7 + 7 + 16) + (46 + 5) + (46 + 7) + 22u);
  // Checked once by python3 -m zipfile -t, unzip -lv and zipinfo -v.
  EXPECT_EQ(testing::CrcOf(zip), 0x5b00f5ffu);
}

TEST(ZipStreamTest, TwoGenerationsAreIdentical) {
  ScopedTempDir dir;
  const Tree tree = RandomTree(dir, 50, 7);
  SourceLog a, b, c;
  const std::string first = Generate(tree, &a);
  const std::string second = Generate(tree, &b);
  EXPECT_EQ(first.size(), PlanOrDie(tree.members).total_size());
  EXPECT_TRUE(first == second) << "two generations differ";
  // Read in other block sizes: the same bytes.
  ZipStream small(PlanOrDie(tree.members), FileSource(tree, nullptr, &c));
  EXPECT_TRUE(testing::ReadAll(small, 13) == first);
}

TEST(ZipStreamTest, ReadsAtSeededRandomOffsetsEqualTheWholeStreamsSlices) {
  ScopedTempDir dir;
  const Tree tree = RandomTree(dir, 40, 11);
  SourceLog log;
  const std::string full = Generate(tree, &log);
  std::mt19937_64 rng(2024);
  // One stream read in a random order (retries, jumps back and forth).
  SourceLog shared_log;
  ZipStream shared(PlanOrDie(tree.members), FileSource(tree, nullptr, &shared_log));
  std::vector<char> buf(70000);
  for (int round = 0; round < 400; ++round) {
    const uint64_t offset = rng() % (full.size() + 10);
    const size_t n = 1 + rng() % buf.size();
    auto got = shared.ReadAt(offset, buf.data(), n);
    ASSERT_TRUE(got.has_value()) << got.status().ToString();
    const std::string want = offset < full.size() ? full.substr(offset, n) : "";
    ASSERT_EQ(std::string(buf.data(), *got), want) << "offset " << offset << " n " << n;
  }
  // Fresh streams (a resume with no CRC store) from random offsets to the end.
  for (int round = 0; round < 40; ++round) {
    const uint64_t offset = rng() % full.size();
    SourceLog fresh_log;
    ZipStream fresh(PlanOrDie(tree.members), FileSource(tree, nullptr, &fresh_log));
    ASSERT_TRUE(testing::ReadFrom(fresh, offset, 1 + rng() % 100000) == full.substr(offset))
        << "offset " << offset;
  }
}

// Offsets inside member k: its local header, data and descriptor.
std::vector<uint64_t> OffsetsIn(const ZipLayout& layout, size_t k) {
  const uint64_t data = layout.data_offset(k);
  const uint64_t size = layout.member(k).size;
  return {layout.local_header_offset(k),
          layout.local_header_offset(k) + 7,
          data,
          data + size / 2,
          data + size - 1,
          data + size,
          data + size + 5};
}

TEST(ZipStreamTest, AResumeInsideMemberKOpensOnlyMembersFromK) {
  ScopedTempDir dir;
  const Tree tree = RandomTree(dir, 12, 5);
  SourceLog first;
  const std::string full = Generate(tree, &first);
  const ZipLayout layout = PlanOrDie(tree.members);
  for (size_t k = 0; k < tree.members.size(); ++k) {
    if (tree.members[k].size == 0) continue;
    // The journal has the CRCs of the members before k (sent in full), not k's.
    std::map<size_t, uint32_t> store;
    for (size_t j = 0; j < k; ++j) store.emplace(j, first.reported[j]);
    uint64_t rest = 0;
    std::vector<size_t> from_k;
    for (size_t j = k; j < tree.members.size(); ++j) {
      rest += tree.members[j].size;
      if (tree.members[j].size > 0) from_k.push_back(j);
    }
    for (const uint64_t offset : OffsetsIn(layout, k)) {
      SourceLog log;
      ZipStream stream(PlanOrDie(tree.members), FileSource(tree, &store, &log));
      ASSERT_TRUE(testing::ReadFrom(stream, offset) == full.substr(offset)) << k << " " << offset;
      EXPECT_EQ(log.opened, from_k) << "member " << k << " offset " << offset;
      // Each member from k on read exactly once in total; nothing before k.
      EXPECT_EQ(stream.stats().member_bytes_read, rest) << "member " << k << " offset " << offset;
      const bool at_descriptor = offset >= layout.data_offset(k) + tree.members[k].size;
      EXPECT_EQ(stream.stats().crc_rereads, at_descriptor ? 1u : 0u) << k << " " << offset;
    }
  }
}

// Two sessions as the upload will run them: the first sends [0, X) and persists every CRC it
// reports (the journal), dies; the second resumes at X with those CRCs. Seeded offsets X.
TEST(ZipStreamTest, ASessionResumedAtSeededOffsetsFinishesTheSameZip) {
  ScopedTempDir dir;
  const Tree tree = RandomTree(dir, 30, 23);
  SourceLog whole;
  const std::string full = Generate(tree, &whole);
  const ZipLayout layout = PlanOrDie(tree.members);
  std::mt19937_64 rng(14);
  for (int round = 0; round < 20; ++round) {
    const uint64_t cut = rng() % full.size();
    SourceLog first;
    ZipStream before(PlanOrDie(tree.members), FileSource(tree, nullptr, &first));
    std::string sent(cut, '\0');
    for (uint64_t at = 0; at < cut;) {
      auto got = before.ReadAt(at, sent.data() + at, std::min<uint64_t>(cut - at, 65536));
      ASSERT_TRUE(got.has_value() && *got > 0) << got.status().ToString();
      at += *got;
    }
    SourceLog second;
    ZipStream after(PlanOrDie(tree.members), FileSource(tree, &first.reported, &second));
    ASSERT_TRUE(sent + testing::ReadFrom(after, cut) == full) << "cut at " << cut;
    // Only members from the one the cut falls in are opened, each once (none in the directory:
    // every CRC was persisted by the first session).
    const ZipSpan span = layout.Locate(cut);
    const bool in_members = span.part != ZipPart::kCentralEntry && span.part != ZipPart::kEnd;
    for (size_t j = 0; j < second.opened.size(); ++j) {
      EXPECT_TRUE(in_members && second.opened[j] >= span.index) << cut;
      if (j > 0) {
        EXPECT_GT(second.opened[j], second.opened[j - 1]) << cut;
      }
    }
    EXPECT_EQ(after.stats().crc_rereads, 0u) << cut;
  }
}

TEST(ZipStreamTest, AResumeWithMemberKsCrcKnownReadsOnlyTheRestOfK) {
  ScopedTempDir dir;
  const Tree tree = RandomTree(dir, 6, 9);
  SourceLog first;
  const std::string full = Generate(tree, &first);
  const ZipLayout layout = PlanOrDie(tree.members);
  const size_t k = 3;
  const uint64_t within = tree.members[k].size / 3;
  SourceLog log;
  ZipStream stream(PlanOrDie(tree.members), FileSource(tree, &first.reported, &log));
  const uint64_t offset = layout.data_offset(k) + within;
  ASSERT_TRUE(testing::ReadFrom(stream, offset) == full.substr(offset));
  uint64_t after_k = 0;
  for (size_t j = k + 1; j < tree.members.size(); ++j) after_k += tree.members[j].size;
  EXPECT_EQ(stream.stats().member_bytes_read, tree.members[k].size - within + after_k);
  EXPECT_EQ(stream.stats().bytes_hashed_apart, 0u);
  EXPECT_TRUE(log.reported.empty()) << "CRCs from the store are not reported again";
}

TEST(ZipStreamTest, AResumeInTheCentralDirectoryRereadsOnlyMembersWithUnknownCrcs) {
  ScopedTempDir dir;
  const Tree tree = RandomTree(dir, 10, 13);
  SourceLog first;
  const std::string full = Generate(tree, &first);
  const ZipLayout layout = PlanOrDie(tree.members);
  std::map<size_t, uint32_t> store = first.reported;
  store.erase(2);  // before the resume point: its entry is not regenerated
  store.erase(6);  // after it: member 6 must be read again
  const uint64_t offset = layout.Locate(layout.central_directory_offset()).start +
                          layout.CentralEntrySize(0) + layout.CentralEntrySize(1) +
                          layout.CentralEntrySize(2) + layout.CentralEntrySize(3) + 20;
  ASSERT_EQ(layout.Locate(offset).part, ZipPart::kCentralEntry);
  ASSERT_EQ(layout.Locate(offset).index, 4u);
  SourceLog log;
  ZipStream stream(PlanOrDie(tree.members), FileSource(tree, &store, &log));
  ASSERT_TRUE(testing::ReadFrom(stream, offset) == full.substr(offset));
  EXPECT_EQ(log.opened, std::vector<size_t>{6});
  EXPECT_EQ(stream.stats().crc_rereads, 1u);
  EXPECT_EQ(stream.stats().member_bytes_read, tree.members[6].size);
  EXPECT_EQ(log.reported.size(), 1u);
  EXPECT_EQ(log.reported[6], first.reported[6]);
}

TEST(ZipStreamTest, AMemberChangedSinceItsCrcWasRecordedFailsTheRead) {
  ScopedTempDir dir;
  const Tree tree = RandomTree(dir, 4, 17);
  SourceLog first;
  Generate(tree, &first);
  std::string bytes = ingest::testing::ReadFile(tree.paths[2]);
  ASSERT_FALSE(bytes.empty());
  bytes[0] = static_cast<char>(bytes[0] ^ 1);
  ingest::testing::WriteFile(tree.paths[2], bytes);
  SourceLog log;
  ZipStream stream(PlanOrDie(tree.members), FileSource(tree, &first.reported, &log));
  std::vector<char> buf(1 << 20);
  Status failure;
  for (uint64_t offset = 0; failure.ok() && offset < stream.total_size();) {
    auto got = stream.ReadAt(offset, buf.data(), buf.size());
    if (!got) {
      failure = got.error();
    } else {
      offset += *got;
    }
  }
  EXPECT_EQ(failure.code(), Status::Code::kCorruption);
  EXPECT_NE(failure.message().find(tree.members[2].name), std::string::npos) << failure.message();
  EXPECT_NE(failure.message().find("changed"), std::string::npos) << failure.message();
}

TEST(ZipStreamTest, AMemberThatShrankFailsTheRead) {
  ScopedTempDir dir;
  const Tree tree = MakeTree(dir, {{"a/x.jpg", std::string(5000, 'x')}});
  ingest::testing::WriteFile(tree.paths[0], std::string(4000, 'x'));
  SourceLog log;
  ZipStream stream(PlanOrDie(tree.members), FileSource(tree, nullptr, &log));
  std::vector<char> buf(1 << 16);
  auto got = stream.ReadAt(0, buf.data(), buf.size());
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().message(),
            "zip member \"a/x.jpg\": ended at byte 4000 of its planned 5000 (the file changed "
            "since the scan)");
}

TEST(ZipLayoutTest, RefusesNamesThatAreNotSafeRelativeUtf8Paths) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"../x.jpg", "\"..\" component"},
      {"a/../x.jpg", "\"..\" component"},
      {"/etc/x.jpg", "absolute"},
      {"a//x.jpg", "empty component"},
      {"a/", "empty component"},
      {"./x.jpg", "\".\" component"},
      {"bad\xFF.jpg", "not valid UTF-8"},
      {"a\\x.jpg", "backslash"},
      {"", "empty"},
      {std::string("a\0b", 3), "NUL"},
      {std::string(70000, 'n'), "65,535"},
  };
  for (const auto& [name, why] : cases) {
    auto layout = ZipLayout::Plan({{"ok.jpg", 1}, {name, 1}});
    ASSERT_FALSE(layout.has_value()) << name;
    EXPECT_EQ(layout.error().code(), Status::Code::kInvalidArgument);
    EXPECT_NE(layout.error().message().find(why), std::string::npos) << layout.error().message();
  }
  auto bad_utf8 = ZipLayout::Plan({{"dir/bad\xFF.jpg", 1}});
  EXPECT_EQ(bad_utf8.error().message(),
            "zip member \"dir/bad\\xFF.jpg\": the name is not valid UTF-8");
  auto twice = ZipLayout::Plan({{"a/1.jpg", 1}, {"b/1.jpg", 1}, {"a/1.jpg", 2}});
  EXPECT_EQ(twice.error().message(), "zip member \"a/1.jpg\": the name is used by two members");
}

TEST(ZipLayoutTest, RefusesAZipOverTheServersMaxSizeAndSuggestsASplitThatFits) {
  std::vector<ZipMember> members;
  for (int i = 0; i < 100; ++i) members.push_back({"f/" + std::to_string(i) + ".jpg", 1000});
  const uint64_t max_total = 25000;
  auto layout = ZipLayout::Plan(members, max_total);
  ASSERT_FALSE(layout.has_value());
  const std::string& msg = layout.error().message();
  EXPECT_NE(msg.find("over the server's Tus-Max-Size of 25,000 bytes"), std::string::npos) << msg;
  const size_t at = msg.find("--split-every ");
  ASSERT_NE(at, std::string::npos) << msg;
  const size_t every = std::stoul(msg.substr(at + 14));
  ASSERT_GT(every, 0u);
  for (size_t start = 0; start < members.size(); start += every) {
    std::vector<ZipMember> part(members.begin() + start,
                                members.begin() + std::min(members.size(), start + every));
    EXPECT_TRUE(ZipLayout::Plan(part, max_total).has_value()) << "--split-every " << every;
  }
  std::vector<ZipMember> more(members.begin(), members.begin() + every + 1);
  EXPECT_FALSE(ZipLayout::Plan(more, max_total).has_value()) << "the largest split";

  auto alone = ZipLayout::Plan({{"small.jpg", 10}, {"huge.mp4", 30000}}, max_total);
  ASSERT_FALSE(alone.has_value());
  EXPECT_NE(alone.error().message().find("member \"huge.mp4\" alone is 30,000 bytes"),
            std::string::npos)
      << alone.error().message();
  EXPECT_TRUE(ZipLayout::Plan(members, 0).has_value()) << "0: no limit";
}

TEST(ZipLayoutTest, UsesZip64ExactlyWhereSizesOffsetsOrTheCountNeedIt) {
  const uint64_t k4g = 0xFFFFFFFFull;
  const ZipLayout small = PlanOrDie({{"a", k4g - 1}, {"b", 1}});
  EXPECT_FALSE(small.member_zip64_sizes(0));
  EXPECT_EQ(small.local_header_offset(1), 30 + 1 + (k4g - 1) + 16);
  EXPECT_TRUE(small.member_zip64_offset(1));  // 4 GiB + 46: its offset needs ZIP64
  EXPECT_TRUE(small.zip64_end());

  const ZipLayout big = PlanOrDie({{"a", k4g}, {"b", 1}});
  EXPECT_TRUE(big.member_zip64_sizes(0));
  EXPECT_FALSE(big.member_zip64_offset(0));
  EXPECT_EQ(big.LocalHeaderSize(0), 30 + 1 + 20u);
  EXPECT_EQ(big.DataDescriptorSize(0), 24u);
  EXPECT_EQ(big.CentralEntrySize(0), 46 + 1 + 4 + 16u);
  EXPECT_EQ(big.CentralEntrySize(1), 46 + 1 + 4 + 8u);

  const ZipLayout plain = PlanOrDie({{"a", 10}, {"bb", 20}});
  EXPECT_FALSE(plain.zip64_end());
  EXPECT_EQ(plain.total_size(),
            (30 + 1 + 10 + 16) + (30 + 2 + 20 + 16) + (46 + 1) + (46 + 2) + 22u);

  std::vector<ZipMember> members;
  for (size_t i = 0; i < 0xFFFE; ++i) members.push_back({std::to_string(i), 0});
  EXPECT_FALSE(PlanOrDie(members).zip64_end()) << "65,534 members";
  members.push_back({"last", 0});
  EXPECT_TRUE(PlanOrDie(members).zip64_end()) << "65,535 members: the count field's sentinel";
}

TEST(ZipStreamTest, Zip64WithMoreThan65535Members) {
  ScopedTempDir dir;
  constexpr size_t kMembers = 70000;
  std::vector<ZipMember> members;
  std::vector<ExpectedMember> expected;
  const auto content = [](size_t i) { return std::string(i % 7, static_cast<char>('a' + i % 26)); };
  for (size_t i = 0; i < kMembers; ++i) {
    const std::string c = content(i);
    members.push_back(
        {"d" + std::to_string(i / 1000) + "/" + std::to_string(i) + ".txt", c.size()});
    expected.push_back({members.back().name, c.size(), testing::CrcOf(c)});
  }
  ZipSource source;
  source.open = [&content](size_t i) { return Result(testing::MemoryReader(content(i))); };
  ZipStream stream(PlanOrDie(members), source);
  ASSERT_TRUE(stream.layout().zip64_end());
  testing::WriteZipSparse(stream, dir.Join("many.zip"));
  ExpectAllReadersAgree(dir.Join("many.zip"), expected, dir);
}

}  // namespace
}  // namespace ingest::upload
