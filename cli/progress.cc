#include "cli/progress.h"

#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>

namespace ingest::cli {

ProgressLine::ProgressLine(bool enabled, std::function<std::string()> render)
    : render_(std::move(render)) {
  active_ = enabled && ::isatty(STDERR_FILENO);
  if (!active_) return;
  thread_ = std::jthread([this](std::stop_token stop) {
    std::mutex mu;
    std::condition_variable_any cv;
    std::unique_lock lock(mu);
    while (!stop.stop_requested()) {
      std::string line = render_();
      std::fprintf(stderr, "\r\033[K%s", line.c_str());
      std::fflush(stderr);
      cv.wait_for(lock, stop, std::chrono::milliseconds(200), [] { return false; });
    }
  });
}

ProgressLine::~ProgressLine() {
  if (!active_) return;
  thread_.request_stop();
  thread_.join();
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
}

}  // namespace ingest::cli
