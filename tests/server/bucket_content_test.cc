// The receiver's bucket listings as CVAT answers them: content-v2's one level below a prefix,
// folders then files in natural order, in pages linked by `next` (ListBucketContent), and
// which of content and content-v2 each emulated CVAT release serves.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <string>

#include "server/source_listing.h"
#include "tests/testing/http_client.h"
#include "tests/testing/temp_dir.h"

namespace ingest::server {
namespace {

class BucketContentTest : public ingest::testing::ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    bucket_ = dir_.Join("bucket");
    std::string manifest = "{\"version\":\"1.1\"}\n{\"type\":\"images\"}\n";
    for (const char* name : {"b/j1", "a/i10", "a/i9", "a/sub/k", "top10", "top2"}) {
      manifest += std::string("{\"name\":\"") + name +
                  "\",\"extension\":\".png\",\"width\":2,\"height\":2}\n";
    }
    ingest::testing::WriteFile(bucket_ + "/index.jsonl", manifest);
  }

  ListingReply Page(const std::string& prefix, const std::string& page_size = "500",
                    const std::string& token = "") {
    ContentQuery q;
    q.manifest_path = "index.jsonl";
    q.prefix = prefix;
    q.page_size = page_size;
    q.next_token = token;
    return ListBucketContent(bucket_, q);
  }

  // Starts the receiver as CVAT `version` with the bucket as cloud storage 7.
  void StartAs(const std::string& version) {
    StartServer([this, version](ServerOptions& o) {
      o.cloud_dirs = {{7, bucket_}};
      o.cvat_version = version;
    });
  }

  std::string bucket_;
};

constexpr char kDir[] = R"("type":"DIR","mime_type":"DIR"})";
constexpr char kImage[] = R"("type":"REG","mime_type":"image"})";

TEST_F(BucketContentTest, OneLevelFoldersFirstInNaturalOrder) {
  ListingReply root = Page("");
  EXPECT_EQ(root.status, 200);
  EXPECT_EQ(root.json, std::string(R"({"content":[{"name":"a",)") + kDir + R"(,{"name":"b",)" +
                           kDir + R"(,{"name":"top2.png",)" + kImage +
                           R"(,{"name":"top10.png",)" + kImage + R"(],"next":null})");
  ListingReply a = Page("/a/");  // the leading '/' is dropped, as CVAT drops it
  EXPECT_EQ(a.json, std::string(R"({"content":[{"name":"sub",)") + kDir +
                        R"(,{"name":"i9.png",)" + kImage + R"(,{"name":"i10.png",)" + kImage +
                        R"(],"next":null})");
}

TEST_F(BucketContentTest, PagesAreLinkedByNext) {
  ListingReply first = Page("", "3");
  EXPECT_NE(first.json.find(R"({"name":"top2.png",)"), std::string::npos) << first.json;
  EXPECT_TRUE(first.json.ends_with(R"(],"next":"3"})")) << first.json;
  ListingReply second = Page("", "3", "3");
  EXPECT_EQ(second.json, std::string(R"({"content":[{"name":"top10.png",)") + kImage +
                             R"(],"next":null})");
}

TEST_F(BucketContentTest, BadNumbersAndAMissingManifestAreRefused) {
  EXPECT_EQ(Page("", "x").status, 400);
  EXPECT_EQ(Page("", "x").json, "\"Wrong value for page_size was found\"");
  EXPECT_EQ(Page("", "500", "y").status, 400);
  ContentQuery q;
  q.manifest_path = "missing.jsonl";
  EXPECT_EQ(ListBucketContent(bucket_, q).status, 404);
}

TEST_F(BucketContentTest, EachReleaseServesTheListingsItHas) {
  StartAs("2.40.0");  // content was removed in 2.6
  EXPECT_EQ(Get("/api/cloudstorages/7/content?manifest_path=index.jsonl").status, 404);
  ingest::testing::HttpReply v2 = Get("/api/cloudstorages/7/content-v2?manifest_path=index.jsonl");
  EXPECT_EQ(v2.status, 200) << v2.body;
  EXPECT_EQ(Get("/api/cloudstorages/8/content-v2").status, 404);  // no such storage
  StartAs("2.5.0");  // both: content deprecated
  EXPECT_EQ(Get("/api/cloudstorages/7/content?manifest_path=index.jsonl").status, 200);
  EXPECT_EQ(Get("/api/cloudstorages/7/content-v2?manifest_path=index.jsonl").status, 200);
  StartAs("2.4.6");  // content only
  EXPECT_EQ(Get("/api/cloudstorages/7/content?manifest_path=index.jsonl").status, 200);
  EXPECT_EQ(Get("/api/cloudstorages/7/content-v2?manifest_path=index.jsonl").status, 404);
}

// A manifest_path outside the bucket is refused before anything is opened: naming a FIFO there
// once blocked the request's thread in open() until a writer came.
TEST_F(BucketContentTest, AManifestPathOutsideTheBucketIsNotOpened) {
  const std::string fifo = dir_.Join("fifo.jsonl");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto listing = std::async(std::launch::async, [this] {
    ContentQuery q;
    q.manifest_path = "../fifo.jsonl";
    q.page_size = "500";
    return ListBucketContent(bucket_, q);
  });
  if (listing.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);  // lets the blocked open return
    if (fd >= 0) ::close(fd);
    FAIL() << "the listing opened the FIFO outside the bucket and blocked";
  }
  ListingReply r = listing.get();
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.json.find("was not found in the bucket"), std::string::npos) << r.json;
}

}  // namespace
}  // namespace ingest::server
