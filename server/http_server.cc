#include "server/http_server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server/connection_stream.h"
#include "server/wire_text.h"

namespace ingest::server {
namespace {

thread_local int current_socket = -1;

int Millis(time_t sec, time_t usec) { return static_cast<int>(sec * 1000 + usec / 1000); }

bool IsFormData(std::string_view content_type) {
  while (!content_type.empty() && content_type.front() == ' ') content_type.remove_prefix(1);
  return StartsWithNoCase(content_type, "multipart/form-data");
}

void HideMultipartType(httplib::Request& req) {
  req.headers.erase(kMultipartTypeHeader);
  auto it = req.headers.find("Content-Type");
  if (it == req.headers.end() || !IsFormData(it->second)) return;
  std::string value = std::move(it->second);
  req.headers.erase(it);
  req.headers.emplace(kMultipartTypeHeader, std::move(value));
}

}  // namespace

std::string RequestContentType(const httplib::Request& req) {
  if (req.has_header(kMultipartTypeHeader)) return req.get_header_value(kMultipartTypeHeader);
  return req.get_header_value("Content-Type");
}

int HttpServer::CurrentSocket() { return current_socket; }

bool HttpServer::process_and_close_socket(int sock) {
  bool ret = false;
  {
    ConnectionStream strm(sock, Millis(read_timeout_sec_, read_timeout_usec_),
                          Millis(write_timeout_sec_, write_timeout_usec_), svr_sock_);
    current_socket = sock;
    int one = 1;  // whether accepted sockets inherit the listener's TCP_NODELAY varies
    ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const int keep_alive_ms = Millis(keep_alive_timeout_sec_, 0);
    for (size_t left = keep_alive_max_count_; left > 0 && svr_sock_ >= 0; --left) {
      if (!strm.WaitForRequest(keep_alive_ms)) break;
      bool connection_closed = false;
      strm.BeginRequest();
      ret = process_request(strm, left == 1, connection_closed,
                            [&strm](httplib::Request& req) {
                              strm.RestoreEmptyHeaders(req);
                              HideMultipartType(req);
                            });
      if (!strm.Flush()) ret = false;
      if (!ret || connection_closed) break;
    }
    current_socket = -1;
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ret;
}

}  // namespace ingest::server
