// HttpServer: cpp-httplib's Server with the receiver's own connection loop.
//
// httplib::Server runs each accepted connection through the private virtual
// process_and_close_socket(): a keep-alive loop that builds a SocketStream per request and
// calls the protected process_request(). This class overrides that loop to serve every
// request of a connection through one ConnectionStream (connection_stream.h: restores
// empty-valued Upload-* headers, far fewer system calls), keeping the library's semantics:
// at most keep_alive_max_count requests, the keep-alive timeout between requests, the read
// and write timeouts, the last request answered with "Connection: close".
#ifndef INGEST_SERVER_HTTP_SERVER_H_
#define INGEST_SERVER_HTTP_SERVER_H_

#include <httplib.h>

#include <cstddef>
#include <memory>

#include "server/client_limits.h"
#include "server/connection_stream.h"

namespace ingest::server {

// cpp-httplib parses a multipart/form-data body itself, one byte at a time, before a
// handler sees it (60% of the receiver's CPU on batch uploads). The connection loop moves
// such a Content-Type to this header, so the library hands the raw body over and the
// receiver parses it (server/multipart_parser.h). A client's own header of this name is
// dropped. Read the type with RequestContentType().
inline constexpr const char kMultipartTypeHeader[] = "X-Ingest-Multipart-Content-Type";

// The request's Content-Type as the client sent it.
std::string RequestContentType(const httplib::Request& req);

// What one connection may make the server hold before a handler runs (issue 15).
struct ConnectionLimits {
  ConnectionStream::HeadLimits head;  // past them: 431, connection closed
  int head_timeout_ms = 10000;        // the whole head, from its first byte; then closed
  size_t max_per_client = 0;          // live connections per client address; 0: no cap
};

class HttpServer : public httplib::Server {
 public:
  // Call before listening.
  void set_connection_limits(const ConnectionLimits& limits);

  // The listening socket (to raise the backlog, which 0.11.4 fixes at 5 when it binds).
  int listening_socket() const { return svr_sock_; }

  // The socket of the connection whose request the calling thread is handling, or -1
  // outside a handler (for the fault plan's connection resets).
  static int CurrentSocket();

 private:
  bool process_and_close_socket(int sock) override;
  // The keep-alive loop of one counted connection.
  bool ServeConnection(ConnectionStream& strm);

  ConnectionLimits limits_;
  std::unique_ptr<ConnectionCounter> connections_ = std::make_unique<ConnectionCounter>(0);
};

}  // namespace ingest::server

#endif  // INGEST_SERVER_HTTP_SERVER_H_
