#include "server/http_server.h"

#include <chrono>
#include <string_view>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server/connection_stream.h"
#include "server/wire_text.h"

namespace ingest::server {
namespace {

thread_local int current_socket = -1;

// How long a refused connection is drained after its reply, so that the peer reads the reply
// before the close (a close with unread bytes resets the connection). Short for a connection
// over its address's cap: it holds a thread meanwhile, and its head is usually all sent.
constexpr int kLingerMs = 1000;
constexpr int kOverCapLingerMs = 250;

// As a Go front proxy (CVAT's Traefik) answers a head past its limit.
constexpr std::string_view kReply431 =
    "HTTP/1.1 431 Request Header Fields Too Large\r\n"
    "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 35\r\nConnection: close\r\n\r\n"
    "431 Request Header Fields Too Large";
constexpr std::string_view kReply503 =
    "HTTP/1.1 503 Service Unavailable\r\n"
    "Content-Type: application/json\r\nContent-Length: 57\r\nRetry-After: 1\r\n"
    "Connection: close\r\n\r\n"
    "{\"detail\":\"Too many open connections from this address.\"}";

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

void HttpServer::set_connection_limits(const ConnectionLimits& limits) {
  limits_ = limits;
  connections_ = std::make_unique<ConnectionCounter>(limits.max_per_client);
}

bool HttpServer::process_and_close_socket(int sock) {
  bool ret = false;
  {
    ConnectionStream strm(sock, Millis(read_timeout_sec_, read_timeout_usec_),
                          Millis(write_timeout_sec_, write_timeout_usec_), svr_sock_);
    std::string ip;
    int port = 0;
    strm.get_remote_ip_and_port(ip, port);
    if (connections_->Acquire(ip)) {
      ret = ServeConnection(strm);
      connections_->Release(ip);
    } else {
      strm.SendFinalReply(kReply503, kOverCapLingerMs);
    }
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ret;
}

bool HttpServer::ServeConnection(ConnectionStream& strm) {
  bool ret = false;
  const int sock = strm.socket();
  current_socket = sock;
  int one = 1;  // whether accepted sockets inherit the listener's TCP_NODELAY varies
  ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  const int keep_alive_ms = Millis(keep_alive_timeout_sec_, 0);
  for (size_t left = keep_alive_max_count_; left > 0 && svr_sock_ >= 0; --left) {
    if (!strm.WaitForRequest(keep_alive_ms)) break;
    // The whole head is buffered, within its limits, before the parser reads any of it
    // (0.11.4's parser grows a line without bound and counts no headers).
    auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(limits_.head_timeout_ms);
    ConnectionStream::HeadResult head = strm.ReadHead(limits_.head, deadline);
    if (head == ConnectionStream::HeadResult::kTooLarge) {
      strm.SendFinalReply(kReply431, kLingerMs);
      break;
    }
    if (head != ConnectionStream::HeadResult::kComplete) break;  // slow, closed or stopping
    bool connection_closed = false;
    strm.BeginRequest();
    ret = process_request(strm, left == 1, connection_closed, [&strm](httplib::Request& req) {
      strm.RestoreEmptyHeaders(req);
      HideMultipartType(req);
    });
    if (!strm.Flush()) ret = false;
    if (!ret || connection_closed) break;
  }
  current_socket = -1;
  return ret;
}

}  // namespace ingest::server
