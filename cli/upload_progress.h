// What `cvat-ingest upload` and `resume` show on stderr while one task's upload runs: the
// plan, the task created, then as --progress says: a bar (auto, bar) or JSON progress events
// (json) while the files go up, JSON request events while the server builds the task, and the
// --annotations file's progress. The outcome is printed afterwards by the command.
#ifndef INGEST_CLI_UPLOAD_PROGRESS_H_
#define INGEST_CLI_UPLOAD_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>

#include "cli/annotation_progress.h"
#include "cli/progress.h"
#include "upload/transfer_engine.h"
#include "upload/upload_job.h"

namespace ingest::cli {

// The plan's files without the manifest it generated (which is no file of the user's).
uint64_t UserFiles(const upload::UploadPlan& plan);

class UploadProgress {
 public:
  // `mode`: the --progress value (auto, bar, json or none); `counters`: the upload's, read
  // by the display's thread; `task_name` for the line that says the task was created.
  UploadProgress(std::string mode, const upload::TransferCounters& counters,
                 std::string task_name);
  ~UploadProgress() { Stop(); }
  UploadProgress(const UploadProgress&) = delete;
  UploadProgress& operator=(const UploadProgress&) = delete;

  // The events to give the upload; they call into this object, which must outlive it.
  upload::UploadEvents Events();
  // Ends every display, before the outcome is printed. Safe to call twice.
  void Stop();

 private:
  void OnPlan(const upload::UploadPlan& plan);
  void OnTransferStart();
  void OnRequest(const upload::RequestState& state);
  void StopTransferDisplay();  // the bar or the JSON progress events
  std::string BarText() const;
  void PrintJsonProgress() const;
  double Seconds() const;

  const std::string mode_;
  const upload::TransferCounters& counters_;
  const std::string task_name_;
  uint64_t total_bytes_ = 0;
  size_t total_files_ = 0;
  std::chrono::steady_clock::time_point t0_;  // the transfer's start
  std::optional<ProgressLine> bar_;
  std::jthread json_events_;
  AnnotationProgress annotations_;
};

}  // namespace ingest::cli

#endif  // INGEST_CLI_UPLOAD_PROGRESS_H_
