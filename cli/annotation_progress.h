// The upload of an --annotations file in the progress output, as data uploads show theirs:
// a line on a terminal (a plain line every 5 s elsewhere) with --progress auto or bar, JSON
// events with --progress json, nothing with none.
#ifndef INGEST_CLI_ANNOTATION_PROGRESS_H_
#define INGEST_CLI_ANNOTATION_PROGRESS_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "cli/progress.h"

namespace ingest::cli {

class AnnotationProgress {
 public:
  // `mode`: upload's --progress value.
  explicit AnnotationProgress(std::string mode) : mode_(std::move(mode)) {}
  // `done` of `total` bytes of the file `what` (a task's name, or "" for one task) are on the
  // server. Thread-safe.
  void Update(const std::string& what, uint64_t done, uint64_t total);
  // Ends the line (before the next output).
  void Stop();

 private:
  std::string mode_;
  std::mutex mu_;
  std::optional<ProgressLine> line_;  // GUARDED_BY(mu_)
  std::atomic<uint64_t> done_{0}, total_{0};
  std::atomic<int64_t> t0_ns_{0};  // steady_clock: the file's upload began
};

}  // namespace ingest::cli

#endif  // INGEST_CLI_ANNOTATION_PROGRESS_H_
