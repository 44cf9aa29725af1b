// Task and data fields beyond files and order, as CVAT's serializers take them
// (TaskWriteSerializer, DataSerializer, ValidationParamsSerializer; reference:
// ../shared/reference/cvat_tasks_api.txt): quality control (validation_params), consensus
// replicas, subset, bug tracker, assignee, source and target storage. Each is checked here by
// the rules CVAT applies, so a bad combination fails before a task is created, with CVAT's
// reason in our words.
#ifndef INGEST_UPLOAD_TASK_OPTIONS_H_
#define INGEST_UPLOAD_TASK_OPTIONS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/result.h"

namespace ingest::upload {

// validation_params of the data request. mode "" means none.
struct ValidationParams {
  std::string mode;    // "gt" (a Ground Truth job) or "gt_pool" (honeypots)
  std::string method;  // frame_selection_method: random_uniform, random_per_job, manual
  std::optional<int64_t> frame_count;     // random_uniform
  std::optional<double> frame_share;      // random_uniform, 0..1
  std::optional<int64_t> per_job_count;   // frames_per_job_count
  std::optional<double> per_job_share;    // frames_per_job_share, 0..1
  std::optional<int64_t> seed;            // random_seed, >= 0
  std::vector<std::string> frames;        // manual: file names as the task will hold them

  bool empty() const { return mode.empty(); }
  // Honeypots: CVAT takes them only with its own `random` sorting and no manifest.
  bool NeedsServerRandom() const { return mode == "gt_pool"; }
};

// CVAT's rules for validation_params (the serializer's and the task creation's), given the
// task's segment_size and overlap when set. InvalidArgument naming the option otherwise.
Status CheckValidationParams(const ValidationParams& v, std::optional<int64_t> segment_size,
                             std::optional<int64_t> overlap, bool job_file_mapping);

// Appends `"validation_params":{...}` (after a comma when `json` does not end in '{').
void AppendValidationParams(const ValidationParams& v, std::string* json);

// A task's source or target storage: "local", or "cloud_storage:ID".
struct StorageSpec {
  std::string location;  // "local" or "cloud_storage"
  int64_t cloud_storage_id = 0;
};
Result<StorageSpec> ParseStorageSpec(std::string_view text);
// {"location":"local"} or {"location":"cloud_storage","cloud_storage_id":N}
std::string StorageJson(const StorageSpec& s);

// CVAT's MAX_CONSENSUS_REPLICAS default (cvat/settings/base.py).
inline constexpr int64_t kMaxConsensusReplicas = 11;
// 0, or 2..kMaxConsensusReplicas, as TaskWriteSerializer.validate_consensus_replicas.
Status CheckConsensusReplicas(int64_t n);

}  // namespace ingest::upload

#endif  // INGEST_UPLOAD_TASK_OPTIONS_H_
