// ZipStream with a member over 4 GiB (ZIP64 sizes, a ZIP64 offset after it, ZIP64 end records),
// the member a sparse file made at test time; the zip is written sparse too. Each reader reads
// the 4 GiB member whole, so this test is labelled slow (about 30 s).
#include <string>
#include <vector>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "engine/unique_fd.h"
#include "tests/testing/temp_dir.h"
#include "tests/upload/zip_test_util.h"
#include "upload/zip_layout.h"
#include "upload/zip_stream.h"

namespace ingest::upload {
namespace {

using ingest::testing::ScopedTempDir;

// A sparse file of `size` bytes: "head" at 0, "tail" at the end, zeros between.
void MakeSparseFile(const std::string& path, uint64_t size) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  ASSERT_TRUE(fd.valid()) << path;
  ASSERT_EQ(::ftruncate(fd.get(), static_cast<off_t>(size)), 0);
  ASSERT_EQ(::pwrite(fd.get(), "head", 4, 0), 4);
  ASSERT_EQ(::pwrite(fd.get(), "tail", 4, static_cast<off_t>(size - 4)), 4);
}

std::string ReadRange(const std::string& path, uint64_t offset, size_t n) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  std::string out(n, '\0');
  EXPECT_EQ(::pread(fd.get(), out.data(), n, static_cast<off_t>(offset)), static_cast<ssize_t>(n));
  return out;
}

TEST(ZipStreamBigTest, AMemberOver4GiBReadsBackEverywhere) {
  ScopedTempDir dir;
  const uint64_t big_size = (4ull << 30) + 4096 + 3;
  const std::string big = dir.Join("zeros.bin");
  MakeSparseFile(big, big_size);
  const std::string small_bytes = ingest::testing::PseudoRandomBytes(5000, 1);
  ingest::testing::WriteFile(dir.Join("after.txt"), small_bytes);
  const std::vector<std::string> paths = {big, dir.Join("after.txt")};
  const std::vector<testing::ExpectedMember> expected = {
      {"big/zeros.bin", big_size, testing::CrcOfFile(big)},
      {"after/after.txt", small_bytes.size(), testing::CrcOf(small_bytes)}};

  auto layout = ZipLayout::Plan({{expected[0].name, big_size}, {expected[1].name, 5000}});
  ASSERT_TRUE(layout.has_value()) << layout.status().ToString();
  EXPECT_TRUE(layout->member_zip64_sizes(0));
  EXPECT_TRUE(layout->member_zip64_offset(1));
  EXPECT_TRUE(layout->zip64_end());
  std::vector<uint32_t> reported(2, 0);
  ZipSource source;
  source.open = [&paths](size_t i) { return OpenFileReader(paths[i]); };
  source.on_crc = [&reported](size_t i, uint32_t crc) { reported[i] = crc; };
  ZipStream stream(*layout, source);
  const std::string zip = dir.Join("big.zip");
  testing::WriteZipSparse(stream, zip);
  EXPECT_EQ(reported[0], expected[0].crc);
  EXPECT_EQ(stream.stats().members_opened, 2u);
  EXPECT_EQ(stream.stats().member_bytes_read, big_size + 5000);

  EXPECT_EQ(testing::CheckWithPythonZipfile(zip, expected, dir.path()), "");
  EXPECT_EQ(testing::CheckWithUnzip(zip, expected), "");
  EXPECT_EQ(testing::CheckWithLibarchive(zip, expected, /*streaming=*/false), "");
  EXPECT_EQ(testing::CheckWithLibarchive(zip, expected, /*streaming=*/true), "");

  // A resume near the end of the big member, its CRC from the store: the tail of the zip,
  // read from the big member only from the resume point on.
  ZipSource resumed = source;
  resumed.known_crc = [&reported](size_t i) { return std::optional<uint32_t>(reported[i]); };
  ZipStream again(*layout, resumed);
  const uint64_t offset = layout->data_offset(0) + big_size - 10;
  const std::string tail = testing::ReadFrom(again, offset);
  EXPECT_TRUE(tail == ReadRange(zip, offset, stream.total_size() - offset));
  EXPECT_EQ(again.stats().member_bytes_read, 10u + 5000u);
}

}  // namespace
}  // namespace ingest::upload
