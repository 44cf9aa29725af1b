// Test helpers for the receiver: a blocking HTTP request over a raw libcurl easy handle (not
// the project's upload/ code, so a client bug cannot hide a server bug), a raw-socket request
// for bodies cut short, and a fixture that runs server/ in-process on 127.0.0.1 port 0.
#ifndef INGEST_TESTS_TESTING_HTTP_CLIENT_H_
#define INGEST_TESTS_TESTING_HTTP_CLIENT_H_

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/cvat_server.h"
#include "tests/testing/temp_dir.h"

namespace ingest::testing {

struct HttpReply {
  long status = 0;  // 0 when the transfer failed
  int curl_code = 0;
  std::map<std::string, std::string> headers;  // keys lower-cased; last value wins
  std::string body;
  bool Has(const std::string& lower_key) const { return headers.count(lower_key) > 0; }
  std::string Header(const std::string& lower_key) const {
    auto it = headers.find(lower_key);
    return it == headers.end() ? "" : it->second;
  }
};

struct HttpRequest {
  HttpRequest(std::string m, std::string u, std::vector<std::string> h = {},
              std::optional<std::string> b = std::nullopt, bool c = false)
      : method(std::move(m)), url(std::move(u)), headers(std::move(h)), body(std::move(b)),
        chunked(c) {}
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"; "Name;" sends an empty value
  std::optional<std::string> body;
  bool chunked = false;              // send the body with Transfer-Encoding: chunked
  long timeout_ms = 10000;
};

HttpReply Send(const HttpRequest& req);

// Writes `raw` (request line, headers and as much body as wanted) to a new connection, then
// closes it without reading; for bodies shorter than their Content-Length.
void SendRawAndClose(int port, const std::string& raw);

// Writes `raw` to a new connection and returns everything the server sends until it closes
// the connection (send "Connection: close") or 10 s pass; "" when the connection failed.
// For requests libcurl cannot send, such as a header with an empty value.
std::string SendRaw(int port, const std::string& raw);

// A connection to 127.0.0.1:port from `source` (any 127/8 address, so a test can be several
// clients), or -1.
int ConnectFrom(const char* source, int port);
// Everything the peer sends on `fd` until it closes or `timeout_ms` pass.
std::string ReadUntilClose(int fd, int timeout_ms);

// A multipart/form-data body; Content-Type value in *content_type.
struct FormPart {
  std::string name;
  std::string filename;  // empty for a plain field
  std::string content;
};
std::string MultipartBody(const std::vector<FormPart>& parts, std::string* content_type);

// A small valid PNG of the given size (tests/testing/image_writer.h).
std::string TinyPng(uint32_t width, uint32_t height);

class ServerTest : public ::testing::Test {
 protected:
  static constexpr const char* kToken = "0123456789abcdef0123456789abcdef01234567";
  static constexpr const char* kOtherToken = "fedcba9876543210fedcba9876543210fedcba98";

  void SetUp() override;
  void TearDown() override;
  // (Re)starts the receiver on a fresh port with `tweak` applied to the default options.
  void StartServer(const std::function<void(server::ServerOptions&)>& tweak = {});
  void StopServer();

  std::string Url(const std::string& path) const;
  std::string Origin() const;
  // Headers with the token (and Origin).
  std::vector<std::string> Auth(std::vector<std::string> more = {}) const;
  HttpReply Get(const std::string& path, std::vector<std::string> more = {});
  HttpReply PostJson(const std::string& path, const std::string& json,
                     std::vector<std::string> more = {});

  int64_t CreateTask(const std::string& name = "task", const std::string& extra = "");
  // TUS creation; returns the reply (Location in headers).
  HttpReply CreateUpload(int64_t task, const std::string& filename, uint64_t length,
                         std::vector<std::string> more = {});
  HttpReply Patch(const std::string& url, uint64_t offset, const std::string& bytes,
                  std::vector<std::string> more = {});
  HttpReply Head(const std::string& url, std::vector<std::string> more = {});
  // Creates and completes a TUS upload of `bytes`.
  void UploadTus(int64_t task, const std::string& filename, const std::string& bytes);
  // Sends an Upload-Multiple batch.
  HttpReply Bulk(int64_t task, const std::vector<std::pair<std::string, std::string>>& files,
                 bool with_quality = true);
  HttpReply Finish(int64_t task, const std::string& json);
  // Polls the request until it ends (or 10 s pass); returns the last reply.
  HttpReply WaitRequest(const std::string& rq_id);

  ScopedTempDir dir_;
  std::string data_dir_;
  std::vector<std::string> log_;
  std::mutex log_mu_;
  std::unique_ptr<server::CvatServer> server_;
};

// True for the name of an unfinished TUS upload in a task's raw/ directory (<user>_<uuid>, as
// CVAT names them): such a file stays when a creation's reply was lost and it was made again.
inline bool IsUnfinishedTusUpload(std::string_view name) {
  return name.size() == 38 && name[0] >= '0' && name[0] <= '9' && name[1] == '_' &&
         name[10] == '-';
}

// The files the receiver stored for `task` under `data_dir` (name -> bytes): the manifest,
// upload state and unfinished TUS uploads left out.
std::map<std::string, std::string> StoredTaskFiles(const std::string& data_dir, int64_t task);

// Percent-encodes everything but unreserved characters.
std::string PercentEncode(const std::string& s);
// Pulls "key":"value" or "key":number out of a flat JSON text (tests only).
std::string JsonField(const std::string& json, const std::string& key);

}  // namespace ingest::testing

#endif  // INGEST_TESTS_TESTING_HTTP_CLIENT_H_
