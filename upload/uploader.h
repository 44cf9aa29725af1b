// The steps around the transfer: the task, Upload-Start, the finish request with the data
// options, and waiting for the task to be created. The CLI strings them together:
//   CreateTask or GetTask -> StartUpload -> TransferEngine::Run -> FinishUpload ->
//   WaitForRequest -> CheckFrameOrder.
#ifndef INGEST_UPLOAD_UPLOADER_H_
#define INGEST_UPLOAD_UPLOADER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "upload/cvat_api.h"
#include "upload/task_options.h"
#include "upload/upload_plan.h"

namespace ingest::upload {

// The task fields of POST /api/tasks.
struct TaskSpec {
  std::string name;
  std::string labels_json;  // a JSON list, or "" with project_id
  std::optional<int64_t> project_id;
  std::optional<int64_t> segment_size;
  std::optional<int64_t> overlap;
  std::optional<int64_t> consensus_replicas;
  std::optional<int64_t> assignee_id;  // --assignee, resolved through /api/users
  std::string assignee_name;           // --assignee USER, until ConnectToServer resolves it
  std::string bug_tracker;
  std::string subset;                 // Train, Test, Validation or any name (in a project)
  std::optional<StorageSpec> source_storage;
  std::optional<StorageSpec> target_storage;
};

// The data request fields (DataSerializer) the user can set, as cvat-cli names them.
struct DataOptions {
  int image_quality = 70;
  std::optional<bool> use_cache;
  std::optional<bool> copy_data;
  std::optional<bool> use_zip_chunks;
  std::optional<int64_t> chunk_size;
  std::optional<int64_t> start_frame;
  std::optional<int64_t> stop_frame;
  std::optional<int64_t> frame_step;  // sent as frame_filter "step=N"
  std::string job_file_mapping_json;  // a JSON list of lists, as given
  std::string filename_pattern;
  ValidationParams validation;  // quality control (none when its mode is empty)
};

// JSON for POST /api/tasks. InvalidArgument when labels_json is not a JSON list or both
// labels and a project are given.
Result<std::string> BuildTaskBody(const TaskSpec& spec);

// JSON for Upload-Finish: image_quality, sorting_method, upload_file_order (for predefined
// orders; CVAT compares it with every uploaded file, so the manifest is listed too), and
// every data option that is set.
std::string BuildFinishBody(const UploadPlan& plan, const DataOptions& data);

// Polls GET /api/requests/<rq_id> with growing intervals (20 ms doubling up to 2 s) until it
// is finished or failed; `on_state` sees each state. A request the server forgot (404)
// after acceptance is confirmed through GET /api/tasks/<id> (size > 0). Returns the task.
// Remote error with the server's message when creation failed; Cancelled on `cancel`.
Result<TaskInfo> WaitForTask(CvatApi& api, int64_t task_id, const std::string& rq_id,
                             const std::function<void(const RequestState&)>& on_state,
                             const std::atomic<bool>* cancel);

// True when `s` (from WaitForTask) says the server's build of the task failed: its request
// ended `failed`, and the task will not get data (a new upload needs a new task).
bool IsBuildFailure(const Status& s);

// Compares the task's frame list (data/meta) with the planned order. OK when equal; else an
// error naming the first difference.
Status CheckFrameOrder(CvatApi& api, int64_t task_id, const UploadPlan& plan);

}  // namespace ingest::upload

#endif  // INGEST_UPLOAD_UPLOADER_H_
