#include "upload/http_client.h"

#include <algorithm>

namespace ingest::upload {
namespace {

struct BodySink {
  CURL* easy;
  std::string* body;
  const std::function<bool(std::string_view)>* stream;
  size_t max_body;
  bool too_large = false;  // a 2xx body passed max_body: the transfer was stopped
};

size_t OnBody(char* data, size_t size, size_t n, void* user) noexcept {
  auto* sink = static_cast<BodySink*>(user);
  long status = 0;
  curl_easy_getinfo(sink->easy, CURLINFO_RESPONSE_CODE, &status);
  bool ok = status >= 200 && status < 300;
  if (*sink->stream && ok) {
    return (*sink->stream)(std::string_view(data, size * n)) ? size * n : 0;
  }
  size_t limit = ok ? sink->max_body : kMaxErrorBody;
  if (sink->body->size() + size * n > limit) {
    if (ok) {
      sink->too_large = true;
      return 0;  // stops the transfer (CURLE_WRITE_ERROR)
    }
    sink->body->append(data, limit - sink->body->size());  // the start is enough
    return size * n;
  }
  sink->body->append(data, size * n);
  return size * n;
}

struct HeaderSink {
  std::map<std::string, std::string>* headers;
  size_t bytes = 0;
  bool too_large = false;
};

size_t OnHeader(char* data, size_t size, size_t n, void* user) noexcept {
  auto* sink = static_cast<HeaderSink*>(user);
  sink->bytes += size * n;
  if (sink->bytes > kMaxReplyHeaders) {
    sink->too_large = true;
    return 0;
  }
  auto* headers = sink->headers;
  std::string_view line(data, size * n);
  size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
      value.remove_suffix(1);
    }
    (*headers)[name] = std::string(value);
  } else if (line.starts_with("HTTP/")) {
    headers->clear();  // a new response (e.g. after 100 Continue)
    sink->bytes = size * n;
  }
  return size * n;
}

}  // namespace

std::string HttpResponse::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

std::string StatusLine(long status) {
  const char* text = "";
  switch (status) {
    case 200: text = "OK"; break;
    case 201: text = "Created"; break;
    case 202: text = "Accepted"; break;
    case 204: text = "No Content"; break;
    case 400: text = "Bad Request"; break;
    case 401: text = "Unauthorized"; break;
    case 403: text = "Forbidden"; break;
    case 404: text = "Not Found"; break;
    case 405: text = "Method Not Allowed"; break;
    case 409: text = "Conflict"; break;
    case 413: text = "Payload Too Large"; break;
    case 415: text = "Unsupported Media Type"; break;
    case 429: text = "Too Many Requests"; break;
    case 500: text = "Internal Server Error"; break;
    case 502: text = "Bad Gateway"; break;
    case 503: text = "Service Unavailable"; break;
    case 504: text = "Gateway Timeout"; break;
    default: break;
  }
  return std::to_string(status) + (*text ? std::string(" ") + text : std::string());
}

HttpClient::HttpClient(ConnectionOptions options, std::vector<std::string> common_headers)
    : options_(std::move(options)),
      common_headers_(std::move(common_headers)),
      easy_(curl_easy_init()) {}

Result<HttpResponse> HttpClient::Send(const HttpRequest& request) {
  CURL* e = easy_.get();
  if (e == nullptr) return Status::Internal("curl_easy_init failed");
  curl_easy_reset(e);
  ApplyConnectionOptions(e, options_);
  // API calls are small: a stall of 60 s is a dead server.
  curl_easy_setopt(e, CURLOPT_TIMEOUT, 300L);
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(e, CURLOPT_URL, request.url.c_str());
  if (request.method == "HEAD") {
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  } else if (request.method != "GET") {
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  if (request.method == "POST" || request.method == "PATCH" || request.method == "PUT" ||
      !request.body.empty()) {
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
  curl_slist* list = nullptr;
  for (const std::string& h : common_headers_) list = AddHeader(list, h);
  for (const std::string& h : request.headers) list = AddHeader(list, h);
  list = AddHeader(list, "Expect:");
  CurlSlistPtr headers(list);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers.get());

  HttpResponse response;
  BodySink sink{e, &response.body, &request.on_body, request.max_body};
  HeaderSink header_sink{&response.headers};
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &header_sink);
  CURLcode rc = curl_easy_perform(e);
  // Keep nothing pointing at stack objects in the reused handle.
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, nullptr);
  const std::string what = request.method + " " + request.url;
  if (sink.too_large) {
    size_t max = request.max_body;
    std::string limit =
        max % (1 << 20) == 0 ? std::to_string(max >> 20) + " MiB" : std::to_string(max) + " bytes";
    return Status::Remote(what + ": the reply is larger than " + limit +
                          ", more than any API reply (not a CVAT server?)");
  }
  if (header_sink.too_large) {
    return Status::Remote(what + ": the reply's headers are larger than " +
                          std::to_string(kMaxReplyHeaders >> 10) + " KiB (not a CVAT server?)");
  }
  if (rc != CURLE_OK) return FromCurl(rc, errbuf, what);
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

}  // namespace ingest::upload
