// ProgressLine: a rate-limited one-line progress display on stderr (only on a terminal).
#ifndef INGEST_CLI_PROGRESS_H_
#define INGEST_CLI_PROGRESS_H_

#include <functional>
#include <string>
#include <thread>

namespace ingest::cli {

class ProgressLine {
 public:
  // Redraws render() every 200 ms on its own thread while alive, if `enabled` and stderr is a
  // terminal. render() must be safe to call from that thread (read atomics).
  ProgressLine(bool enabled, std::function<std::string()> render);
  // Stops and erases the line.
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

 private:
  std::function<std::string()> render_;
  std::jthread thread_;
  bool active_ = false;
};

}  // namespace ingest::cli

#endif  // INGEST_CLI_PROGRESS_H_
