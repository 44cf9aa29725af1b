#include "engine/scan_cache.h"

#include <cstdio>
#include <functional>
#include <map>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "engine/scanner.h"
#include "engine/xxh3.h"
#include "tests/testing/archive_writer.h"
#include "tests/testing/image_writer.h"
#include "tests/testing/temp_dir.h"

namespace ingest {
namespace {

using ingest::testing::ReadFile;
using ingest::testing::ScopedTempDir;
using ingest::testing::WriteFile;

class ScanCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteFile(dir_.Join("tree/a.png"), ingest::testing::WritePng(5, 4));
    WriteFile(dir_.Join("tree/sub/b.jpg"),
              ingest::testing::WriteJpeg(16, 8, {.exif_orientation = 6}));
    WriteFile(dir_.Join("tree/c.txt"), "some text");
    cache_path_ = dir_.Join("scan.cache");
  }

  // Scans the tree with the cache file (loaded, then rewritten); returns records by name.
  std::map<std::string, FileRecord> ScanWithCache(ScanCounters* counters, std::string* warning,
                                                  bool pixels = true) {
    return ScanSourceWithCache(dir_.Join("tree"), counters, warning, pixels);
  }

  // The same for any one source; `problems` (if given) receives the scan's problem count.
  std::map<std::string, FileRecord> ScanSourceWithCache(const std::string& source,
                                                        ScanCounters* counters,
                                                        std::string* warning, bool pixels = true,
                                                        size_t* problems = nullptr) {
    ScanOptions options{.pixel_checksum = pixels};
    options.counters = counters;
    ScanCache cache = ScanCache::Load(cache_path_, ScanCacheOptionsOf(options), warning);
    options.cache = &cache;
    Result<ScanResult> scan = Scan(std::vector<std::string>{source}, options);
    EXPECT_TRUE(scan.has_value());
    std::map<std::string, FileRecord> out;
    if (!scan) return out;
    if (problems) *problems = scan->problems.size();
    if (cache.NeedsRewrite(*scan, counters->cache_hits.load())) {
      EXPECT_TRUE(ScanCache::Save(cache_path_, *scan, ScanCacheOptionsOf(options)).ok());
    }
    for (const FileRecord& f : scan->files) {
      FileRecord copy = f;
      copy.rel_path = {};
      out[std::string(f.rel_path)] = copy;
    }
    return out;
  }

  void ExpectSame(const FileRecord& a, const FileRecord& b) {
    EXPECT_EQ(a.size, b.size);
    EXPECT_EQ(a.mtime_ns, b.mtime_ns);
    EXPECT_EQ(a.inode, b.inode);
    EXPECT_EQ(a.kind, b.kind);
    EXPECT_EQ(a.hash, b.hash);
    EXPECT_EQ(a.width, b.width);
    EXPECT_EQ(a.height, b.height);
    EXPECT_EQ(a.orientation, b.orientation);
    EXPECT_EQ(a.pixel_md5, b.pixel_md5);
  }

  ScopedTempDir dir_;
  std::string cache_path_;
};

TEST_F(ScanCacheTest, SecondScanOfAnUnchangedTreeReadsNoContents) {
  ScanCounters first_counters, second_counters;
  std::string warning;
  auto first = ScanWithCache(&first_counters, &warning);
  EXPECT_EQ(warning, "");  // no cache yet: silent
  EXPECT_EQ(first_counters.cache_hits.load(), 0u);
  ASSERT_EQ(first.size(), 3u);
  EXPECT_FALSE(first["a.png"].pixel_md5.empty());
  EXPECT_EQ(first["sub/b.jpg"].orientation, 6);

  auto second = ScanWithCache(&second_counters, &warning);
  EXPECT_EQ(warning, "");
  EXPECT_EQ(second_counters.cache_hits.load(), 3u);
  EXPECT_EQ(second_counters.bytes_done.load(), 0u);  // nothing read
  ASSERT_EQ(second.size(), 3u);
  for (auto& [name, rec] : first) ExpectSame(rec, second[name]);
}

TEST_F(ScanCacheTest, AnUnchangedArchiveYieldsItsMembersWithoutBeingRead) {
  std::string zip = dir_.Join("set.zip");
  ingest::testing::WriteArchive(
      zip, ingest::testing::ArchiveFormat::kZip,
      {{"a.png", ingest::testing::WritePng(5, 4)},
       {"sub/b.jpg", ingest::testing::WriteJpeg(16, 8, {.exif_orientation = 6})},
       {"c.txt", "some text"}});
  ScanCounters c0, c1;
  std::string warning;
  auto first = ScanSourceWithCache(zip, &c0, &warning);
  EXPECT_EQ(c0.cache_hits.load(), 0u);
  ASSERT_EQ(first.size(), 3u);
  EXPECT_TRUE(first["a.png"].in_archive);
  EXPECT_FALSE(first["a.png"].pixel_md5.empty());
  EXPECT_EQ(first["sub/b.jpg"].orientation, 6);

  auto second = ScanSourceWithCache(zip, &c1, &warning);
  EXPECT_EQ(warning, "");
  EXPECT_EQ(c1.cache_hits.load(), 3u);
  EXPECT_EQ(c1.files_found.load(), 3u);
  EXPECT_EQ(c1.bytes_done.load(), 0u);  // the archive was not read
  ASSERT_EQ(second.size(), 3u);
  for (auto& [name, rec] : first) {
    SCOPED_TRACE(name);
    ExpectSame(rec, second[name]);
    EXPECT_TRUE(second[name].in_archive);
  }
}

TEST_F(ScanCacheTest, AChangedArchiveIsReadAgain) {
  std::string zip = dir_.Join("set.zip");
  const std::vector<ingest::testing::ArchiveEntry> entries = {
      {"a.png", ingest::testing::WritePng(5, 4)}, {"c.txt", "some text"}};
  ingest::testing::WriteArchive(zip, ingest::testing::ArchiveFormat::kZip, entries);
  ScanCounters c0;
  std::string warning;
  ScanSourceWithCache(zip, &c0, &warning);

  // Mtime only (same bytes).
  struct stat st;
  ASSERT_EQ(::stat(zip.c_str(), &st), 0);
  struct timespec later[2] = {{0, UTIME_OMIT}, {st.st_mtim.tv_sec + 100, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, zip.c_str(), later, 0), 0);
  ScanCounters c1;
  auto touched = ScanSourceWithCache(zip, &c1, &warning);
  EXPECT_EQ(c1.cache_hits.load(), 0u);
  EXPECT_GT(c1.bytes_done.load(), 0u);
  EXPECT_EQ(touched.size(), 2u);

  // Another member: the new content is seen, not the cached one.
  std::vector<ingest::testing::ArchiveEntry> more = entries;
  more.push_back({"d.png", ingest::testing::WritePng(7, 3)});
  ingest::testing::WriteArchive(zip, ingest::testing::ArchiveFormat::kZip, more);
  ScanCounters c2;
  auto grown = ScanSourceWithCache(zip, &c2, &warning);
  EXPECT_EQ(c2.cache_hits.load(), 0u);
  ASSERT_EQ(grown.size(), 3u);
  EXPECT_EQ(grown["d.png"].width, 7u);

  ScanCounters c3;  // and that is cached in turn
  EXPECT_EQ(ScanSourceWithCache(zip, &c3, &warning).size(), 3u);
  EXPECT_EQ(c3.cache_hits.load(), 3u);
}

TEST_F(ScanCacheTest, AnArchiveWithAProblemIsNotCached) {
  std::string zip = dir_.Join("bad.zip");
  ingest::testing::WriteArchive(zip, ingest::testing::ArchiveFormat::kZip,
                                {{"a.png", ingest::testing::WritePng(5, 4)},
                                 {"broken.png", "not a png at all"}});
  for (int run = 0; run < 2; ++run) {
    SCOPED_TRACE(run);
    ScanCounters c;
    std::string warning;
    size_t problems = 0;
    auto files = ScanSourceWithCache(zip, &c, &warning, true, &problems);
    EXPECT_EQ(c.cache_hits.load(), 0u);  // read again: its problem is reported again
    EXPECT_EQ(problems, 1u);
    EXPECT_EQ(files.size(), 1u);
  }
}

TEST_F(ScanCacheTest, ChangedSizeMtimeOrInodeIsReadAgain) {
  ScanCounters c0;
  std::string warning;
  auto before = ScanWithCache(&c0, &warning);

  // Size: append to c.txt (mtime restored, so only the size tells).
  struct stat st;
  ASSERT_EQ(::stat(dir_.Join("tree/c.txt").c_str(), &st), 0);
  WriteFile(dir_.Join("tree/c.txt"), "some text, longer");
  struct timespec times[2] = {st.st_atim, st.st_mtim};
  ASSERT_EQ(::utimensat(AT_FDCWD, dir_.Join("tree/c.txt").c_str(), times, 0), 0);
  // Mtime: touch a.png with a new time, same bytes.
  struct timespec later[2] = {{0, UTIME_OMIT}, {st.st_mtim.tv_sec + 100, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, dir_.Join("tree/a.png").c_str(), later, 0), 0);
  // Inode: replace sub/b.jpg by a copy (same size) with the old mtime, through rename.
  ASSERT_EQ(::stat(dir_.Join("tree/sub/b.jpg").c_str(), &st), 0);
  WriteFile(dir_.Join("tree/sub/b.new"), ReadFile(dir_.Join("tree/sub/b.jpg")));
  struct timespec same[2] = {st.st_atim, st.st_mtim};
  ASSERT_EQ(::utimensat(AT_FDCWD, dir_.Join("tree/sub/b.new").c_str(), same, 0), 0);
  ASSERT_EQ(::rename(dir_.Join("tree/sub/b.new").c_str(), dir_.Join("tree/sub/b.jpg").c_str()), 0);

  ScanCounters c1;
  auto after = ScanWithCache(&c1, &warning);
  EXPECT_EQ(c1.cache_hits.load(), 0u);  // all three changed in one way
  EXPECT_NE(after["c.txt"].hash, before["c.txt"].hash);
  EXPECT_NE(after["a.png"].mtime_ns, before["a.png"].mtime_ns);
  EXPECT_NE(after["sub/b.jpg"].inode, before["sub/b.jpg"].inode);
  EXPECT_EQ(after["sub/b.jpg"].hash, before["sub/b.jpg"].hash);
}

class BadCacheTest : public ScanCacheTest {
 protected:
  // Builds a good cache, damages it with `damage`, and checks that the next scan warns,
  // reads every file and writes a good cache again.
  void ExpectIgnored(const std::function<void(std::string*)>& damage, const std::string& why) {
    ScanCounters c0;
    std::string warning;
    ScanWithCache(&c0, &warning);
    std::string bytes = ReadFile(cache_path_);
    damage(&bytes);
    WriteFile(cache_path_, bytes);
    ScanCounters c1;
    ScanWithCache(&c1, &warning);
    EXPECT_NE(warning.find(why), std::string::npos) << warning;
    EXPECT_NE(warning.find("ignored and rebuilt"), std::string::npos) << warning;
    EXPECT_EQ(c1.cache_hits.load(), 0u);
    ScanCounters c2;
    warning.clear();
    ScanWithCache(&c2, &warning);
    EXPECT_EQ(warning, "");
    EXPECT_EQ(c2.cache_hits.load(), 3u);  // rebuilt
  }
};

TEST_F(BadCacheTest, TruncatedIsIgnored) {
  ExpectIgnored([](std::string* b) { b->resize(b->size() - 5); }, "corrupt or truncated");
  ExpectIgnored([](std::string* b) { b->resize(10); }, "truncated header");
}

TEST_F(BadCacheTest, CorruptContentIsIgnored) {
  // The stored checksum no longer matches the content.
  ExpectIgnored([](std::string* b) { (*b)[24] = static_cast<char>((*b)[24] ^ 1); },
                "checksum mismatch");
  ExpectIgnored([](std::string* b) { (*b)[b->size() - 3] ^= 0x55; }, "");
}

TEST_F(BadCacheTest, OtherVersionIsIgnored) {
  ExpectIgnored([](std::string* b) { (*b)[8] = 7; }, "format version 7, expected 2");
}

TEST_F(BadCacheTest, CacheForOtherOptionsIsIgnored) {
  ScanCounters c0, c1;
  std::string warning;
  ScanWithCache(&c0, &warning, /*pixels=*/false);
  ScanWithCache(&c1, &warning, /*pixels=*/true);
  EXPECT_NE(warning.find("built for other options"), std::string::npos) << warning;
  EXPECT_EQ(c1.cache_hits.load(), 0u);
}

// A cache file whose header and checksum are right around `payload` (a hostile or damaged
// file that no checksum catches).
std::string WrapPayload(const std::string& payload) {
  std::string out = "CVATSCAN";
  auto put = [&out](auto v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); };
  put(uint32_t{kScanCacheVersion});
  put(uint32_t{kCacheHash | kCacheProbe | kCachePixels});
  put(uint64_t{payload.size()});
  put(uint64_t{XXH3_64bits(payload.data(), payload.size())});
  std::string frame(ZSTD_compressBound(payload.size()), '\0');
  size_t z = ZSTD_compress(frame.data(), frame.size(), payload.data(), payload.size(), 1);
  EXPECT_FALSE(ZSTD_isError(z));
  return out + frame.substr(0, z);
}

// Found by tests/fuzz/scan_cache_fuzz.cc: a source count of 2^32 - 1 in a 4-byte payload made
// Load allocate ~240 GB for the source table (std::bad_alloc, or ASan's out-of-memory).
TEST(ScanCacheLoadTest, ASourceCountBeyondThePayloadIsCorruptNotAllocated) {
  ScopedTempDir dir;
  const std::string path = dir.Join("scan.cache");
  std::string payload(4, '\xff');
  WriteFile(path, WrapPayload(payload));
  std::string warning;
  ScanCache cache = ScanCache::Load(path, kCacheHash, &warning);
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_NE(warning.find("corrupt source table"), std::string::npos) << warning;
}

}  // namespace
}  // namespace ingest
