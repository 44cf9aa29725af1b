#include "upload/task_options.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "manifest/jsonl_encoder.h"

namespace ingest::upload {
namespace {

Status Bad(const std::string& msg) { return Status::InvalidArgument(msg); }

bool IsShare(double v) { return std::isfinite(v) && v >= 0 && v <= 1; }

void AppendKey(std::string* out, std::string_view key) {
  if (!out->empty() && out->back() != '{') out->push_back(',');
  manifest::AppendJsonString(key, out);
  out->push_back(':');
}

// A share as Python's json.dumps writes a float (shortest round trip).
std::string ShareText(double v) {
  char buf[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  std::string s = buf;
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

}  // namespace

Status CheckValidationParams(const ValidationParams& v, std::optional<int64_t> segment_size,
                             std::optional<int64_t> overlap, bool job_file_mapping) {
  if (v.empty()) {
    if (!v.method.empty() || v.frame_count || v.frame_share || v.per_job_count ||
        v.per_job_share || v.seed || !v.frames.empty()) {
      return Bad("the --validation-* options need --validation-mode gt|gt_pool");
    }
    return Status();
  }
  if (v.mode != "gt" && v.mode != "gt_pool") {
    return Bad("--validation-mode: gt or gt_pool (not '" + v.mode + "')");
  }
  if (v.method.empty()) {
    return Bad("--validation-mode needs --validation-method random_uniform|random_per_job|manual");
  }
  if (v.method != "random_uniform" && v.method != "random_per_job" && v.method != "manual") {
    return Bad("--validation-method: random_uniform, random_per_job or manual (not '" + v.method +
               "')");
  }
  if (v.mode == "gt_pool" && v.method == "random_per_job") {
    return Bad("--validation-mode gt_pool takes --validation-method random_uniform or manual");
  }
  // Counts and shares (the serializer's min_value=1 and validate_share).
  if (v.frame_count && *v.frame_count < 1) return Bad("--validation-frames: at least 1");
  if (v.per_job_count && *v.per_job_count < 1) return Bad("--validation-per-job: at least 1");
  if (v.frame_share && !IsShare(*v.frame_share)) return Bad("--validation-share: 0 to 1");
  if (v.per_job_share && !IsShare(*v.per_job_share)) {
    return Bad("--validation-per-job-share: 0 to 1");
  }
  if (v.seed && *v.seed < 0) return Bad("--validation-seed: 0 or more");
  if (v.frame_count && v.frame_share) {
    return Bad("give --validation-frames or --validation-share, not both");
  }
  if (v.per_job_count && v.per_job_share) {
    return Bad("give --validation-per-job or --validation-per-job-share, not both");
  }
  const bool per_job = v.per_job_count || v.per_job_share;
  if (v.mode == "gt_pool" && !per_job) {
    return Bad("--validation-mode gt_pool needs --validation-per-job N or "
               "--validation-per-job-share F (honeypots in each job)");
  }
  if (v.method == "random_uniform" && !v.frame_count && !v.frame_share) {
    return Bad("--validation-method random_uniform needs --validation-frames N or "
               "--validation-share F");
  }
  if (v.method == "random_per_job" && !per_job) {
    return Bad("--validation-method random_per_job needs --validation-per-job N or "
               "--validation-per-job-share F");
  }
  if (v.method == "manual" && v.frames.empty()) {
    return Bad("--validation-method manual needs --validation-frame-list @FILE or NAME,NAME...");
  }
  if (v.method != "manual" && !v.frames.empty()) {
    return Bad("--validation-frame-list goes with --validation-method manual only");
  }
  std::set<std::string_view> seen;
  for (const std::string& f : v.frames) {
    if (!seen.insert(f).second) return Bad("--validation-frame-list: '" + f + "' is listed twice");
  }
  // The task creation's checks (task.py, _validate_validation_params).
  if (v.mode == "gt" && v.method == "random_per_job" && v.per_job_count && segment_size &&
      *segment_size <= *v.per_job_count) {
    return Bad("--validation-per-job " + std::to_string(*v.per_job_count) +
               " must be less than --segment-size " + std::to_string(*segment_size));
  }
  if (v.mode == "gt_pool") {
    if (overlap && *overlap) return Bad("--validation-mode gt_pool cannot be used with --overlap");
    if (job_file_mapping) {
      return Bad("--validation-mode gt_pool cannot be used with --job-file-mapping");
    }
  }
  return Status();
}

void AppendValidationParams(const ValidationParams& v, std::string* json) {
  AppendKey(json, "validation_params");
  json->push_back('{');
  AppendKey(json, "mode");
  manifest::AppendJsonString(v.mode, json);
  AppendKey(json, "frame_selection_method");
  manifest::AppendJsonString(v.method, json);
  auto add_int = [&](const char* key, const std::optional<int64_t>& n) {
    if (!n) return;
    AppendKey(json, key);
    *json += std::to_string(*n);
  };
  auto add_share = [&](const char* key, const std::optional<double>& d) {
    if (!d) return;
    AppendKey(json, key);
    *json += ShareText(*d);
  };
  add_int("frame_count", v.frame_count);
  add_share("frame_share", v.frame_share);
  add_int("frames_per_job_count", v.per_job_count);
  add_share("frames_per_job_share", v.per_job_share);
  add_int("random_seed", v.seed);
  if (!v.frames.empty()) {
    AppendKey(json, "frames");
    json->push_back('[');
    for (size_t i = 0; i < v.frames.size(); ++i) {
      if (i) json->push_back(',');
      manifest::AppendJsonString(v.frames[i], json);
    }
    json->push_back(']');
  }
  json->push_back('}');
}

Result<StorageSpec> ParseStorageSpec(std::string_view text) {
  StorageSpec s;
  if (text == "local") {
    s.location = "local";
    return s;
  }
  constexpr std::string_view kCloud = "cloud_storage:";
  if (text.substr(0, kCloud.size()) == kCloud) {
    std::string_view id = text.substr(kCloud.size());
    int64_t n = 0;
    bool ok = !id.empty() && id.size() < 19;
    for (char c : id) {
      if (c < '0' || c > '9') ok = false;
      n = n * 10 + (c - '0');
    }
    if (ok && n > 0) {
      s.location = "cloud_storage";
      s.cloud_storage_id = n;
      return s;
    }
  }
  return Status::InvalidArgument("a storage is 'local' or 'cloud_storage:ID' (not '" +
                                 std::string(text) + "')");
}

std::string StorageJson(const StorageSpec& s) {
  std::string out = "{\"location\":";
  manifest::AppendJsonString(s.location, &out);
  if (s.location == "cloud_storage") {
    out += ",\"cloud_storage_id\":" + std::to_string(s.cloud_storage_id);
  }
  out += '}';
  return out;
}

Status CheckConsensusReplicas(int64_t n) {
  if (n == 0 || (n >= 2 && n <= kMaxConsensusReplicas)) return Status();
  return Status::InvalidArgument("--consensus-replicas: 0, or 2 to " +
                                 std::to_string(kMaxConsensusReplicas) + " (CVAT's limit), not " +
                                 std::to_string(n));
}

}  // namespace ingest::upload
