#include "cli/task_fields.h"

#include <cmath>
#include <cstdlib>
#include <string>

#include "cli/credentials.h"

namespace ingest::cli {
namespace {

Status Bad(const std::string& msg) { return Status::InvalidArgument(msg); }

Result<double> GetShare(const ParsedArgs& opt, std::string_view name) {
  std::string text = opt.Get(name);
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v)) {
    return Bad("--" + std::string(name) + ": a number from 0 to 1, not '" + text + "'");
  }
  return v;
}

// "@FILE" (one name a line) or "A,B,C".
Result<std::vector<std::string>> GetNames(const ParsedArgs& opt, std::string_view name) {
  std::string text = opt.Get(name);
  char sep = ',';
  if (!text.empty() && text[0] == '@') {
    Result<std::string> file = ReadWholeFile(text.substr(1));
    if (!file) return file.error().WithPrefix("--" + std::string(name));
    text = *file;
    sep = '\n';
  }
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(sep, start);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(start, end - start);
    if (!item.empty() && item.back() == '\r') item.pop_back();
    if (!item.empty()) out.push_back(std::move(item));
    start = end + 1;
  }
  return out;
}

Status ReadValidation(const ParsedArgs& opt, upload::ValidationParams* v) {
  v->mode = opt.Get("validation-mode");
  v->method = opt.Get("validation-method");
  for (auto [name, field] : {std::pair{"validation-frames", &v->frame_count},
                             std::pair{"validation-per-job", &v->per_job_count},
                             std::pair{"validation-seed", &v->seed}}) {
    if (!opt.Has(name)) continue;
    INGEST_ASSIGN_OR_RETURN(uint64_t n, opt.GetUint(name, 0));
    if (n > (uint64_t{1} << 62)) return Bad("--" + std::string(name) + ": too large");
    *field = static_cast<int64_t>(n);
  }
  for (auto [name, field] : {std::pair{"validation-share", &v->frame_share},
                             std::pair{"validation-per-job-share", &v->per_job_share}}) {
    if (!opt.Has(name)) continue;
    INGEST_ASSIGN_OR_RETURN(*field, GetShare(opt, name));
  }
  if (opt.Has("validation-frame-list")) {
    INGEST_ASSIGN_OR_RETURN(v->frames, GetNames(opt, "validation-frame-list"));
    if (v->frames.empty()) return Bad("--validation-frame-list: no names");
  }
  return Status();
}

}  // namespace

Status ReadTaskFields(const ParsedArgs& opt, bool sorting_given, bool units,
                      upload::TaskSpec* spec, upload::DataOptions* data) {
  const bool server_sources =
      opt.Has("share") || opt.Has("remote") || opt.Has("cloud-storage-id");
  if (opt.Has("copy-data") && !server_sources) {
    return Bad("--copy-data applies to files on the server's share (server_files); these are "
               "local files, which CVAT always stores itself");
  }
  if (opt.Has("filename-pattern") && !server_sources) {
    return Bad("--filename-pattern filters a cloud storage's manifest (server_files); it does "
               "nothing for local files (use --include/--exclude)");
  }
  INGEST_RETURN_IF_ERROR(ReadValidation(opt, &data->validation));
  INGEST_RETURN_IF_ERROR(upload::CheckValidationParams(
      data->validation, spec->segment_size, spec->overlap, !data->job_file_mapping_json.empty()));
  if (data->validation.NeedsServerRandom() && sorting_given) {
    return Bad("--validation-mode gt_pool: honeypots need CVAT's own random order, so "
               "--sorting-method and --seed cannot apply");
  }
  if (data->validation.method == "manual" && units) {
    return Bad("--validation-frame-list names the frames of one task; a run of many tasks "
               "(--task-per, --split-every) has other frames in each");
  }
  if (opt.Has("consensus-replicas")) {
    INGEST_ASSIGN_OR_RETURN(uint64_t n, opt.GetUint("consensus-replicas", 0));
    if (n > 1000) return upload::CheckConsensusReplicas(1000);
    INGEST_RETURN_IF_ERROR(upload::CheckConsensusReplicas(static_cast<int64_t>(n)));
    spec->consensus_replicas = static_cast<int64_t>(n);
  }
  if (opt.Has("subset")) {
    if (!spec->project_id) {
      return Bad("--subset names the task's part of a project's dataset: it needs --project-id");
    }
    spec->subset = opt.Get("subset");
    if (spec->subset.empty() || spec->subset.size() > 64) return Bad("--subset: 1 to 64 characters");
  }
  if (opt.Has("bug-tracker")) {
    spec->bug_tracker = opt.Get("bug-tracker");
    if (spec->bug_tracker.size() > 2000) return Bad("--bug-tracker: at most 2000 characters");
  }
  if (opt.Has("assignee")) {
    spec->assignee_name = opt.Get("assignee");
    if (spec->assignee_name.empty() || spec->assignee_name.size() > 150) {
      return Bad("--assignee: a username of 1 to 150 characters");  // Django's limit
    }
  }
  for (auto [name, field] : {std::pair{"source-storage", &spec->source_storage},
                             std::pair{"target-storage", &spec->target_storage}}) {
    if (!opt.Has(name)) continue;
    Result<upload::StorageSpec> s = upload::ParseStorageSpec(opt.Get(name));
    if (!s) return s.error().WithPrefix("--" + std::string(name));
    *field = *s;
  }
  return Status();
}

}  // namespace ingest::cli
