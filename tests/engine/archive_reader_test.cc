#include "engine/archive_reader.h"

#include <gtest/gtest.h>
#include <locale.h>

#include <string>
#include <vector>

#include "tests/testing/archive_writer.h"
#include "tests/testing/temp_dir.h"

namespace ingest {
namespace {

using testing::ArchiveFormat;
using testing::ScopedTempDir;

struct Listed {
  std::vector<std::string> names;  // "name=data" or "name!problem"
  Status end;
};

Listed ListAll(const std::string& path) {
  Listed out;
  Result<std::unique_ptr<ArchiveReader>> r = ArchiveReader::Open(path);
  if (!r) {
    out.end = r.error();
    return out;
  }
  ArchiveMember m;
  for (;;) {
    Result<bool> more = (*r)->Next(&m);
    if (!more) {
      out.end = more.error();
      return out;
    }
    if (!*more) return out;
    if (!m.problem.ok()) {
      out.names.push_back(m.path + "!" + m.problem.message());
      continue;
    }
    std::string data;
    char buf[7];  // small on purpose: members come in several reads
    for (;;) {
      Result<size_t> n = (*r)->Read(buf, sizeof(buf));
      if (!n) {
        out.end = n.error();
        return out;
      }
      if (*n == 0) break;
      data.append(buf, *n);
    }
    out.names.push_back(m.path + "=" + data);
  }
}

class ArchiveReaderFormatTest : public ::testing::TestWithParam<ArchiveFormat> {};

TEST_P(ArchiveReaderFormatTest, StreamsRegularMembersInOrder) {
  ScopedTempDir dir;
  std::string path = dir.Join("a.archive");
  testing::WriteArchive(path, GetParam(),
                        {{"dir/", "", true},
                         {"dir/one.jpg", "first member bytes"},
                         {"./two.png", "2"},
                         {"empty.txt", ""}});
  Listed l = ListAll(path);
  ASSERT_TRUE(l.end.ok()) << l.end.ToString();
  EXPECT_EQ(l.names,
            (std::vector<std::string>{"dir/one.jpg=first member bytes", "two.png=2", "empty.txt="}));
}

INSTANTIATE_TEST_SUITE_P(Formats, ArchiveReaderFormatTest,
                         ::testing::Values(ArchiveFormat::kZip, ArchiveFormat::kTar,
                                           ArchiveFormat::kTarGz, ArchiveFormat::kTarZst,
                                           ArchiveFormat::k7z));

TEST(ArchiveReaderTest, UnsafeNamesAreProblemsNotMembers) {
  ScopedTempDir dir;
  std::string path = dir.Join("evil.tar");
  testing::WriteArchive(path, ArchiveFormat::kTar,
                        {{"../escape.jpg", "x"}, {"/abs.jpg", "y"}, {"ok/../../z.jpg", "z"},
                         {"fine.jpg", "f"}});
  Listed l = ListAll(path);
  ASSERT_TRUE(l.end.ok()) << l.end.ToString();
  ASSERT_EQ(l.names.size(), 4u);
  EXPECT_NE(l.names[0].find("'..' component"), std::string::npos) << l.names[0];
  EXPECT_NE(l.names[1].find("absolute"), std::string::npos) << l.names[1];
  EXPECT_NE(l.names[2].find("'..' component"), std::string::npos) << l.names[2];
  EXPECT_EQ(l.names[3], "fine.jpg=f");
}

TEST(ArchiveReaderTest, EncryptedMemberIsReported) {
  ScopedTempDir dir;
  std::string path = dir.Join("secret.zip");
  testing::WriteArchive(path, ArchiveFormat::kZip, {{"s.jpg", "hidden"}}, "pw");
  Listed l = ListAll(path);
  ASSERT_EQ(l.names.size(), 1u);
  EXPECT_NE(l.names[0].find("encrypted"), std::string::npos) << l.names[0];
}

TEST(ArchiveReaderTest, NotAnArchiveAndTruncatedArchiveFailClearly) {
  ScopedTempDir dir;
  testing::WriteFile(dir.Join("junk.zip"), "this is not a zip file at all");
  Listed junk = ListAll(dir.Join("junk.zip"));
  EXPECT_EQ(junk.end.code(), Status::Code::kCorruption);
  EXPECT_NE(junk.end.message().find("junk.zip"), std::string::npos) << junk.end.message();

  std::string path = dir.Join("cut.tar.gz");
  std::string big(200000, 'q');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 7919) % 251);
  testing::WriteArchive(path, ArchiveFormat::kTarGz, {{"a.bin", big}, {"b.bin", big}});
  std::string bytes = testing::ReadFile(path);
  testing::WriteFile(path, bytes.substr(0, bytes.size() / 2));
  Listed cut = ListAll(path);
  EXPECT_FALSE(cut.end.ok());
  EXPECT_NE(cut.end.message().find("cut.tar.gz"), std::string::npos) << cut.end.message();
}

TEST(ArchiveReaderTest, MissingFileIsNotFound) {
  Listed l = ListAll("/nonexistent/x.zip");
  EXPECT_FALSE(l.end.ok());
  EXPECT_NE(l.end.message().find("/nonexistent/x.zip"), std::string::npos);
}

// Names must not depend on the process's locale: each case runs with LC_CTYPE "C" (what a
// program that never calls setlocale has, and cron/containers/CI give) and "C.UTF-8".
class ArchiveNamesLocaleTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    saved_ = setlocale(LC_CTYPE, nullptr);
    ASSERT_NE(setlocale(LC_CTYPE, GetParam()), nullptr) << GetParam();
  }
  void TearDown() override { setlocale(LC_CTYPE, saved_.c_str()); }
  std::string saved_;
};

TEST_P(ArchiveNamesLocaleTest, ZipNamesFlaggedUtf8AreKept) {
  ScopedTempDir dir;
  std::string path = dir.Join("utf8.zip");
  testing::WriteRawZip(path, {{"caf\xC3\xA9/\xC3\x9F.png", "a", true},
                              {"\xD0\x81\xD0\xBB\xD0\xBA\xD0\xB0.jpg", "b", true},
                              {"plain.png", "c", true}});
  Listed l = ListAll(path);
  ASSERT_TRUE(l.end.ok()) << l.end.ToString();
  EXPECT_EQ(l.names, (std::vector<std::string>{"caf\xC3\xA9/\xC3\x9F.png=a",
                                               "\xD0\x81\xD0\xBB\xD0\xBA\xD0\xB0.jpg=b",
                                               "plain.png=c"}));
}

TEST_P(ArchiveNamesLocaleTest, UnflaggedZipNamesAreCp437AsPythonZipfile) {
  ScopedTempDir dir;
  std::string path = dir.Join("cp437.zip");
  // Python: b"caf\x82 \x80\xe1\xff\x9b.png".decode("cp437") == "café Çß\xa0¢.png".
  testing::WriteRawZip(path, {{"caf\x82 \x80\xE1\xFF\x9B.png", "a"}, {"ascii.png", "b"}});
  Listed l = ListAll(path);
  ASSERT_TRUE(l.end.ok()) << l.end.ToString();
  EXPECT_EQ(l.names,
            (std::vector<std::string>{"caf\xC3\xA9 \xC3\x87\xC3\x9F\xC2\xA0\xC2\xA2.png=a",
                                      "ascii.png=b"}));
}

TEST_P(ArchiveNamesLocaleTest, PaxTarNamesAreKept) {
  ScopedTempDir dir;
  std::string path = dir.Join("pax.tar");
  testing::WritePaxTar(path, {{"\xD0\x81\xD0\xBB\xD0\xBA\xD0\xB0/\xC3\xA9.png", "x"},
                              {"d\xC3\xA9j\xC3\xA0.jpg", "y"}});
  Listed l = ListAll(path);
  ASSERT_TRUE(l.end.ok()) << l.end.ToString();
  EXPECT_EQ(l.names, (std::vector<std::string>{"\xD0\x81\xD0\xBB\xD0\xBA\xD0\xB0/\xC3\xA9.png=x",
                                               "d\xC3\xA9j\xC3\xA0.jpg=y"}));
}

INSTANTIATE_TEST_SUITE_P(Locales, ArchiveNamesLocaleTest, ::testing::Values("C", "C.UTF-8"),
                         [](const ::testing::TestParamInfo<const char*>& param_info) {
                           return std::string(param_info.param[1] == '\0' ? "C" : "CUtf8");
                         });

TEST(IsUnsafeMemberNameTest, Cases) {
  EXPECT_TRUE(IsUnsafeMemberName("/etc/passwd"));
  EXPECT_TRUE(IsUnsafeMemberName(".."));
  EXPECT_TRUE(IsUnsafeMemberName("a/../../b"));
  EXPECT_FALSE(IsUnsafeMemberName("a/..b/c"));
  EXPECT_FALSE(IsUnsafeMemberName("a/b..jpg"));
}

}  // namespace
}  // namespace ingest
