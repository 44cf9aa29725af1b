#include "engine/byte_source.h"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "engine/unique_fd.h"
#include "tests/testing/temp_dir.h"

namespace ingest {
namespace {

TEST(ByteSourceTest, FdSourceReadsLikeMemoryAcrossCacheBoundaries) {
  testing::ScopedTempDir dir;
  std::string bytes(200000, '\0');
  std::mt19937 rng(1);
  for (char& c : bytes) c = static_cast<char>(rng());
  std::string path = dir.Join("blob");
  testing::WriteFile(path, bytes);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(fd.valid());
  FdByteSource file(fd.get(), bytes.size(), 8192);
  SpanByteSource mem(bytes);
  for (int i = 0; i < 2000; ++i) {
    uint64_t off = rng() % (bytes.size() + 100);
    size_t n = rng() % (i % 10 == 0 ? 20000 : 300);
    std::string a(n, '\0'), b(n, '\0');
    Result<size_t> ra = file.ReadAt(off, a.data(), n);
    Result<size_t> rb = mem.ReadAt(off, b.data(), n);
    ASSERT_TRUE(ra.has_value() && rb.has_value());
    ASSERT_EQ(*ra, *rb) << off << " " << n;
    ASSERT_EQ(a.substr(0, *ra), b.substr(0, *rb));
  }
}

TEST(ByteSourceTest, ReadExactNamesTheTruncatedStructure) {
  SpanByteSource mem(std::string_view("abc"));
  char buf[8];
  EXPECT_TRUE(ReadExact(mem, 0, buf, 3, "X").ok());
  Status s = ReadExact(mem, 1, buf, 3, "PNG: IHDR");
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_EQ(s.message(), "PNG: IHDR: truncated");
}

}  // namespace
}  // namespace ingest
