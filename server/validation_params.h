// validation_params of a data request (quality control), read and checked as CVAT's
// ValidationParamsSerializer does, with its 400 bodies; and the checks CVAT's task creation
// adds once the task and the sorting are known (task.py, _validate_validation_params), which
// fail the creation request rather than the data request.
#ifndef INGEST_SERVER_VALIDATION_PARAMS_H_
#define INGEST_SERVER_VALIDATION_PARAMS_H_

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/result.h"

namespace ingest::server {

struct ValidationRequest {
  std::string mode;    // gt, gt_pool
  std::string method;  // random_uniform, random_per_job, manual
  std::optional<int64_t> frame_count, per_job_count, seed;
  std::optional<double> frame_share, per_job_share;
  std::vector<std::string> frames;
};

// InvalidArgument whose message is the whole 400 body, e.g.
// {"validation_params":{"mode":["This field is required."]}}.
Result<ValidationRequest> ParseValidationParams(simdjson::dom::element value);

// The creation's checks; the message is what the failed request says.
Status CheckValidationForTask(const ValidationRequest& v, const std::string& sorting_method,
                              int64_t segment_size, int64_t overlap, bool job_file_mapping);

}  // namespace ingest::server

#endif  // INGEST_SERVER_VALIDATION_PARAMS_H_
