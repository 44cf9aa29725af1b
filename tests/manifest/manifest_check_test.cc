#include "manifest/manifest_check.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/testing/temp_dir.h"

namespace ingest::manifest {
namespace {

constexpr char kHeader[] = "{\"version\":\"1.1\"}\n{\"type\":\"images\"}\n";

std::string Item(const std::string& name, const std::string& ext) {
  return "{\"name\":\"" + name + "\",\"extension\":\"" + ext + "\",\"width\":1,\"height\":1}\n";
}

class ManifestCheckTest : public ::testing::Test {
 protected:
  CheckReport Check(const std::string& text, const std::vector<std::string>& files,
                    size_t max_reported = 5) {
    std::string path = dir_.Join("manifest.jsonl");
    testing::WriteFile(path, text);
    Result<CheckReport> r = CheckImageManifest(path, files, max_reported);
    EXPECT_TRUE(r.has_value());
    return r ? *r : CheckReport{};
  }
  testing::ScopedTempDir dir_;
};

TEST_F(ManifestCheckTest, GoodManifestPasses) {
  CheckReport r = Check(std::string(kHeader) + Item("a/1", ".jpg") + Item("2", ".png"),
                        {"/up/a/1.jpg", "/up/2.png"});
  EXPECT_TRUE(r.ok()) << r.structure_error;
  EXPECT_EQ(r.entries, 2u);
}

TEST_F(ManifestCheckTest, WrongOrderReportsLines) {
  std::string text = std::string(kHeader) + Item("1", ".jpg") + Item("10", ".jpg") +
                     Item("2", ".jpg") + Item("3", ".jpg");
  CheckReport r = Check(text, {"1.jpg", "2.jpg", "3.jpg", "10.jpg"}, 2);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(r.structure_error.empty());
  EXPECT_EQ(r.mismatch_count, 3u);
  ASSERT_EQ(r.mismatches.size(), 2u);
  EXPECT_EQ(r.mismatches[0].index, 1u);
  EXPECT_EQ(r.mismatches[0].line, 4u);
  EXPECT_EQ(r.mismatches[0].expected_suffix, "10.jpg");
  EXPECT_EQ(r.mismatches[0].file, "2.jpg");
}

TEST_F(ManifestCheckTest, SuffixMatchIsPlainEndswith) {
  // CVAT's check is endswith, so "b/x.jpg" accepts "ab/x.jpg".
  CheckReport r = Check(std::string(kHeader) + Item("b/x", ".jpg"), {"ab/x.jpg"});
  EXPECT_TRUE(r.ok());
}

TEST_F(ManifestCheckTest, CountMismatch) {
  CheckReport r = Check(std::string(kHeader) + Item("1", ".jpg"), {"1.jpg", "2.jpg"});
  EXPECT_EQ(r.mismatch_count, 1u);
  ASSERT_EQ(r.mismatches.size(), 1u);
  EXPECT_EQ(r.mismatches[0].line, 0u);
  EXPECT_EQ(r.mismatches[0].file, "2.jpg");
}

TEST_F(ManifestCheckTest, WrongHeader) {
  CheckReport r = Check("{\"version\":\"1.2\"}\n{\"type\":\"images\"}\n" + Item("1", ".jpg"),
                        {"1.jpg"});
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.structure_error.find(":1: unsupported manifest version"), std::string::npos);
  r = Check("{\"type\":\"images\"}\n{\"version\":\"1.1\"}\n", {"1.jpg"});
  EXPECT_NE(r.structure_error.find(":1: \"version\""), std::string::npos) << r.structure_error;
}

TEST_F(ManifestCheckTest, BadFirstItem) {
  CheckReport r = Check(std::string(kHeader) + "{\"name\":\"1\",\"extension\":7}\n", {"1.jpg"});
  EXPECT_NE(r.structure_error.find(":3: \"extension\" is missing or not a string"),
            std::string::npos)
      << r.structure_error;
  r = Check(kHeader, {"1.jpg"});
  EXPECT_NE(r.structure_error.find("no image entries"), std::string::npos);
}

TEST_F(ManifestCheckTest, VideoStructure) {
  std::string props = "{\"version\":\"1.1\"}\n{\"type\":\"video\"}\n"
                      "{\"properties\":{\"name\":\"v.mp4\",\"resolution\":[2,2],\"length\":0}}\n";
  CheckReport r = Check(props + "{\"number\":0,\"pts\":0}\n", {});
  EXPECT_NE(r.structure_error.find(":3: \"length\" is 0"), std::string::npos) << r.structure_error;
  props = "{\"version\":\"1.1\"}\n{\"type\":\"video\"}\n"
          "{\"properties\":{\"name\":\"v.mp4\",\"resolution\":[2,2],\"length\":5}}\n";
  r = Check(props + "{\"number\":\"0\",\"pts\":0}\n", {});
  EXPECT_NE(r.structure_error.find(":4: \"number\""), std::string::npos) << r.structure_error;
  r = Check(props + "{\"number\":0,\"pts\":0}\n", {});
  EXPECT_TRUE(r.ok()) << r.structure_error;
}

TEST_F(ManifestCheckTest, MissingFileIsAnError) {
  Result<CheckReport> r = CheckImageManifest(dir_.Join("nope.jsonl"), {}, 5);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("nope.jsonl"), std::string::npos);
}

}  // namespace
}  // namespace ingest::manifest
