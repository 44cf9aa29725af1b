// libcurl plumbing shared by the upload module: RAII handles, error conversion, and the easy
// handle settings every request uses. Only upload/ includes <curl/curl.h>.
#ifndef INGEST_UPLOAD_CURL_UTIL_H_
#define INGEST_UPLOAD_CURL_UTIL_H_

#include <curl/curl.h>

#include <memory>
#include <string>

#include "engine/c_handle.h"
#include "engine/result.h"
#include "engine/status.h"

namespace ingest::upload {

using CurlEasyPtr = std::unique_ptr<CURL, CDeleter<&curl_easy_cleanup>>;
using CurlMultiPtr = std::unique_ptr<CURLM, CDeleter<&curl_multi_cleanup>>;
using CurlSlistPtr = std::unique_ptr<curl_slist, CDeleter<&curl_slist_free_all>>;

// curl_global_init/cleanup for the process: one in main() before any thread starts.
class CurlGlobal {
 public:
  CurlGlobal();
  ~CurlGlobal();
  CurlGlobal(const CurlGlobal&) = delete;
  CurlGlobal& operator=(const CurlGlobal&) = delete;
};

// "PATCH http://host/x: Couldn't connect to server (connection refused)".
Status FromCurl(CURLcode code, const char* errbuf, const std::string& what);
Status FromCurlM(CURLMcode code, const std::string& what);

// Connection settings shared by every request (from the command line).
struct ConnectionOptions {
  bool insecure = false;          // skip TLS verification
  std::string ca_cert;            // PEM bundle file
  std::string proxy;              // empty: libcurl's environment variables
  uint64_t limit_rate = 0;        // bytes/s per transfer, 0: none
  long connect_timeout_s = 30;
  // A transfer that moves fewer than low_speed_bytes per second for low_speed_time_s
  // seconds is cut (stall detection); it is then retried.
  long low_speed_bytes = 1024;
  long low_speed_time_s = 60;
};

// Applies ConnectionOptions and the project's fixed choices: HTTP/1.1, no signals, TCP
// keep-alive, a 2 MiB upload buffer, no redirects (TUS Location is followed explicitly).
void ApplyConnectionOptions(CURL* easy, const ConnectionOptions& options);

// Appends a header line ("Name: value") to a list, returning the new head.
curl_slist* AddHeader(curl_slist* list, const std::string& line);

// libcurl's version line, e.g. "libcurl/7.88.1 OpenSSL/3.0.11 zlib/1.2.13" (for reports).
std::string LibcurlVersion();

// Percent-encodes everything but RFC 3986 unreserved characters (for path segments).
std::string PercentEncode(std::string_view s);

// Checks a --server URL with libcurl's URL parser before any request and returns it without
// a trailing slash: the scheme must be http or https, the host present, a port (when a ':'
// follows the host) a number, and no query or fragment. InvalidArgument naming the problem;
// for a URL without a scheme, the suggestion "did you mean http://...?".
Result<std::string> ParseServerUrl(std::string_view url);

// Resolves `location`, a URL the server handed back (a TUS Location: absolute, or relative as
// RFC 3986 allows), against `base` (the URL of the request it answered) with libcurl's URL
// API, and returns the path (and query) to request on base's origin. InvalidArgument naming
// the location, so that no request (and no token) goes there, when its scheme, host or port
// differs from base's, when it carries user info, or when it is no URL reference at all (a
// relative one whose first segment holds a ':', such as "@127.0.0.1:8081/x").
Result<std::string> ResolveServerLocation(std::string_view base, std::string_view location);

}  // namespace ingest::upload

#endif  // INGEST_UPLOAD_CURL_UTIL_H_
