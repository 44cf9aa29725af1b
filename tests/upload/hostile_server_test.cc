// TransferEngine against servers that misbehave on purpose (issue 15, points 4 and 5): a TUS
// Location that names another server must get no request (and no token), and a server that
// loses every upload or confirms no progress must end the file after a bounded number of
// requests, with an error naming it.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/upload/fake_tus_server.h"
#include "upload/curl_util.h"
#include "upload/transfer_engine.h"

namespace ingest::upload {
namespace {

using ingest::testing::FakeServer;
using ingest::testing::MemorySource;

// Records what a journal would be told.
class RecordingObserver final : public UploadObserver {
 public:
  void OnTusCreated(uint32_t, const std::string& location) override { created.push_back(location); }
  std::vector<std::string> created;
};

struct Outcome {
  Status status;
  std::vector<FileFailure> failures;
  std::vector<std::string> journaled;
};

Outcome Upload(const std::string& server_url, int retries,
               const std::vector<FileStart>& start = {}) {
  std::map<std::string, std::string> files = {{"a.bin", std::string(1000, 'a')}};
  UploadPlan plan = ingest::testing::TusPlan(files);
  MemorySource source(files);
  RecordingObserver observer;
  TransferCounters counters;
  TransferEngine engine(ingest::testing::FakeTransferOptions(server_url, retries), plan, &source,
                        &observer, &counters);
  if (!start.empty()) engine.SetStart(start);
  Outcome out;
  out.status = ingest::testing::RunBounded(engine, std::chrono::seconds(15));
  out.failures = engine.failures();
  out.journaled = observer.created;
  return out;
}

// Answers every creation 201 with `location` (with "PORT" replaced by `port`).
FakeServer::Handler CreatesAt(const std::string& location, int* port) {
  return [location, port](const httplib::Request& req, httplib::Response& res) {
    if (req.method == "POST") {
      std::string l = location;
      if (size_t at = l.find("PORT"); at != std::string::npos)
        l.replace(at, 4, std::to_string(*port));
      res.status = 201;
      res.set_header("Location", l);
      return;
    }
    res.status = 404;
  };
}

TEST(ServerLocationTest, ResolvesOnTheServersOriginOnly) {
  const std::string base = "http://127.0.0.1:8080/api/tasks/1/data/";
  EXPECT_EQ(*ResolveServerLocation(base, "http://127.0.0.1:8080/api/tasks/1/data/u1"),
            "/api/tasks/1/data/u1");
  EXPECT_EQ(*ResolveServerLocation(base, "HTTP://127.0.0.1:8080/x?y=1"), "/x?y=1");
  EXPECT_EQ(*ResolveServerLocation(base, "/api/tasks/1/data/u2"), "/api/tasks/1/data/u2");
  EXPECT_EQ(*ResolveServerLocation(base, "u3"), "/api/tasks/1/data/u3");
  EXPECT_EQ(*ResolveServerLocation("http://h/api/", "http://h:80/api/x"), "/api/x");
  for (const char* bad :
       {"@127.0.0.1:9/x", "127.0.0.1:9/x", "//127.0.0.1:9/x", "http://127.0.0.1:9/x",
        "https://127.0.0.1:8080/x", "http://localhost:8080/x", "http://u:p@127.0.0.1:8080/x",
        "ftp://127.0.0.1:8080/x", "", "http://127.0.0.1:8080/a b"}) {
    Result<std::string> r = ResolveServerLocation(base, bad);
    ASSERT_FALSE(r.has_value()) << bad << " -> " << *r;
    EXPECT_EQ(r.error().code(), Status::Code::kInvalidArgument);
    EXPECT_NE(r.error().message().find(std::string("'") + bad + "'"), std::string::npos)
        << r.error().message();
  }
}

// Issue 15 point 4: a Location without "://" was glued onto the server address, so
// "@127.0.0.1:OTHER/..." sent the PATCH (and the token) to another port, and the location
// went into the journal. Absolute URLs to another port are refused the same way.
TEST(HostileServerTest, ALocationOnAnotherServerGetsNoRequestAndIsNotJournaled) {
  FakeServer other([](const httplib::Request&, httplib::Response& res) { res.status = 404; });
  int other_port = other.port();
  for (const std::string location :
       {"@127.0.0.1:PORT/api/tasks/1/data/u", "http://127.0.0.1:PORT/api/tasks/1/data/u",
        "//127.0.0.1:PORT/api/tasks/1/data/u", "127.0.0.1:PORT/api/tasks/1/data/u"}) {
    FakeServer server(CreatesAt(location, &other_port));
    Outcome out = Upload(server.url(), 2);
    EXPECT_EQ(other.requests(), 0) << location << ": requests reached the other port";
    EXPECT_TRUE(other.authorizations().empty()) << location << ": the token reached it";
    ASSERT_EQ(out.status.code(), Status::Code::kRemote)
        << location << ": " << out.status.ToString();
    ASSERT_EQ(out.failures.size(), 1u);
    std::string message = out.failures[0].status.message();
    std::string shown = location;
    shown.replace(shown.find("PORT"), 4, std::to_string(other_port));
    EXPECT_NE(message.find("'" + shown + "'"), std::string::npos) << message;
    EXPECT_NE(message.find("'a.bin'"), std::string::npos) << message;
    EXPECT_EQ(server.requests("POST"), 1) << location;  // refused, not retried
    EXPECT_EQ(server.requests(), 1) << location;
    EXPECT_TRUE(out.journaled.empty()) << location << ": journaled " << out.journaled[0];
  }
  EXPECT_EQ(other.requests(), 0);
  EXPECT_TRUE(other.authorizations().empty());
}

TEST(HostileServerTest, AJournalsLocationOnAnotherServerGetsNoRequest) {
  FakeServer other([](const httplib::Request&, httplib::Response& res) { res.status = 404; });
  FakeServer server([](const httplib::Request&, httplib::Response& res) { res.status = 500; });
  std::string port = std::to_string(other.port());
  for (const std::string& location :
       {"@127.0.0.1:" + port + "/u", "http://127.0.0.1:" + port + "/u"}) {
    FileStart start;
    start.kind = FileStart::Kind::kTusAt;
    start.location = location;
    Outcome out = Upload(server.url(), 2, {start});
    ASSERT_EQ(out.failures.size(), 1u) << location;
    EXPECT_NE(out.failures[0].status.message().find("'" + location + "'"), std::string::npos)
        << out.failures[0].status.message();
    EXPECT_EQ(server.requests(), 0);
  }
  EXPECT_EQ(other.requests(), 0);
}

// A relative Location (tus allows it) is resolved against the data URL, and followed.
TEST(HostileServerTest, ARelativeLocationIsFollowedOnTheServer) {
  FakeServer server([](const httplib::Request& req, httplib::Response& res) {
    if (req.method == "POST") {
      res.status = 201;
      res.set_header("Location", "u1");
    } else if (req.method == "PATCH" && req.path == "/api/tasks/1/data/u1") {
      res.status = 204;
      res.set_header("Upload-Offset", std::to_string(req.body.size()));
    } else {
      res.status = 400;
    }
  });
  Outcome out = Upload(server.url(), 2);
  EXPECT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.journaled, std::vector<std::string>{"/api/tasks/1/data/u1"});
}

// Issue 15 point 5: PATCH 404, re-create, 201 reset the attempt count, so --retries was never
// reached and the client looped for ever.
TEST(HostileServerTest, AServerThatLosesEveryUploadEndsTheFile) {
  FakeServer server([](const httplib::Request& req, httplib::Response& res) {
    if (req.method == "POST") {
      res.status = 201;
      res.set_header("Location", "/api/tasks/1/data/u");
      return;
    }
    res.status = 404;
  });
  Outcome out = Upload(server.url(), 3);
  ASSERT_EQ(out.status.code(), Status::Code::kRemote) << out.status.ToString();
  ASSERT_EQ(out.failures.size(), 1u);
  std::string message = out.failures[0].status.message();
  EXPECT_NE(message.find("'a.bin'"), std::string::npos) << message;
  EXPECT_NE(message.find("gave up after 4 failed attempts"), std::string::npos) << message;
  EXPECT_LE(server.requests("POST"), 5);
}

// A 204 that confirms nothing is an attempt too.
TEST(HostileServerTest, AServerThatConfirmsNoProgressEndsTheFile) {
  FakeServer server([](const httplib::Request& req, httplib::Response& res) {
    if (req.method == "POST") {
      res.status = 201;
      res.set_header("Location", "/api/tasks/1/data/u");
      return;
    }
    res.status = 204;
    res.set_header("Upload-Offset", "0");
  });
  Outcome out = Upload(server.url(), 3);
  ASSERT_EQ(out.status.code(), Status::Code::kRemote) << out.status.ToString();
  ASSERT_EQ(out.failures.size(), 1u);
  std::string message = out.failures[0].status.message();
  EXPECT_NE(message.find("'a.bin'"), std::string::npos) << message;
  EXPECT_NE(message.find("no progress"), std::string::npos) << message;
  EXPECT_LE(server.requests("PATCH"), 5);
}

}  // namespace
}  // namespace ingest::upload
