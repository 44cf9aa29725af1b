// ProgressLine: a rate-limited progress display on stderr (one line redrawn in place on a
// terminal, plain lines now and then otherwise), and the text pieces of the upload commands'
// progress lines.
#ifndef INGEST_CLI_PROGRESS_H_
#define INGEST_CLI_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

namespace ingest::cli {

// How often a ProgressLine prints when stderr is not a terminal.
inline constexpr std::chrono::milliseconds kPlainProgressEvery{5000};

class ProgressLine {
 public:
  // While alive and `enabled`, on its own thread: on a terminal, redraws render() in place
  // every 200 ms, cut to the terminal's width; elsewhere (a log file, a pipe), prints
  // render() as a plain line (no carriage return, no escape codes) every `plain_every`, the
  // first after one interval. render() must be safe to call from that thread (read atomics).
  ProgressLine(bool enabled, std::function<std::string()> render,
               std::chrono::milliseconds plain_every = kPlainProgressEvery);
  // Stops, and erases the line on a terminal.
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

 private:
  std::function<std::string()> render_;
  std::jthread thread_;
  bool active_ = false;
  bool terminal_ = false;
};

// `line` cut to fit `columns` terminal columns (one per UTF-8 code point): whole trailing
// ", "-separated fields are dropped first (the line's least important details come last),
// then the rest is cut and ends with "...".
std::string FitToWidth(const std::string& line, size_t columns);

// The width of the terminal on stderr: TIOCGWINSZ, else $COLUMNS, else 80.
size_t TerminalColumns();

// "3.4 MiB/s" (FormatBytes of the whole bytes per second).
std::string Rate(double bytes_per_s);
// "0:01:02"; "--:--" when negative, not a number or over 100 hours.
std::string Eta(double seconds);
// A transfer's progress (cvat-ingest upload, resume and bench):
//   "12/100 files, 1.2 MiB / 10 MiB, 3.4 MiB/s, ETA 0:00:03, 4 in flight"
// `bytes_sent` of `bytes`: upload and resume pass the bytes the server confirmed (bounded by
// the plan; what went twice shows in the rate only). The ETA (of the bytes left at
// `bytes_per_s`) only `with_eta`.
std::string TransferProgressText(uint64_t files_done, uint64_t files, uint64_t bytes_sent,
                                 uint64_t bytes, double bytes_per_s, uint32_t in_flight,
                                 bool with_eta);
// What went again, apart: "1 retry", "12 retries, 3.1 MiB resent" (requests sent again after
// a failure; the bytes that went to the network a second time).
std::string RetriesText(uint64_t retries, uint64_t resent_bytes);

}  // namespace ingest::cli

#endif  // INGEST_CLI_PROGRESS_H_
