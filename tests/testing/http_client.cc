#include "tests/testing/http_client.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <simdjson.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include "tests/testing/image_writer.h"

namespace ingest::testing {
namespace {

size_t WriteBody(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

size_t WriteHeader(char* data, size_t size, size_t n, void* user) {
  auto* reply = static_cast<HttpReply*>(user);
  std::string line(data, size * n);
  size_t colon = line.find(':');
  if (colon != std::string::npos) {
    std::string key = line.substr(0, colon);
    for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
    reply->headers[key] = value;
  }
  return size * n;
}

struct ReadState {
  const std::string* body;
  size_t pos = 0;
};

size_t ReadBody(char* buf, size_t size, size_t n, void* user) {
  auto* st = static_cast<ReadState*>(user);
  size_t take = std::min(size * n, st->body->size() - st->pos);
  std::memcpy(buf, st->body->data() + st->pos, take);
  st->pos += take;
  return take;
}

}  // namespace

HttpReply Send(const HttpRequest& req) {
  HttpReply reply;
  CURL* h = curl_easy_init();
  curl_slist* headers = nullptr;
  for (const std::string& hd : req.headers) headers = curl_slist_append(headers, hd.c_str());
  headers = curl_slist_append(headers, "Expect:");
  curl_easy_setopt(h, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, req.timeout_ms);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, WriteHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &reply);
  ReadState rs{req.body ? &*req.body : nullptr};
  if (req.method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (req.chunked) {
    headers = curl_slist_append(headers, "Transfer-Encoding: chunked");
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, ReadBody);
    curl_easy_setopt(h, CURLOPT_READDATA, &rs);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  } else if (req.body) {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.body->data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body->size()));
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  } else if (req.method != "GET") {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  reply.curl_code = curl_easy_perform(h);
  if (reply.curl_code == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply.status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(h);
  return reply;
}

void SendRawAndClose(int port, const std::string& raw) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::send(fd, raw.data(), raw.size(), MSG_NOSIGNAL), static_cast<ssize_t>(raw.size()));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ::close(fd);
}

std::string SendRaw(int port, const std::string& raw) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string reply;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::send(fd, raw.data(), raw.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(raw.size())) {
    timeval tv{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
      reply.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return reply;
}

int ConnectFrom(const char* source, int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in src{};
  src.sin_family = AF_INET;
  ::inet_pton(AF_INET, source, &src.sin_addr);
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_port = htons(static_cast<uint16_t>(port));
  dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::string ReadUntilClose(int fd, int timeout_ms) {
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[4096];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

std::string MultipartBody(const std::vector<FormPart>& parts, std::string* content_type) {
  const std::string boundary = "----cvatingestboundary7MA4YWxkTrZu0gW";
  *content_type = "multipart/form-data; boundary=" + boundary;
  std::string out;
  for (const FormPart& p : parts) {
    out += "--" + boundary + "\r\n";
    out += "Content-Disposition: form-data; name=\"" + p.name + "\"";
    if (!p.filename.empty()) out += "; filename=\"" + p.filename + "\"";
    out += "\r\n";
    if (!p.filename.empty()) out += "Content-Type: application/octet-stream\r\n";
    out += "\r\n" + p.content + "\r\n";
  }
  out += "--" + boundary + "--\r\n";
  return out;
}

std::string TinyPng(uint32_t width, uint32_t height) { return WritePng(width, height); }

std::string PercentEncode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string JsonField(const std::string& json, const std::string& key) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  simdjson::padded_string padded(json);
  if (parser.parse(padded).get(doc) != simdjson::SUCCESS) return "";
  simdjson::dom::element v;
  if (doc[key].get(v) != simdjson::SUCCESS) return "";
  std::string_view s;
  if (v.get(s) == simdjson::SUCCESS) return std::string(s);
  return simdjson::minify(v);
}

void ServerTest::SetUp() {
  ::signal(SIGPIPE, SIG_IGN);
  data_dir_ = dir_.Join("data");
  StartServer();
}

void ServerTest::TearDown() { StopServer(); }

void ServerTest::StartServer(const std::function<void(server::ServerOptions&)>& tweak) {
  StopServer();
  server::ServerOptions opts;
  opts.data_dir = data_dir_;
  opts.users = {{1, "admin", "s3cret-pass", kToken, "", ""},
                {2, "bob", "", kOtherToken, "", ""}};
  opts.idle_timeout_seconds = 5;
  opts.log = [this](std::string_view line) {
    std::lock_guard lock(log_mu_);
    log_.emplace_back(line);
  };
  if (tweak) tweak(opts);
  Result<std::unique_ptr<server::CvatServer>> s = server::CvatServer::Start(opts);
  ASSERT_TRUE(s.has_value()) << s.error().ToString();
  server_ = std::move(s).value();
}

void ServerTest::StopServer() {
  if (server_) server_->Stop();
  server_.reset();
}

std::string ServerTest::Url(const std::string& path) const { return server_->url() + path; }
std::string ServerTest::Origin() const { return server_->url(); }

std::vector<std::string> ServerTest::Auth(std::vector<std::string> more) const {
  more.push_back(std::string("Authorization: Token ") + kToken);
  return more;
}

HttpReply ServerTest::Get(const std::string& path, std::vector<std::string> more) {
  return Send({"GET", Url(path), Auth(std::move(more))});
}

HttpReply ServerTest::PostJson(const std::string& path, const std::string& json,
                               std::vector<std::string> more) {
  more.push_back("Content-Type: application/json");
  return Send({"POST", Url(path), Auth(std::move(more)), json});
}

int64_t ServerTest::CreateTask(const std::string& name, const std::string& extra) {
  HttpReply r = PostJson("/api/tasks", "{\"name\":\"" + name + "\",\"labels\":[{\"name\":\"car\"}]" +
                                           extra + "}");
  EXPECT_EQ(r.status, 201) << r.body;
  return std::stoll(JsonField(r.body, "id"));
}

HttpReply ServerTest::CreateUpload(int64_t task, const std::string& filename, uint64_t length,
                                   std::vector<std::string> more) {
  std::string b64;
  static constexpr char kB64[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t i = 0;
  for (; i + 2 < filename.size(); i += 3) {
    uint32_t v = (uint32_t(uint8_t(filename[i])) << 16) | (uint32_t(uint8_t(filename[i + 1])) << 8) |
                 uint8_t(filename[i + 2]);
    for (int s = 18; s >= 0; s -= 6) b64.push_back(kB64[(v >> s) & 63]);
  }
  if (i < filename.size()) {
    uint32_t v = uint32_t(uint8_t(filename[i])) << 16;
    if (i + 1 < filename.size()) v |= uint32_t(uint8_t(filename[i + 1])) << 8;
    b64.push_back(kB64[(v >> 18) & 63]);
    b64.push_back(kB64[(v >> 12) & 63]);
    b64.push_back(i + 1 < filename.size() ? kB64[(v >> 6) & 63] : '=');
    b64.push_back('=');
  }
  more.push_back("Upload-Length: " + std::to_string(length));
  more.push_back("Upload-Metadata: filename " + b64 + ",filetype " + "YXBwbGljYXRpb24vb2N0ZXQtc3RyZWFt");
  more.push_back("Tus-Resumable: 1.0.0");
  bool has_origin = false;
  for (const std::string& h : more) has_origin |= h.rfind("Origin", 0) == 0 || h.rfind("X-Forwarded", 0) == 0;
  if (!has_origin) more.push_back("Origin: " + Origin());
  return Send({"POST", Url("/api/tasks/" + std::to_string(task) + "/data/"), Auth(std::move(more)),
               std::string()});
}

HttpReply ServerTest::Patch(const std::string& url, uint64_t offset, const std::string& bytes,
                            std::vector<std::string> more) {
  more.push_back("Content-Type: application/offset+octet-stream");
  more.push_back("Upload-Offset: " + std::to_string(offset));
  more.push_back("Tus-Resumable: 1.0.0");
  return Send({"PATCH", url, Auth(std::move(more)), bytes});
}

HttpReply ServerTest::Head(const std::string& url, std::vector<std::string> more) {
  more.push_back("Tus-Resumable: 1.0.0");
  return Send({"HEAD", url, Auth(std::move(more))});
}

void ServerTest::UploadTus(int64_t task, const std::string& filename, const std::string& bytes) {
  HttpReply c = CreateUpload(task, filename, bytes.size());
  ASSERT_EQ(c.status, 201) << c.body;
  HttpReply p = Patch(c.Header("location"), 0, bytes);
  ASSERT_EQ(p.status, 204) << p.body;
  ASSERT_EQ(p.Header("upload-offset"), std::to_string(bytes.size()));
}

HttpReply ServerTest::Bulk(int64_t task,
                           const std::vector<std::pair<std::string, std::string>>& files,
                           bool with_quality) {
  std::vector<FormPart> parts;
  for (size_t i = 0; i < files.size(); ++i) {
    parts.push_back({"client_files[" + std::to_string(i) + "]", files[i].first, files[i].second});
  }
  if (with_quality) parts.push_back({"image_quality", "", "70"});
  std::string ct;
  std::string body = MultipartBody(parts, &ct);
  return Send({"POST", Url("/api/tasks/" + std::to_string(task) + "/data/"),
               Auth({"Upload-Multiple: true", "Content-Type: " + ct}), body});
}

HttpReply ServerTest::Finish(int64_t task, const std::string& json) {
  return PostJson("/api/tasks/" + std::to_string(task) + "/data/", json, {"Upload-Finish: true"});
}

HttpReply ServerTest::WaitRequest(const std::string& rq_id) {
  HttpReply r;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    r = Get("/api/requests/" + PercentEncode(rq_id));
    std::string st = JsonField(r.body, "status");
    if (r.status != 200 || st == "finished" || st == "failed") return r;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return r;
}

std::map<std::string, std::string> StoredTaskFiles(const std::string& data_dir, int64_t task) {
  std::map<std::string, std::string> out;
  std::string raw = data_dir + "/tasks/" + std::to_string(task) + "/raw";
  for (const auto& e : std::filesystem::directory_iterator(raw)) {
    std::string name = e.path().filename().string();
    if (name == "manifest.jsonl" || name.ends_with(".meta") || name == "index.json") continue;
    // An abandoned TUS upload (a creation whose reply was lost, then made again) stays
    // behind, as on CVAT (which has no TUS termination).
    if (IsUnfinishedTusUpload(name)) continue;
    out[name] = ReadFile(e.path().string());
  }
  return out;
}

}  // namespace ingest::testing
