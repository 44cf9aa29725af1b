// Issue 15 point 11: the client's API replies have size limits (body and headers), with a
// clear error past them, against a server (cpp-httplib on 127.0.0.1, port 0) that sends more.
#include <string>

#include <gtest/gtest.h>

#include "tests/upload/fake_tus_server.h"
#include "upload/cvat_api.h"
#include "upload/http_client.h"

namespace ingest::upload {
namespace {

using ingest::testing::FakeServer;

// Issue 15 point 11: API replies were read whole, whatever their size.
TEST(ApiReplyLimitsTest, BodiesAndHeadersAreBounded) {
  const std::string huge_task = R"({"id":7,"name":")" + std::string(17 << 20, 'x') + R"("})";
  FakeServer server([&](const httplib::Request& req, httplib::Response& res) {
    if (req.path == "/api/tasks/7") {
      res.set_content(huge_task, "application/json");
    } else if (req.path == "/api/tasks/8") {
      for (int i = 0; i < 400; ++i) {
        res.set_header("X-Filler-" + std::to_string(i), std::string(1000, 'h'));
      }
      res.set_content(R"({"id":8})", "application/json");
    } else if (req.path == "/api/tasks/9") {
      res.status = 400;
      res.set_content(std::string(1 << 20, 'e'), "text/plain");
    } else {
      res.set_content(R"({"id":1})", "application/json");
    }
  });
  HttpClient http(ConnectionOptions{}, {"Authorization: Token fake-secret-token"});
  CvatApi api(server.url(), &http);
  Result<TaskInfo> big = api.GetTask(7);
  ASSERT_FALSE(big.has_value()) << "a 17 MiB reply was taken";
  EXPECT_NE(big.error().message().find("/api/tasks/7: the reply is larger than 16 MiB"),
            std::string::npos)
      << big.error().message();
  Result<TaskInfo> headers = api.GetTask(8);
  ASSERT_FALSE(headers.has_value()) << "400 KB of headers were taken";
  EXPECT_NE(headers.error().message().find("headers are larger than 256 KiB"), std::string::npos)
      << headers.error().message();
  // An error body is cut, not refused: the status still says what happened.
  Result<TaskInfo> refused = api.GetTask(9);
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().message().find("400"), std::string::npos) << refused.error().message();
  EXPECT_LT(refused.error().message().size(), 4096u);
  // The connection is still good for a normal reply.
  EXPECT_TRUE(api.GetTask(1).has_value());
}

}  // namespace
}  // namespace ingest::upload
