// The client's listing of a bucket's manifest (upload/bucket_content.h) against the receiver
// as CVAT releases answer: content-v2 walked folder by folder across pages (current CVAT),
// .../content before 2.5; both give the manifest's names.
#include "upload/bucket_content.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/testing/http_client.h"
#include "tests/testing/temp_dir.h"
#include "upload/http_client.h"

namespace ingest::upload {
namespace {

class BucketNamesTest : public ingest::testing::ServerTest {
 protected:
  // A manifest of 1,203 names: 1,200 in big/ (more than one page of 500) and three in
  // nested folders, listed out of order; the bucket is cloud storage 7 of CVAT `version`.
  std::vector<std::string> Start(const std::string& version) {
    const std::string bucket = dir_.Join("bucket");
    std::vector<std::string> names;
    for (int i = 1200; i >= 1; --i) names.push_back("big/f" + std::to_string(i));
    for (const char* n : {"z/deep/er/x", "a/y", "top"}) names.push_back(n);
    std::string manifest = "{\"version\":\"1.1\"}\n{\"type\":\"images\"}\n";
    for (const std::string& n : names) {
      manifest += "{\"name\":\"" + n + "\",\"extension\":\".png\",\"width\":1,\"height\":1}\n";
    }
    ingest::testing::WriteFile(bucket + "/lists/index.jsonl", manifest);
    StartServer([&](server::ServerOptions& o) {
      o.cloud_dirs = {{7, bucket}};
      o.cvat_version = version;
    });
    for (std::string& n : names) n = "lists/" + n + ".png";  // joined to the manifest's folder
    return names;
  }

  Result<std::vector<std::string>> List() {
    HttpClient http(ConnectionOptions{}, {std::string("Authorization: Token ") + kToken});
    CvatApi api(server_->url(), &http);
    EXPECT_TRUE(api.CheckServer().ok());
    return ListBucketNames(api, 7, "lists/index.jsonl");
  }
};

TEST_F(BucketNamesTest, CurrentCvatIsWalkedThroughContentV2AcrossPages) {
  std::vector<std::string> want = Start("2.40.0");  // no .../content any more
  Result<std::vector<std::string>> got = List();
  ASSERT_TRUE(got.has_value()) << got.error().ToString();
  ASSERT_EQ(got->size(), want.size());
  // Folder by folder, each level's folders first, in natural order.
  EXPECT_EQ((*got)[0], "lists/a/y.png");
  EXPECT_EQ((*got)[1], "lists/big/f1.png");
  EXPECT_EQ((*got)[1200], "lists/big/f1200.png");
  EXPECT_EQ((*got)[1201], "lists/z/deep/er/x.png");
  EXPECT_EQ((*got)[1202], "lists/top.png");
  std::sort(want.begin(), want.end());
  std::sort(got->begin(), got->end());
  EXPECT_EQ(*got, want);
}

TEST_F(BucketNamesTest, CvatBefore25IsAskedForTheWholeContent) {
  std::vector<std::string> want = Start("2.4.6");  // no content-v2 yet
  Result<std::vector<std::string>> got = List();
  ASSERT_TRUE(got.has_value()) << got.error().ToString();
  EXPECT_EQ(*got, want);  // the manifest's order
}

TEST_F(BucketNamesTest, AStorageTheServerLacksIsNamed) {
  Start("2.40.0");
  HttpClient http(ConnectionOptions{}, {std::string("Authorization: Token ") + kToken});
  CvatApi api(server_->url(), &http);
  ASSERT_TRUE(api.CheckServer().ok());
  Result<std::vector<std::string>> got = ListBucketNames(api, 8, "index.jsonl");
  ASSERT_FALSE(got.has_value());
  EXPECT_NE(got.error().message().find("Storage 8 does not exist"), std::string::npos)
      << got.error().ToString();
}

}  // namespace
}  // namespace ingest::upload
