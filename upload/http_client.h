// HttpClient: blocking HTTP/1.1 requests on one reused easy handle (so one keep-alive
// connection), for the API calls around an upload: tasks, start, finish, polling. Bulk data
// goes through TransferEngine instead.
#ifndef INGEST_UPLOAD_HTTP_CLIENT_H_
#define INGEST_UPLOAD_HTTP_CLIENT_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "engine/result.h"
#include "upload/curl_util.h"

namespace ingest::upload {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  // "Name: value", added to the client's common headers
  std::string body;                  // sent when not empty (or when method is POST/PATCH)
  // When set, a 2xx reply's body goes here piece by piece instead of into
  // HttpResponse::body (return false to stop the transfer). Error bodies are always kept.
  std::function<bool(std::string_view)> on_body;
  // A body kept in HttpResponse::body larger than this fails the request (API replies are
  // small: the largest, a task with its segments, is about 1 MB for a million frames). An
  // error body (not 2xx) is cut to kMaxErrorBody instead: only its start is ever shown.
  size_t max_body = 16 << 20;
};

inline constexpr size_t kMaxErrorBody = 64 << 10;
// The reply's header lines, all together, may hold this much (libcurl caps each at 100 KiB).
inline constexpr size_t kMaxReplyHeaders = 256 << 10;

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  // The value of header `name` (lower-case), or "".
  std::string Header(const std::string& name) const;
};

class HttpClient {
 public:
  // `common_headers` go on every request (Authorization, X-Organization). They may hold
  // secrets: they are never put in an error message.
  HttpClient(ConnectionOptions options, std::vector<std::string> common_headers);

  // Sends `request`. Any HTTP status is a response; only transport failures are errors
  // ("POST http://host/api/tasks: Couldn't connect to server").
  Result<HttpResponse> Send(const HttpRequest& request);

  const ConnectionOptions& options() const { return options_; }
  const std::vector<std::string>& common_headers() const { return common_headers_; }

 private:
  ConnectionOptions options_;
  std::vector<std::string> common_headers_;
  CurlEasyPtr easy_;
};

// "401 Unauthorized" etc. for error messages.
std::string StatusLine(long status);

}  // namespace ingest::upload

#endif  // INGEST_UPLOAD_HTTP_CLIENT_H_
