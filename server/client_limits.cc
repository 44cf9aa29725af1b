#include "server/client_limits.h"

#include <algorithm>

#include <arpa/inet.h>
#include <netinet/in.h>

namespace ingest::server {
namespace {

constexpr size_t kPruneAbove = 4096;  // addresses kept before a full sweep of stale ones

}  // namespace

bool ConnectionCounter::Acquire(const std::string& address) {
  std::lock_guard lock(mu_);
  size_t& n = live_[address];
  if (max_ != 0 && n >= max_) {
    if (n == 0) live_.erase(address);
    return false;
  }
  ++n;
  return true;
}

void ConnectionCounter::Release(const std::string& address) {
  std::lock_guard lock(mu_);
  auto it = live_.find(address);
  if (it == live_.end()) return;
  if (--it->second == 0) live_.erase(it);
}

void LoginThrottle::PruneLocked(Clock::time_point now) {
  for (auto it = failures_.begin(); it != failures_.end();) {
    std::deque<Clock::time_point>& times = it->second;
    while (!times.empty() && now - times.front() >= window_) times.pop_front();
    it = times.empty() ? failures_.erase(it) : std::next(it);
  }
}

int64_t LoginThrottle::RetryAfterSeconds(const std::string& address, Clock::time_point now) {
  if (max_ == 0) return 0;
  std::lock_guard lock(mu_);
  auto it = failures_.find(address);
  if (it == failures_.end()) return 0;
  std::deque<Clock::time_point>& times = it->second;
  while (!times.empty() && now - times.front() >= window_) times.pop_front();
  if (times.size() < max_) {
    if (times.empty()) failures_.erase(it);
    return 0;
  }
  auto left = std::chrono::ceil<std::chrono::seconds>(times.front() + window_ - now);
  return std::max<int64_t>(1, left.count());
}

void LoginThrottle::RecordFailure(const std::string& address, Clock::time_point now) {
  if (max_ == 0) return;
  std::lock_guard lock(mu_);
  if (failures_.size() >= kPruneAbove) PruneLocked(now);
  std::deque<Clock::time_point>& times = failures_[address];
  times.push_back(now);
  while (times.size() > max_) times.pop_front();
}

bool IsLoopbackHost(std::string_view host) {
  if (host == "localhost") return true;
  std::string h(host);
  in_addr v4{};
  if (::inet_pton(AF_INET, h.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (::inet_pton(AF_INET6, h.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

}  // namespace ingest::server
