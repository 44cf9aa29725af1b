#include "upload/http_client.h"

#include <algorithm>

namespace ingest::upload {
namespace {

struct BodySink {
  CURL* easy;
  std::string* body;
  const std::function<bool(std::string_view)>* stream;
};

size_t OnBody(char* data, size_t size, size_t n, void* user) noexcept {
  auto* sink = static_cast<BodySink*>(user);
  if (*sink->stream) {
    long status = 0;
    curl_easy_getinfo(sink->easy, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status < 300) {
      return (*sink->stream)(std::string_view(data, size * n)) ? size * n : 0;
    }
  }
  sink->body->append(data, size * n);
  return size * n;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) noexcept {
  auto* headers = static_cast<std::map<std::string, std::string>*>(user);
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
  BodySink sink{e, &response.body, &request.on_body};
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &response.headers);
  CURLcode rc = curl_easy_perform(e);
  // Keep nothing pointing at stack objects in the reused handle.
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, nullptr);
  if (rc != CURLE_OK) return FromCurl(rc, errbuf, request.method + " " + request.url);
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

}  // namespace ingest::upload
