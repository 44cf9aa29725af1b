// The receiver's bounds on what a client may make it hold (issue 15, points 6, 7, 8, 10):
// the request head (size, header count, deadline), connections per client address,
// multipart fields and parts, login attempts, and the token file.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/auth.h"
#include "server/client_limits.h"
#include "tests/testing/http_client.h"

namespace ingest::testing {
namespace {

namespace fs = std::filesystem;
using LimitsTest = ServerTest;
using Clock = std::chrono::steady_clock;

// Sends `raw` from `source` and returns the whole reply (send "Connection: close").
std::string SendFrom(const char* source, int port, const std::string& raw) {
  int fd = ConnectFrom(source, port);
  if (fd < 0) return "";
  std::string reply;
  if (::send(fd, raw.data(), raw.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(raw.size())) {
    reply = ReadUntilClose(fd, 10000);
  }
  ::close(fd);
  return reply;
}

std::string StatusLine(const std::string& reply) { return reply.substr(0, reply.find('\r')); }

const std::string kAbout = "GET /api/server/about HTTP/1.1\r\nHost: 127.0.0.1\r\n";

// --- 6: the request head is bounded before it is buffered ---

TEST_F(LimitsTest, AnOversizedHeaderLineIs431) {
  std::string raw =
      kAbout + "X-Big: " + std::string(1 << 20, 'a') + "\r\nConnection: close\r\n\r\n";
  std::string reply = SendRaw(server_->port(), raw);
  EXPECT_EQ(StatusLine(reply), "HTTP/1.1 431 Request Header Fields Too Large")
      << reply.substr(0, 200);
  EXPECT_EQ(Get("/api/server/about").status, 200);
}

TEST_F(LimitsTest, TooManyHeadersIs431) {
  std::string raw = kAbout;
  for (int i = 0; i < 1000; ++i) raw += "X-H" + std::to_string(i) + ": v\r\n";
  raw += "Connection: close\r\n\r\n";
  std::string reply = SendRaw(server_->port(), raw);
  EXPECT_EQ(StatusLine(reply), "HTTP/1.1 431 Request Header Fields Too Large")
      << reply.substr(0, 200);
}

TEST_F(LimitsTest, AHeadWithinTheLimitsIsServed) {
  std::string raw = kAbout;
  for (int i = 0; i < 50; ++i)
    raw += "X-H" + std::to_string(i) + ": " + std::string(500, 'v') + "\r\n";
  raw += "Connection: close\r\n\r\n";
  EXPECT_EQ(StatusLine(SendRaw(server_->port(), raw)), "HTTP/1.1 200 OK");
}

// --- 7: slowloris: a deadline for the whole head, a cap on connections per address ---

TEST_F(LimitsTest, ATricklingHeadIsCutAtTheHeadDeadline) {
  StartServer([](server::ServerOptions& o) { o.head_timeout_seconds = 1; });
  int fd = ConnectFrom("127.0.0.1", server_->port());
  ASSERT_GE(fd, 0);
  std::string head = kAbout + "X-Slow: ";
  ASSERT_EQ(::send(fd, head.data(), head.size(), MSG_NOSIGNAL), static_cast<ssize_t>(head.size()));
  auto start = Clock::now();
  bool closed = false;
  while (Clock::now() - start < std::chrono::seconds(4)) {  // a byte every 200 ms
    if (::send(fd, "a", 1, MSG_NOSIGNAL) != 1) {
      closed = true;
      break;
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 200) > 0) {
      ReadUntilClose(fd, 1000);
      closed = true;
      break;
    }
  }
  ::close(fd);
  EXPECT_TRUE(closed);
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(2500));
}

TEST_F(LimitsTest, ConnectionsPerClientAddressAreCapped) {
  StartServer([](server::ServerOptions& o) { o.max_connections_per_client = 3; });
  int port = server_->port();
  std::vector<int> held;
  for (int i = 0; i < 3; ++i) {  // idle keep-alive connections, each holding a thread
    int fd = ConnectFrom("127.0.0.2", port);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::send(fd, "G", 1, MSG_NOSIGNAL), 1);
    held.push_back(fd);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::string over = SendFrom("127.0.0.2", port, kAbout + "Connection: close\r\n\r\n");
  EXPECT_EQ(StatusLine(over), "HTTP/1.1 503 Service Unavailable") << over;
  std::string other = SendFrom("127.0.0.3", port, kAbout + "Connection: close\r\n\r\n");
  EXPECT_EQ(StatusLine(other), "HTTP/1.1 200 OK") << other;
  for (int fd : held) ::close(fd);
}

// --- 8: multipart field names count; parts are capped ---

TEST_F(LimitsTest, MultipartFieldNamesCountAgainstTheFieldLimit) {
  StartServer([](server::ServerOptions& o) { o.max_form_field_bytes = 64 << 10; });
  int64_t task = CreateTask();
  std::vector<FormPart> parts = {{"client_files[0]", "a.png", TinyPng(2, 2)},
                                 {"image_quality", "", "70"}};
  for (int i = 0; i < 10; ++i)
    parts.push_back({std::string(15 << 10, 'n') + std::to_string(i), "", ""});
  std::string ct;
  std::string body = MultipartBody(parts, &ct);
  HttpReply r = Send({"POST", Url("/api/tasks/" + std::to_string(task) + "/data/"),
                      Auth({"Upload-Multiple: true", "Content-Type: " + ct}), body});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_FALSE(fs::exists(data_dir_ + "/tasks/" + std::to_string(task) + "/raw/a.png"));
}

TEST_F(LimitsTest, MultipartPartsAreCapped) {
  StartServer([](server::ServerOptions& o) { o.max_form_parts = 8; });
  int64_t task = CreateTask();
  std::vector<std::pair<std::string, std::string>> files;
  for (int i = 0; i < 8; ++i) files.push_back({"f" + std::to_string(i) + ".png", TinyPng(2, 2)});
  HttpReply r = Bulk(task, files);  // 8 files and image_quality: 9 parts
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("parts"), std::string::npos) << r.body;
  files.resize(7);
  EXPECT_EQ(Bulk(task, files).status, 200);
  // No temporary file is left behind.
  std::string tmp = data_dir_ + "/tasks/" + std::to_string(task) + "/tmp";
  EXPECT_TRUE(!fs::exists(tmp) || fs::is_empty(tmp));
}

// --- 10: login attempts are rate-limited per client address ---

std::string LoginRaw(const std::string& password) {
  std::string body = "{\"username\":\"admin\",\"password\":\"" + password + "\"}";
  return "POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
         "Connection: close\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

TEST_F(LimitsTest, LoginFailuresAreThrottledPerAddress) {
  StartServer([](server::ServerOptions& o) { o.login_max_failures = 3; });
  int port = server_->port();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(StatusLine(SendFrom("127.0.0.2", port, LoginRaw("wrong"))),
              "HTTP/1.1 400 Bad Request");
  }
  // Throttled now, even with the right password (else guessing goes on).
  std::string r = SendFrom("127.0.0.2", port, LoginRaw("s3cret-pass"));
  EXPECT_EQ(StatusLine(r), "HTTP/1.1 429 Too Many Requests") << r;
  EXPECT_NE(r.find("Retry-After"), std::string::npos) << r;
  EXPECT_NE(r.find("Request was throttled"), std::string::npos) << r;
  // Another address is not affected.
  EXPECT_EQ(StatusLine(SendFrom("127.0.0.3", port, LoginRaw("s3cret-pass"))), "HTTP/1.1 200 OK");
}

// --- 10: the token file ---

TEST(TokenFileTest, AGroupOrWorldReadableTokenFileIsRefused) {
  ScopedTempDir dir;
  std::string path = dir.Join("token");
  {
    std::ofstream out(path);
    out << "0123456789abcdef0123456789abcdef01234567\n";
  }
  ::chmod(path.c_str(), 0644);
  Result<std::string> t = server::LoadOrCreateToken(path);
  ASSERT_FALSE(t.has_value());
  EXPECT_NE(t.error().message().find("0600"), std::string::npos) << t.error().ToString();
  EXPECT_NE(t.error().message().find(path), std::string::npos) << t.error().ToString();
  ::chmod(path.c_str(), 0600);
  ASSERT_TRUE(server::LoadOrCreateToken(path).has_value());
}

TEST(TokenFileTest, ATokenFileOwnedByAnotherUserIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give the file away";
  ScopedTempDir dir;
  std::string path = dir.Join("token");
  {
    std::ofstream out(path);
    out << "0123456789abcdef0123456789abcdef01234567\n";
  }
  ::chmod(path.c_str(), 0600);
  ASSERT_EQ(::chown(path.c_str(), 65534, 65534), 0);
  Result<std::string> t = server::LoadOrCreateToken(path);
  ASSERT_FALSE(t.has_value());
  EXPECT_NE(t.error().message().find("owned by"), std::string::npos) << t.error().ToString();
}

TEST(TokenFileTest, ASymlinkAtTheTempNameIsNotFollowed) {
  ScopedTempDir dir;
  std::string victim = dir.Join("victim");
  {
    std::ofstream out(victim);
    out << "keep me";
  }
  std::string path = dir.Join("token");
  ASSERT_EQ(::symlink(victim.c_str(), (path + ".tmp").c_str()), 0);
  Result<std::string> t = server::LoadOrCreateToken(path);
  ASSERT_TRUE(t.has_value()) << t.error().ToString();
  EXPECT_EQ(ReadFile(victim), "keep me");
  EXPECT_EQ(ReadFile(path), *t + "\n");
  struct stat st;
  ASSERT_EQ(::lstat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(PlainHttpTest, OnlyLoopbackHostsAreLocal) {
  EXPECT_TRUE(server::IsLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(server::IsLoopbackHost("127.1.2.3"));
  EXPECT_TRUE(server::IsLoopbackHost("localhost"));
  EXPECT_TRUE(server::IsLoopbackHost("::1"));
  EXPECT_FALSE(server::IsLoopbackHost("0.0.0.0"));
  EXPECT_FALSE(server::IsLoopbackHost("::"));
  EXPECT_FALSE(server::IsLoopbackHost("192.168.1.5"));
  EXPECT_FALSE(server::IsLoopbackHost("cvat.example"));
  EXPECT_FALSE(server::IsLoopbackHost("127.0.0.1.example"));
}

}  // namespace
}  // namespace ingest::testing
