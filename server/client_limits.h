// Per-client-address bounds of the receiver (issue 15): how many connections one address may
// hold at once (a slowloris from one host cannot take every thread) and how many failed
// logins one address may make in a window (a password cannot be guessed at wire speed).
// Both are thread-safe. The memory they hold is bounded by the addresses active at once.
#ifndef INGEST_SERVER_CLIENT_LIMITS_H_
#define INGEST_SERVER_CLIENT_LIMITS_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace ingest::server {

class ConnectionCounter {
 public:
  // `max_per_address` 0 means no cap.
  explicit ConnectionCounter(size_t max_per_address) : max_(max_per_address) {}

  // Counts one more connection from `address`; false (nothing counted) when it already holds
  // the maximum.
  bool Acquire(const std::string& address);
  // Ends a connection Acquire() counted.
  void Release(const std::string& address);

 private:
  const size_t max_;
  std::mutex mu_;
  std::unordered_map<std::string, size_t> live_;  // GUARDED_BY(mu_); no zero entries
};

class LoginThrottle {
 public:
  using Clock = std::chrono::steady_clock;

  // `max_failures` failed logins within `window` throttle the address until the oldest of
  // them is `window` old. `max_failures` 0 means no throttle.
  LoginThrottle(size_t max_failures, std::chrono::seconds window)
      : max_(max_failures), window_(window) {}

  // Whole seconds `address` must wait before it may try again (at least 1), or 0 when it may
  // try now.
  int64_t RetryAfterSeconds(const std::string& address, Clock::time_point now = Clock::now());
  void RecordFailure(const std::string& address, Clock::time_point now = Clock::now());

 private:
  // Drops failures older than the window (all addresses when the map has grown large).
  // REQUIRES: mu_ held.
  void PruneLocked(Clock::time_point now);

  const size_t max_;
  const std::chrono::seconds window_;
  std::mutex mu_;
  // GUARDED_BY(mu_): the times of each address's recent failures, oldest first, at most max_.
  std::unordered_map<std::string, std::deque<Clock::time_point>> failures_;
};

// True when `host` (a --host value) names only this machine: "localhost", 127.0.0.0/8 or
// ::1. Anything else (0.0.0.0, ::, an interface address, a name) may be reached from other
// hosts, over plain HTTP.
bool IsLoopbackHost(std::string_view host);

}  // namespace ingest::server

#endif  // INGEST_SERVER_CLIENT_LIMITS_H_
