// ArchiveMembers: members streamed out of zip and tar.gz archives by ordinal, with streams
// reused for members asked in archive order, and clear errors when the archive changed.
#include "upload/archive_members.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/testing/archive_writer.h"
#include "tests/testing/temp_dir.h"

namespace ingest::upload {
namespace {

using ingest::testing::ArchiveFormat;
using ingest::testing::WriteArchive;


// Reads [offset, offset + n) of a member in pieces of `piece` bytes.
std::string ReadRange(FileReader& r, uint64_t offset, uint64_t n, size_t piece) {
  std::string out;
  std::vector<char> buf(piece);
  while (out.size() < n) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(piece, n - out.size()));
    Result<size_t> got = r.ReadAt(offset + out.size(), buf.data(), want);
    EXPECT_TRUE(static_cast<bool>(got)) << got.error().ToString();
    if (!got || *got == 0) break;
    out.append(buf.data(), *got);
  }
  return out;
}

class ArchiveMembersTest : public ::testing::TestWithParam<ArchiveFormat> {
 protected:
  void SetUp() override {
    path_ = dir_.Join("a.archive");
    for (int i = 0; i < 6; ++i) {
      members_.push_back({"d" + std::to_string(i % 2) + "/m" + std::to_string(i) + ".png",
                          ingest::testing::PseudoRandomBytes(i == 3 ? 700000 : 1000 + 37 * static_cast<size_t>(i),
                                static_cast<uint32_t>(i))});
    }
    std::vector<ingest::testing::ArchiveEntry> entries;
    for (const auto& [name, data] : members_) entries.push_back({name, data});
    WriteArchive(path_, GetParam(), entries);
  }

  ingest::testing::ScopedTempDir dir_;
  std::string path_;
  std::vector<std::pair<std::string, std::string>> members_;
};

TEST_P(ArchiveMembersTest, InOrderReadsCostOnePassOverTheArchive) {
  ArchiveMembers archive(path_);
  for (size_t i = 0; i < members_.size(); ++i) {
    Result<std::unique_ptr<FileReader>> r = archive.Open(i, members_[i].first);
    ASSERT_TRUE(static_cast<bool>(r)) << r.error().ToString();
    // Only part of member 1 is read: the next member must still be found.
    size_t n = i == 1 ? 10 : members_[i].second.size();
    EXPECT_EQ(ReadRange(**r, 0, n, 4096), members_[i].second.substr(0, n)) << members_[i].first;
  }
  EXPECT_EQ(archive.opens(), 1u);
}

TEST_P(ArchiveMembersTest, ReadsAtAnyOffsetIncludingBackwards) {
  ArchiveMembers archive(path_);
  Result<std::unique_ptr<FileReader>> r = archive.Open(3, members_[3].first);
  ASSERT_TRUE(static_cast<bool>(r)) << r.error().ToString();
  const std::string& want = members_[3].second;
  EXPECT_EQ(ReadRange(**r, 0, 300000, 65536), want.substr(0, 300000));
  EXPECT_EQ(ReadRange(**r, 500000, 1000, 333), want.substr(500000, 1000));  // forward skip
  EXPECT_EQ(ReadRange(**r, 100000, 50000, 8192), want.substr(100000, 50000));  // backwards
  char c;
  Result<size_t> end = (*r)->ReadAt(want.size(), &c, 1);
  ASSERT_TRUE(static_cast<bool>(end));
  EXPECT_EQ(*end, 0u);
  // Two members open at once (two TUS uploads), then an earlier one again.
  Result<std::unique_ptr<FileReader>> r5 = archive.Open(5, members_[5].first);
  Result<std::unique_ptr<FileReader>> r0 = archive.Open(0, members_[0].first);
  ASSERT_TRUE(r5 && r0);
  EXPECT_EQ(ReadRange(**r5, 0, members_[5].second.size(), 4096), members_[5].second);
  EXPECT_EQ(ReadRange(**r0, 0, members_[0].second.size(), 4096), members_[0].second);
}

TEST_P(ArchiveMembersTest, AnArchiveThatChangedIsAnErrorNamingIt) {
  ArchiveMembers archive(path_);
  Result<std::unique_ptr<FileReader>> wrong = archive.Open(2, "d0/other.png");
  ASSERT_FALSE(static_cast<bool>(wrong));
  EXPECT_EQ(wrong.error().code(), Status::Code::kCorruption);
  EXPECT_NE(wrong.error().message().find(path_), std::string::npos) << wrong.error().ToString();
  EXPECT_NE(wrong.error().message().find("changed since it was scanned"), std::string::npos);
  Result<std::unique_ptr<FileReader>> gone = archive.Open(40, "d0/m40.png");
  ASSERT_FALSE(static_cast<bool>(gone));
  EXPECT_NE(gone.error().message().find("no longer in the archive"), std::string::npos)
      << gone.error().ToString();
  ArchiveMembers missing(dir_.Join("missing.zip"));
  EXPECT_FALSE(static_cast<bool>(missing.Open(0, "x")));
}

INSTANTIATE_TEST_SUITE_P(Formats, ArchiveMembersTest,
                         ::testing::Values(ArchiveFormat::kZip, ArchiveFormat::kTarGz,
                                           ArchiveFormat::kTar),
                         [](const auto& param_info) {
                           switch (param_info.param) {
                             case ArchiveFormat::kZip: return std::string("Zip");
                             case ArchiveFormat::kTarGz: return std::string("TarGz");
                             default: return std::string("Tar");
                           }
                         });

}  // namespace
}  // namespace ingest::upload
