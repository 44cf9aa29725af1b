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

namespace ingest::server {

// cpp-httplib parses a multipart/form-data body itself, one byte at a time, before a
// handler sees it (60% of the receiver's CPU on batch uploads). The connection loop moves
// such a Content-Type to this header, so the library hands the raw body over and the
// receiver parses it (server/multipart_parser.h). A client's own header of this name is
// dropped. Read the type with RequestContentType().
inline constexpr const char kMultipartTypeHeader[] = "X-Ingest-Multipart-Content-Type";

// The request's Content-Type as the client sent it.
std::string RequestContentType(const httplib::Request& req);

class HttpServer : public httplib::Server {
 public:
  // The listening socket (to raise the backlog, which 0.11.4 fixes at 5 when it binds).
  int listening_socket() const { return svr_sock_; }

  // The socket of the connection whose request the calling thread is handling, or -1
  // outside a handler (for the fault plan's connection resets).
  static int CurrentSocket();

 private:
  bool process_and_close_socket(int sock) override;
};

}  // namespace ingest::server

#endif  // INGEST_SERVER_HTTP_SERVER_H_
