#include "server/validation_params.h"

#include <cmath>
#include <set>
#include <utility>

#include "server/wire_text.h"

namespace ingest::server {
namespace {

// {"validation_params":{FIELD:[MSG]}}
Status Error(std::string_view field, std::string_view msg) {
  return Status::InvalidArgument("{\"validation_params\":" + FieldErrorJson(field, msg) + "}");
}

Status NonField(std::string_view msg) { return Error("non_field_errors", msg); }

Status Choice(simdjson::dom::object obj, const char* key, const std::set<std::string>& choices,
              std::string* out) {
  simdjson::dom::element e;
  if (obj[key].get(e) != simdjson::SUCCESS) return Error(key, "This field is required.");
  std::string_view s;
  if (e.get(s) != simdjson::SUCCESS || !choices.count(std::string(s))) {
    std::string shown = e.is_string() ? std::string(e.get_string().value_unsafe())
                                      : std::string(simdjson::minify(e));
    return Error(key, "\"" + shown + "\" is not a valid choice.");
  }
  *out = std::string(s);
  return Status();
}

Status Int(simdjson::dom::object obj, const char* key, int64_t min, std::optional<int64_t>* out) {
  simdjson::dom::element e;
  if (obj[key].get(e) != simdjson::SUCCESS || e.is_null()) return Status();
  int64_t v = 0;
  if (e.get(v) != simdjson::SUCCESS) return Error(key, "A valid integer is required.");
  if (v < min) {
    return Error(key, "Ensure this value is greater than or equal to " + std::to_string(min) + ".");
  }
  *out = v;
  return Status();
}

Status Share(simdjson::dom::object obj, const char* key, std::optional<double>* out) {
  simdjson::dom::element e;
  if (obj[key].get(e) != simdjson::SUCCESS || e.is_null()) return Status();
  double v = 0;
  if (e.get(v) != simdjson::SUCCESS || !std::isfinite(v)) {
    return Error(key, "A valid number is required.");
  }
  if (v < 0 || v > 1) return Error(key, "Value must be in the range [0; 1]");
  *out = v;
  return Status();
}

Status Combinations(const ValidationRequest& v, bool has_frames) {
  if (v.mode == "gt_pool" && v.method == "random_per_job") {
    return NonField("Unexpected frame_selection_method value \"random_per_job\". "
                    "Expected one of manual, random_uniform");
  }
  const bool per_job = v.per_job_count || v.per_job_share;
  if (v.mode == "gt_pool" && !per_job) {
    return NonField("Expected one of the fields: frames_per_job_count, frames_per_job_share");
  }
  if (v.method == "random_uniform" && !v.frame_count && !v.frame_share) {
    return NonField("Expected one of the fields: frame_count, frame_share");
  }
  if (v.method == "random_per_job" && !per_job) {
    return NonField("Expected one of the fields: frames_per_job_count, frames_per_job_share");
  }
  if (v.method == "manual" && !has_frames) return Error("frames", "This field is required.");
  if (has_frames && v.method != "manual") {
    return NonField("\"frames\" can only be used when \"frame_selection_method\" is \"manual\"");
  }
  std::set<std::string_view> seen;
  for (const std::string& f : v.frames) {
    if (!seen.insert(f).second) return NonField("Frames must not repeat");
  }
  return Status();
}

}  // namespace

Result<ValidationRequest> ParseValidationParams(simdjson::dom::element value) {
  simdjson::dom::object obj;
  if (value.get(obj) != simdjson::SUCCESS) {
    return Error("non_field_errors", "Invalid data. Expected a dictionary.");
  }
  ValidationRequest v;
  INGEST_RETURN_IF_ERROR(Choice(obj, "mode", {"gt", "gt_pool"}, &v.mode));
  INGEST_RETURN_IF_ERROR(Choice(obj, "frame_selection_method",
                                {"random_uniform", "random_per_job", "manual"}, &v.method));
  INGEST_RETURN_IF_ERROR(Int(obj, "frame_count", 1, &v.frame_count));
  INGEST_RETURN_IF_ERROR(Int(obj, "frames_per_job_count", 1, &v.per_job_count));
  INGEST_RETURN_IF_ERROR(Int(obj, "random_seed", 0, &v.seed));
  INGEST_RETURN_IF_ERROR(Share(obj, "frame_share", &v.frame_share));
  INGEST_RETURN_IF_ERROR(Share(obj, "frames_per_job_share", &v.per_job_share));
  simdjson::dom::element frames;
  bool has_frames = obj["frames"].get(frames) == simdjson::SUCCESS && !frames.is_null();
  if (has_frames) {
    simdjson::dom::array arr;
    if (frames.get(arr) != simdjson::SUCCESS) {
      return Error("frames", "Expected a list of items but got type \"" +
                                 std::string(frames.is_string() ? "str" : "dict") + "\".");
    }
    for (simdjson::dom::element f : arr) {
      std::string_view s;
      if (f.get(s) != simdjson::SUCCESS) return Error("frames", "Not a valid string.");
      if (s.size() > 1024) {
        return Error("frames", "Ensure this field has no more than 1024 characters.");
      }
      v.frames.emplace_back(s);
    }
  }
  INGEST_RETURN_IF_ERROR(Combinations(v, has_frames));
  return v;
}

Status CheckValidationForTask(const ValidationRequest& v, const std::string& sorting_method,
                              int64_t segment_size, int64_t overlap, bool job_file_mapping) {
  if (v.mode == "gt" && v.method == "random_per_job" && v.per_job_count &&
      segment_size <= *v.per_job_count) {
    return Status::InvalidArgument(
        "Validation frame count per job cannot be greater than segment size");
  }
  if (v.mode != "gt_pool") return Status();
  if (sorting_method != "random") {
    return Status::InvalidArgument(
        "validation mode \"gt_pool\" can only be used with \"random\" sorting");
  }
  if (job_file_mapping) {
    return Status::InvalidArgument(
        "validation mode \"gt_pool\" cannot be used with \"job_file_mapping\"");
  }
  if (overlap) {
    return Status::InvalidArgument("validation mode \"gt_pool\" cannot be used with \"overlap\"");
  }
  return Status();
}

}  // namespace ingest::server
