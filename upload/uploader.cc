#include "upload/uploader.h"

#include <simdjson.h>

#include <chrono>
#include <thread>

#include "engine/path_text.h"
#include "manifest/jsonl_encoder.h"

namespace ingest::upload {

// The start of WaitForTask's message for a failed build (IsBuildFailure).
constexpr std::string_view kBuildFailed = "the server could not create task ";

namespace {

void AppendField(std::string* out, std::string_view key) {
  if (out->size() > 1) out->push_back(',');
  manifest::AppendJsonString(key, out);
  out->push_back(':');
}

}  // namespace

Result<std::string> BuildTaskBody(const TaskSpec& spec) {
  if (!spec.labels_json.empty() && spec.project_id) {
    return Status::InvalidArgument("give --labels or --project-id, not both (CVAT refuses both)");
  }
  if (spec.labels_json.empty() && !spec.project_id) {
    return Status::InvalidArgument("a new task needs --labels JSON|@FILE or --project-id N");
  }
  std::string out = "{";
  AppendField(&out, "name");
  manifest::AppendJsonString(spec.name, &out);
  if (!spec.labels_json.empty()) {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(spec.labels_json).get(doc) != simdjson::SUCCESS || !doc.is_array()) {
      return Status::InvalidArgument("--labels must be a JSON list, e.g. '[{\"name\":\"car\"}]'");
    }
    AppendField(&out, "labels");
    out += simdjson::minify(doc);
  }
  if (spec.project_id) {
    AppendField(&out, "project_id");
    out += std::to_string(*spec.project_id);
  }
  if (spec.segment_size) {
    AppendField(&out, "segment_size");
    out += std::to_string(*spec.segment_size);
  }
  if (spec.overlap) {
    AppendField(&out, "overlap");
    out += std::to_string(*spec.overlap);
  }
  if (spec.consensus_replicas) {
    INGEST_RETURN_IF_ERROR(CheckConsensusReplicas(*spec.consensus_replicas));
    AppendField(&out, "consensus_replicas");
    out += std::to_string(*spec.consensus_replicas);
  }
  if (spec.assignee_id) {
    AppendField(&out, "assignee_id");
    out += std::to_string(*spec.assignee_id);
  }
  if (!spec.bug_tracker.empty()) {
    AppendField(&out, "bug_tracker");
    manifest::AppendJsonString(spec.bug_tracker, &out);
  }
  if (!spec.subset.empty()) {
    AppendField(&out, "subset");
    manifest::AppendJsonString(spec.subset, &out);
  }
  if (spec.source_storage) {
    AppendField(&out, "source_storage");
    out += StorageJson(*spec.source_storage);
  }
  if (spec.target_storage) {
    AppendField(&out, "target_storage");
    out += StorageJson(*spec.target_storage);
  }
  out += '}';
  return out;
}

std::string BuildFinishBody(const UploadPlan& plan, const DataOptions& d) {
  std::string out = "{";
  AppendField(&out, "image_quality");
  out += std::to_string(d.image_quality);
  AppendField(&out, "sorting_method");
  manifest::AppendJsonString(plan.sorting_method, &out);
  if (plan.send_upload_file_order) {
    AppendField(&out, "upload_file_order");
    out += '[';
    for (size_t i = 0; i < plan.frame_order.size(); ++i) {
      if (i) out += ',';
      manifest::AppendJsonString(plan.frame_order[i], &out);
    }
    // CVAT compares the list with every uploaded file, the manifest included.
    if (!plan.manifest_path.empty()) out += ",\"manifest.jsonl\"";
    out += ']';
  }
  auto add_bool = [&](const char* key, const std::optional<bool>& v) {
    if (!v) return;
    AppendField(&out, key);
    out += *v ? "true" : "false";
  };
  auto add_int = [&](const char* key, const std::optional<int64_t>& v) {
    if (!v) return;
    AppendField(&out, key);
    out += std::to_string(*v);
  };
  add_bool("use_cache", d.use_cache);
  add_bool("copy_data", d.copy_data);
  add_bool("use_zip_chunks", d.use_zip_chunks);
  add_int("chunk_size", d.chunk_size);
  add_int("start_frame", d.start_frame);
  add_int("stop_frame", d.stop_frame);
  if (d.frame_step) {
    AppendField(&out, "frame_filter");
    manifest::AppendJsonString("step=" + std::to_string(*d.frame_step), &out);
  }
  if (!d.job_file_mapping_json.empty()) {
    AppendField(&out, "job_file_mapping");
    out += d.job_file_mapping_json;
  }
  if (!d.filename_pattern.empty()) {
    AppendField(&out, "filename_pattern");
    manifest::AppendJsonString(d.filename_pattern, &out);
  }
  if (!d.validation.empty()) AppendValidationParams(d.validation, &out);
  out += '}';
  return out;
}

Result<TaskInfo> WaitForTask(CvatApi& api, int64_t task_id, const std::string& rq_id,
                             const std::function<void(const RequestState&)>& on_state,
                             const std::atomic<bool>* cancel) {
  // Small tasks are ready within tens of milliseconds (the local receiver, a CVAT with a
  // warm worker); large ones take minutes, where the doubling soon reaches 2 s.
  auto interval = std::chrono::milliseconds(20);
  for (;;) {
    if (cancel && cancel->load()) return Status::Cancelled("stopped waiting for the task");
    // A CVAT before 2.16.0 gives no request id: its task status endpoint tells.
    Result<RequestState> state = rq_id.empty() ? api.GetTaskStatus(task_id) : api.GetRequest(rq_id);
    if (!state) {
      if (state.error().code() != Status::Code::kNotFound) return state.error();
      // Gone (expired, or a server that does not keep it): the task tells.
      INGEST_ASSIGN_OR_RETURN(TaskInfo task, api.GetTask(task_id));
      if (task.size > 0) return task;
      return Status::Remote("the server forgot request " + rq_id + " and task " +
                            std::to_string(task_id) + " has no data");
    }
    if (on_state) on_state(*state);
    if (state->status == "finished") return api.GetTask(task_id);
    if (state->status == "failed") {
      return Status::Remote(std::string(kBuildFailed) + std::to_string(task_id) +
                            " from the data: " + state->message);
    }
    std::this_thread::sleep_for(interval);
    interval = std::min(interval * 2, std::chrono::milliseconds(2000));
  }
}

bool IsBuildFailure(const Status& s) {
  return s.code() == Status::Code::kRemote && s.message().starts_with(kBuildFailed);
}

Status CheckFrameOrder(CvatApi& api, int64_t task_id, const UploadPlan& plan) {
  // A video's frames have no names; CVAT's own random order (honeypots) is not ours to check.
  if (plan.kind == TaskKind::kVideo || plan.sorting_method == "random") return Status();
  std::string where = "task " + std::to_string(task_id);
  INGEST_ASSIGN_OR_RETURN(
      size_t count, api.VisitFrameNames(task_id, [&](size_t i, std::string_view name) -> Status {
        if (i >= plan.frame_order.size()) {
          return Status::Remote(where + " has more frames than the " +
                                std::to_string(plan.frame_order.size()) + " planned");
        }
        // The server may report paths (archives) or base names: compare the planned name
        // as a suffix, as CVAT matches manifests.
        if (!name.ends_with(plan.frame_order[i])) {
          return Status::Remote(where + ": frame " + std::to_string(i) + " is '" +
                                std::string(name) + "', planned '" +
                                std::string(plan.frame_order[i]) + "'");
        }
        return Status();
      }));
  if (count != plan.frame_order.size()) {
    return Status::Remote(where + " has " + std::to_string(count) + " frames, " +
                          std::to_string(plan.frame_order.size()) + " were planned");
  }
  return Status();
}

}  // namespace ingest::upload
