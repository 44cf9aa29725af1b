#include "cli/progress.h"

#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>

#include "cli/options.h"

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

std::string Rate(double bytes_per_s) {
  return FormatBytes(static_cast<uint64_t>(bytes_per_s)) + "/s";
}

std::string Eta(double seconds) {
  if (!(seconds >= 0) || seconds > 360000) return "--:--";
  char buf[32];
  int s = static_cast<int>(seconds);
  std::snprintf(buf, sizeof(buf), "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
  return buf;
}

std::string TransferProgressText(uint64_t files_done, uint64_t files, uint64_t bytes_sent,
                                 uint64_t bytes, double bytes_per_s, uint32_t in_flight,
                                 bool with_eta) {
  std::string text = std::to_string(files_done) + "/" + std::to_string(files) + " files, " +
                     FormatBytes(bytes_sent) + " / " + FormatBytes(bytes) + ", " +
                     Rate(bytes_per_s);
  if (with_eta) {
    double left = static_cast<double>(bytes) - static_cast<double>(bytes_sent);
    text += ", ETA " + Eta(bytes_per_s > 0 ? left / bytes_per_s : -1);
  }
  return text + ", " + std::to_string(in_flight) + " in flight";
}

}  // namespace ingest::cli
