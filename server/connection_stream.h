// ConnectionStream: the httplib::Stream the receiver hands to cpp-httplib for one keep-alive
// connection, in place of the library's SocketStream. It exists for three reasons:
//
// 1. Empty-valued headers. cpp-httplib 0.11.4 (a compiled Debian library, so its parser
//    cannot be patched) drops every request header whose value is empty. CVAT routes
//    POST /data/ by header *presence* (`Upload-Start:` with an empty value, as cvat-sdk
//    sends it, is a start). The stream records the raw request head as the parser reads it
//    (the parser pulls it through read() byte by byte), and RestoreEmptyHeaders() puts the
//    dropped `Upload-*` headers back into the parsed request, with an empty value, before
//    routing. Only the `Upload-*` family is restored: httplib interprets Content-Length,
//    Transfer-Encoding, Connection, Expect and Range itself, and restoring those as empty
//    would change how it reads the body.
// 2. Fewer system calls. SocketStream polls before every recv and receives at most 4 KiB per
//    call (CPPHTTPLIB_RECV_BUFSIZ, compiled in), and it is rebuilt (with a fresh buffer) for
//    every request. This stream lives as long as the connection, receives into a 256 KiB
//    buffer (httplib's 4 KiB reads are then served from memory), polls only when a
//    non-blocking recv finds nothing, and gathers a response's header and body writes into
//    one send.
// 3. A bounded request head. 0.11.4's parser grows a header line without limit and counts
//    no headers (a 256 MiB line once took the receiver to 858 MB). ReadHead() buffers the
//    whole head first, within the connection's read buffer, a size and header-count limit
//    and a deadline, so the parser only ever reads a head already known to be small.
//
// Waits are sliced so that a server stop (the listening socket closed) ends them promptly.
// Not thread-safe: one per connection, used by the thread that serves it.
#ifndef INGEST_SERVER_CONNECTION_STREAM_H_
#define INGEST_SERVER_CONNECTION_STREAM_H_

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <httplib.h>

namespace ingest::server {

class ConnectionStream final : public httplib::Stream {
 public:
  static constexpr size_t kReadBuffer = 256 << 10;
  static constexpr size_t kWriteBuffer = 64 << 10;
  static constexpr size_t kMaxRecordedHead = 1 << 20;

  // `fd` is the connected socket (not owned). `listener` is the server's listening socket,
  // which becomes -1 when the server stops. Timeouts are in milliseconds.
  ConnectionStream(int fd, int read_timeout_ms, int write_timeout_ms,
                   const std::atomic<int>& listener);
  ~ConnectionStream() override = default;

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  using httplib::Stream::write;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  int socket() const override { return fd_; }

  // Waits up to `timeout_ms` for the first byte of the next request (buffered bytes count).
  // False on timeout, end of stream, error or server stop.
  bool WaitForRequest(int timeout_ms);
  // Bounds of a request head (request line, header lines, blank line).
  struct HeadLimits {
    size_t max_bytes = 64 << 10;  // <= kReadBuffer
    size_t max_headers = 100;     // header lines, the request line not counted
  };
  enum class HeadResult { kComplete, kTooLarge, kTimeout, kClosed };
  // Receives until the buffer holds the whole head of the next request, so that the parser
  // then reads it from memory: kTooLarge as soon as the head passes a limit (nothing more of
  // it is buffered), kTimeout when `deadline` passes first, kClosed at end of stream, on an
  // error or a server stop. Call after WaitForRequest().
  HeadResult ReadHead(const HeadLimits& limits, std::chrono::steady_clock::time_point deadline);
  // Sends `reply` (a whole response) at once, then reads and drops what the peer still sends
  // for up to `linger_ms` (or until it closes), so that closing does not reset the connection
  // before the peer has read the reply.
  void SendFinalReply(std::string_view reply, int linger_ms);
  // Starts recording the bytes read, for RestoreEmptyHeaders.
  void BeginRequest();
  // Stops recording and adds each `Upload-*` header of the recorded head that has an empty
  // value and is absent from `req` (the parser dropped it), with an empty value.
  void RestoreEmptyHeaders(httplib::Request& req);
  // Sends what write() gathered. False when the peer is gone or the write timed out.
  bool Flush();

 private:
  // Polls for `events`, in slices, up to `timeout_ms`; false on timeout, error or stop.
  bool WaitFor(short events, int timeout_ms) const;
  // Receives into the empty read buffer; false at end of stream, on error or timeout.
  bool Fill(int timeout_ms);
  // Receives after the buffered bytes (moved to the front first when the buffer is full);
  // false at end of stream, on error or timeout.
  bool FillMore(int timeout_ms);

  const int fd_;
  const int read_timeout_ms_;
  const int write_timeout_ms_;
  const std::atomic<int>& listener_;
  std::unique_ptr<char[]> in_;
  size_t in_pos_ = 0;
  size_t in_end_ = 0;
  std::string out_;
  bool recording_ = false;
  std::string head_;
  std::string remote_ip_, local_ip_;
  int remote_port_ = 0, local_port_ = 0;
};

// Adds to `req` each `Upload-*` header of the raw request `head` (request line, header lines,
// CRLF or LF endings) whose value is empty and which `req` lacks.
void RestoreEmptyUploadHeaders(std::string_view head, httplib::Request& req);

}  // namespace ingest::server

#endif  // INGEST_SERVER_CONNECTION_STREAM_H_
