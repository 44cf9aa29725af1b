#include <gtest/gtest.h>

#include "upload/curl_util.h"

namespace ingest::upload {
namespace {

TEST(ServerUrlTest, AcceptsHttpAndHttpsWithPortAndPathAndDropsTrailingSlashes) {
  EXPECT_EQ(*ParseServerUrl("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
  EXPECT_EQ(*ParseServerUrl("https://cvat.example.com/"), "https://cvat.example.com");
  EXPECT_EQ(*ParseServerUrl("https://example.com/cvat//"), "https://example.com/cvat");
  EXPECT_EQ(*ParseServerUrl("http://[::1]:9000"), "http://[::1]:9000");
}

TEST(ServerUrlTest, RefusesWhatWouldGoWrongLater) {
  // Without a scheme the URL was glued onto itself ("127.0.0.1:49173127.0.0.1:49173/...")
  // after the task was created: now refused before any request, with the likely fix.
  Result<std::string> r = ParseServerUrl("127.0.0.1:49173");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(r.error().message().find("did you mean http://127.0.0.1:49173"), std::string::npos)
      << r.error().message();
  for (const char* bad : {"", "ftp://host", "http://", "http://host:", "http://host:x",
                          "http://host/?a=1", "http://host/#frag", "http://host:99999"}) {
    EXPECT_FALSE(ParseServerUrl(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace ingest::upload
