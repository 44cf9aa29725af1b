// The abuse test of issue 15: `cvat-ingest serve` (a child process, so its peak RSS is its
// own) under a header flood, many-header heads, slowloris and two multipart floods at once,
// while a normal client creates a task, uploads a batch and finishes it. The normal upload
// must complete and the receiver's peak RSS (VmHWM) stay under kRssBound.
//
// Bounded: every attacker stops after a fixed volume or when the receiver closes on it, and
// the whole test after kAttackTime. All traffic is on loopback; the attackers come from
// 127.0.0.2 (slowloris), 127.0.0.3 (multipart) and 127.0.0.4 (heads), the normal client from
// 127.0.0.1.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/testing/http_client.h"
#include "tests/testing/temp_dir.h"

namespace ingest::testing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr uint64_t kRssBound = 256ull << 20;
// Under AddressSanitizer the receiver's resident set holds the sanitizer's shadow memory and
// its quarantine of freed blocks (256 MiB by default), so the bound is checked only in
// builds without it (seen: 352 MiB under the asan preset, 70 MiB in the debug build).
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kRssMeaningful = false;
#else
constexpr bool kRssMeaningful = true;
#endif
constexpr auto kAttackTime = std::chrono::seconds(12);

// The receiver as a child process, stopped (SIGTERM, then SIGKILL) by the destructor.
class ServeProcess {
 public:
  explicit ServeProcess(const std::string& dir) : dir_(dir) {
    pid_ = ::fork();
    if (pid_ == 0) {
      std::string data = dir + "/data", port_file = dir + "/port";
      ::execl(CVAT_INGEST_BIN, CVAT_INGEST_BIN, "serve", "--data", data.c_str(), "--port", "0",
              "--port-file", port_file.c_str(), "--head-timeout", "2", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (auto end = Clock::now() + std::chrono::seconds(20); Clock::now() < end;) {
      std::ifstream in(dir + "/port");
      if (in >> port_) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::ifstream tok(dir + "/data/token");
    std::getline(tok, token_);
  }
  ~ServeProcess() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 100 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (::waitpid(pid_, &status, WNOHANG) == 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
  }
  int port() const { return port_; }
  const std::string& token() const { return token_; }
  // Peak resident set size so far, in bytes (0 when unknown).
  uint64_t PeakRss() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
    }
    return 0;
  }

 private:
  std::string dir_;
  pid_t pid_ = -1;
  int port_ = 0;
  std::string token_;
};

// Sends `head` and then `filler` over and over (up to `limit` bytes) until the receiver stops
// reading or closes, or `stop` is set; with `again`, then does it again on a new connection
// until `stop`.
void Flood(const char* source, int port, const std::string& head, const std::string& filler,
           uint64_t limit, bool again, const std::atomic<bool>& stop) {
  do {
    int fd = ConnectFrom(source, port);
    if (fd < 0) return;
    timeval tv{3, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    uint64_t sent = 0;
    if (::send(fd, head.data(), head.size(), MSG_NOSIGNAL) > 0) {
      while (sent < limit && !stop) {
        ssize_t n = ::send(fd, filler.data(), filler.size(), MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<uint64_t>(n);
      }
    }
    ::close(fd);
  } while (again && !stop);
}

// Slowloris: `count` connections each sending a byte of an endless head every second.
void Slowloris(const char* source, int port, int count, const std::atomic<bool>& stop) {
  std::vector<int> fds;
  for (int i = 0; i < count; ++i) {
    int fd = ConnectFrom(source, port);
    if (fd >= 0) fds.push_back(fd);
  }
  std::string head = "GET /api/server/about HTTP/1.1\r\nHost: x\r\nX-Slow: ";
  for (int fd : fds) ::send(fd, head.data(), head.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  while (!stop) {
    for (int fd : fds) ::send(fd, "a", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    for (int i = 0; i < 10 && !stop; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (int fd : fds) ::close(fd);
}

std::string PostHead(const std::string& path, const std::string& token, uint64_t length,
                     const std::string& boundary) {
  return "POST " + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: Token " + token +
         "\r\nUpload-Multiple: true\r\nContent-Type: multipart/form-data; boundary=" + boundary +
         "\r\nContent-Length: " + std::to_string(length) + "\r\n\r\n";
}

TEST(AbuseTest, ServeStaysBoundedAndServesANormalUploadUnderFloods) {
  ::signal(SIGPIPE, SIG_IGN);
  ScopedTempDir dir;
  ServeProcess serve(dir.path());
  ASSERT_GT(serve.port(), 0);
  ASSERT_FALSE(serve.token().empty());
  const int port = serve.port();
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  const std::vector<std::string> auth = {"Authorization: Token " + serve.token(), "Origin: " + url};
  auto create_task = [&](const std::string& name) {
    std::vector<std::string> h = auth;
    h.push_back("Content-Type: application/json");
    HttpReply r =
        Send({"POST", url + "/api/tasks", h, "{\"name\":\"" + name + "\",\"labels\":[]}"});
    return JsonField(r.body, "id");
  };
  std::string flood_task = create_task("flood"), parts_task = create_task("parts");
  ASSERT_FALSE(flood_task.empty());

  std::atomic<bool> stop{false};
  std::vector<std::thread> attackers;
  const std::string about = "GET /api/server/about HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 16; ++i) {  // an endless header line (256 MiB a connection)
    attackers.emplace_back([&] {
      Flood("127.0.0.4", port, about + "X-Big: ", std::string(64 << 10, 'a'), 256ull << 20, true,
            stop);
    });
  }
  for (int i = 0; i < 16; ++i) {  // endless 8 KiB headers
    attackers.emplace_back([&] {
      Flood("127.0.0.4", port, about, "X-H: " + std::string(8 << 10, 'v') + "\r\n", 200ull << 20,
            true, stop);
    });
  }
  attackers.emplace_back([&] { Slowloris("127.0.0.2", port, 400, stop); });
  attackers.emplace_back([&] {  // 200 MiB of empty fields with 16,000-byte names
    std::string part = "--B\r\nContent-Disposition: form-data; name=\"" + std::string(16000, 'n') +
                       "\"\r\n\r\n\r\n";
    Flood("127.0.0.3", port,
          PostHead("/api/tasks/" + flood_task + "/data/", serve.token(), 200ull << 20, "B"), part,
          200ull << 20, false, stop);
  });
  attackers.emplace_back([&] {  // 100,000 empty file parts (a temp file each)
    std::string part;
    for (int i = 0; i < 64; ++i) {
      part += "--B\r\nContent-Disposition: form-data; name=\"client_files[" + std::to_string(i) +
              "]\"; filename=\"f" + std::to_string(i) + ".png\"\r\n\r\n\r\n";
    }
    uint64_t total = part.size() * 1600ull;
    Flood("127.0.0.3", port,
          PostHead("/api/tasks/" + parts_task + "/data/", serve.token(), total, "B"), part, total,
          false, stop);
  });

  // The normal client, meanwhile.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  auto started = Clock::now();
  std::string task = create_task("normal");
  ASSERT_FALSE(task.empty());
  std::vector<FormPart> parts;
  for (int i = 0; i < 3; ++i) {
    parts.push_back({"client_files[" + std::to_string(i) + "]", "img" + std::to_string(i) + ".png",
                     TinyPng(4, 3)});
  }
  parts.push_back({"image_quality", "", "70"});
  std::string ct;
  std::string body = MultipartBody(parts, &ct);
  std::vector<std::string> h = auth;
  h.push_back("Upload-Multiple: true");
  h.push_back("Content-Type: " + ct);
  HttpReply bulk = Send({"POST", url + "/api/tasks/" + task + "/data/", h, body});
  EXPECT_EQ(bulk.status, 200) << bulk.body;
  h = auth;
  h.push_back("Upload-Finish: true");
  h.push_back("Content-Type: application/json");
  HttpReply fin =
      Send({"POST", url + "/api/tasks/" + task + "/data/", h, "{\"image_quality\":70}"});
  ASSERT_EQ(fin.status, 202) << fin.body;
  std::string status;
  for (auto end = Clock::now() + std::chrono::seconds(20); Clock::now() < end;) {
    HttpReply r =
        Send({"GET", url + "/api/requests/" + PercentEncode(JsonField(fin.body, "rq_id")), auth});
    status = JsonField(r.body, "status");
    if (status == "finished" || status == "failed") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(status, "finished");
  auto normal_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();

  std::this_thread::sleep_until(started + kAttackTime);
  uint64_t peak = serve.PeakRss();
  stop = true;
  for (std::thread& t : attackers) t.join();
  peak = std::max(peak, serve.PeakRss());
  std::printf(
      "abuse: normal upload %lld ms under attack, receiver peak RSS %.1f MiB (bound %llu)\n",
      static_cast<long long>(normal_ms), static_cast<double>(peak) / (1 << 20),
      static_cast<unsigned long long>(kRssBound >> 20));
  EXPECT_GT(peak, 0u);
  if (kRssMeaningful) {
    EXPECT_LT(peak, kRssBound);
  }
  // Still serving once the floods are over.
  EXPECT_EQ(Send({"GET", url + "/api/server/about"}).status, 200);
}

}  // namespace
}  // namespace ingest::testing
