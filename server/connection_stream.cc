#include "server/connection_stream.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include "server/wire_text.h"

namespace ingest::server {
namespace {

constexpr int kWaitSliceMs = 100;  // how soon a wait notices a server stop

void AddressOf(const sockaddr_storage& a, std::string* ip, int* port) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (a.ss_family == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(a);
    ::inet_ntop(AF_INET, &in.sin_addr, buf, sizeof buf);
    *port = ntohs(in.sin_port);
  } else if (a.ss_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(a);
    ::inet_ntop(AF_INET6, &in6.sin6_addr, buf, sizeof buf);
    *port = ntohs(in6.sin6_port);
  }
  *ip = buf;
}

}  // namespace

void RestoreEmptyUploadHeaders(std::string_view head, httplib::Request& req) {
  size_t eol = head.find('\n');  // skip the request line
  if (eol == std::string_view::npos) return;
  head.remove_prefix(eol + 1);
  while (!head.empty()) {
    eol = head.find('\n');
    std::string_view line = head.substr(0, eol);
    head = eol == std::string_view::npos ? std::string_view() : head.substr(eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;  // end of the head
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) continue;
    std::string_view name = line.substr(0, colon);
    std::string_view value = line.substr(colon + 1);
    if (value.find_first_not_of(" \t") != std::string_view::npos) continue;  // httplib kept it
    if (!StartsWithNoCase(name, "Upload-")) continue;
    if (name.find_first_of(" \t") != std::string_view::npos) continue;  // not a valid name
    std::string key(name);
    if (!req.has_header(key)) req.headers.emplace(std::move(key), std::string());
  }
}

ConnectionStream::ConnectionStream(int fd, int read_timeout_ms, int write_timeout_ms,
                                   const std::atomic<int>& listener)
    : fd_(fd),
      read_timeout_ms_(read_timeout_ms),
      write_timeout_ms_(write_timeout_ms),
      listener_(listener),
      in_(new char[kReadBuffer]) {
  sockaddr_storage a{};
  socklen_t len = sizeof a;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    AddressOf(a, &remote_ip_, &remote_port_);
  }
  a = {};
  len = sizeof a;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    AddressOf(a, &local_ip_, &local_port_);
  }
}

bool ConnectionStream::WaitFor(short events, int timeout_ms) const {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    if (listener_.load(std::memory_order_relaxed) < 0) return false;  // stopping
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) return false;
    pollfd p{fd_, events, 0};
    int r = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, kWaitSliceMs)));
    if (r > 0) return true;  // ready, or an error/hang-up the next call will report
    if (r < 0 && errno != EINTR) return false;
  }
}

bool ConnectionStream::Fill(int timeout_ms) {
  in_pos_ = in_end_ = 0;
  return FillMore(timeout_ms);
}

bool ConnectionStream::FillMore(int timeout_ms) {
  if (in_end_ == kReadBuffer) {
    std::memmove(in_.get(), in_.get() + in_pos_, in_end_ - in_pos_);
    in_end_ -= in_pos_;
    in_pos_ = 0;
  }
  if (in_end_ == kReadBuffer) return false;  // callers bound what they wait for below this
  for (;;) {
    ssize_t n = ::recv(fd_, in_.get() + in_end_, kReadBuffer - in_end_, MSG_DONTWAIT);
    if (n > 0) {
      in_end_ += static_cast<size_t>(n);
      return true;
    }
    if (n == 0) return false;  // end of stream
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return false;
    if (!WaitFor(POLLIN, timeout_ms)) return false;
  }
}

bool ConnectionStream::is_readable() const {
  return in_pos_ < in_end_ || WaitFor(POLLIN, read_timeout_ms_);
}

bool ConnectionStream::is_writable() const {
  // Writes are gathered and sent by Flush(), which applies the write timeout itself.
  return true;
}

ssize_t ConnectionStream::read(char* ptr, size_t size) {
  if (!out_.empty() && !Flush()) return -1;  // e.g. "100 Continue" before the body
  if (in_pos_ == in_end_ && !Fill(read_timeout_ms_)) return -1;
  size_t n = std::min(size, in_end_ - in_pos_);
  std::memcpy(ptr, in_.get() + in_pos_, n);
  in_pos_ += n;
  if (recording_) {
    if (head_.size() + n <= kMaxRecordedHead) {
      head_.append(ptr, n);
    } else {
      recording_ = false;  // a head this large is refused by the parser anyway
      head_.clear();
    }
  }
  return static_cast<ssize_t>(n);
}

ssize_t ConnectionStream::write(const char* ptr, size_t size) {
  if (out_.size() + size > kWriteBuffer) {
    if (!Flush()) return -1;
    if (size > kWriteBuffer) {
      out_.assign(ptr, size);  // large bodies go out at once
      return Flush() ? static_cast<ssize_t>(size) : -1;
    }
  }
  out_.append(ptr, size);
  return static_cast<ssize_t>(size);
}

bool ConnectionStream::Flush() {
  size_t sent = 0;
  while (sent < out_.size()) {
    ssize_t n = ::send(fd_, out_.data() + sent, out_.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n >= 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (errno == EINTR) continue;
    if ((errno != EAGAIN && errno != EWOULDBLOCK) || !WaitFor(POLLOUT, write_timeout_ms_)) {
      out_.clear();
      return false;
    }
  }
  out_.clear();
  if (out_.capacity() > 4 * kWriteBuffer) out_.shrink_to_fit();
  return true;
}

void ConnectionStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  ip = remote_ip_;
  port = remote_port_;
}

void ConnectionStream::get_local_ip_and_port(std::string& ip, int& port) const {
  ip = local_ip_;
  port = local_port_;
}

bool ConnectionStream::WaitForRequest(int timeout_ms) {
  if (in_pos_ < in_end_) return true;
  if (!WaitFor(POLLIN, timeout_ms)) return false;
  return Fill(read_timeout_ms_);
}

ConnectionStream::HeadResult ConnectionStream::ReadHead(
    const HeadLimits& limits, std::chrono::steady_clock::time_point deadline) {
  size_t scanned = 0;     // bytes after in_pos_ already looked at
  size_t line_start = 0;  // where the current line begins, after in_pos_
  size_t lines = 0;       // complete lines so far, the request line included
  for (;;) {
    const char* head = in_.get() + in_pos_;
    const size_t avail = in_end_ - in_pos_;
    for (; scanned < avail; ++scanned) {
      if (head[scanned] != '\n') continue;
      size_t len = scanned - line_start;
      if (len > 0 && head[scanned - 1] == '\r') --len;
      if (scanned + 1 > limits.max_bytes) return HeadResult::kTooLarge;
      if (len == 0) return HeadResult::kComplete;  // the blank line (or a stray one first)
      if (++lines > limits.max_headers + 1) return HeadResult::kTooLarge;
      line_start = scanned + 1;
    }
    if (avail >= limits.max_bytes) return HeadResult::kTooLarge;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) return HeadResult::kTimeout;
    const int wait_ms = static_cast<int>(std::min<int64_t>(left, read_timeout_ms_));
    if (!FillMore(wait_ms)) {
      return std::chrono::steady_clock::now() >= deadline ? HeadResult::kTimeout
                                                          : HeadResult::kClosed;
    }
  }
}

void ConnectionStream::SendFinalReply(std::string_view reply, int linger_ms) {
  out_.assign(reply);
  if (!Flush()) return;
  ::shutdown(fd_, SHUT_WR);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(linger_ms);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) return;
    in_pos_ = in_end_ = 0;
    if (!FillMore(static_cast<int>(left))) return;  // closed, or the linger time is over
  }
}

void ConnectionStream::BeginRequest() {
  head_.clear();
  recording_ = true;
}

void ConnectionStream::RestoreEmptyHeaders(httplib::Request& req) {
  recording_ = false;
  RestoreEmptyUploadHeaders(head_, req);
  head_.clear();
}

}  // namespace ingest::server
