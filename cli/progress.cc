#include "cli/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "cli/options.h"
#include "cli/problems.h"

namespace ingest::cli {

ProgressLine::ProgressLine(bool enabled, std::function<std::string()> render,
                           std::chrono::milliseconds plain_every)
    : render_(std::move(render)) {
  active_ = enabled;
  terminal_ = ::isatty(STDERR_FILENO);
  if (!active_) return;
  if (!terminal_) {
    thread_ = std::jthread([this, plain_every](std::stop_token stop) {
      std::mutex mu;
      std::condition_variable_any cv;
      std::unique_lock lock(mu);
      while (!cv.wait_for(lock, stop, plain_every, [] { return false; }) &&
             !stop.stop_requested()) {
        std::fprintf(stderr, "%s\n", render_().c_str());
        std::fflush(stderr);
      }
    });
    return;
  }
  thread_ = std::jthread([this](std::stop_token stop) {
    std::mutex mu;
    std::condition_variable_any cv;
    std::unique_lock lock(mu);
    while (!stop.stop_requested()) {
      // One column short of the width: a full line would wrap on some terminals.
      const size_t columns = TerminalColumns();
      std::string line = FitToWidth(render_(), columns > 1 ? columns - 1 : 1);
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
  if (!terminal_) return;
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
}

namespace {

size_t Columns(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

}  // namespace

std::string FitToWidth(const std::string& line, size_t columns) {
  std::string out = line;
  while (Columns(out) > columns) {
    const size_t comma = out.rfind(", ");
    if (comma == std::string::npos) break;
    out.resize(comma);
  }
  if (Columns(out) <= columns) return out;
  const size_t keep = columns > 3 ? columns - 3 : 0;
  size_t i = 0, seen = 0;
  while (i < out.size() && seen < keep) {
    ++i;
    while (i < out.size() && (static_cast<unsigned char>(out[i]) & 0xC0) == 0x80) ++i;
    ++seen;
  }
  return out.substr(0, i) + std::string("...").substr(0, columns - seen);
}

size_t TerminalColumns() {
  struct winsize ws {};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  if (const char* env = std::getenv("COLUMNS")) {
    if (std::optional<uint64_t> n = ParseUint(env); n && *n > 0 && *n < 10000) return *n;
  }
  return 80;
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

std::string RetriesText(uint64_t retries, uint64_t resent_bytes) {
  std::string text = WithCommas(retries) + (retries == 1 ? " retry" : " retries");
  if (resent_bytes > 0) text += ", " + FormatBytes(resent_bytes) + " resent";
  return text;
}

}  // namespace ingest::cli
