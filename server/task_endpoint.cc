// The receiver's task endpoints: login, tasks (create, list, get, delete, status, data
// meta) and the requests API that reports on builds and imports, answered as CVAT does.
#include "server/cvat_server.h"

#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <regex>

#include "manifest/jsonl_encoder.h"
#include "server/server_impl.h"
#include "server/task_fields.h"
#include "server/user_list.h"
#include "server/wire_text.h"

namespace ingest::server {
namespace {

std::string TaskJson(TaskStore& store, Task& t, const std::string& base_url) {
  (void)store;
  std::lock_guard lock(t.mu);
  std::string out = "{";
  AppendStringField("url", base_url + "/api/tasks/" + std::to_string(t.id), &out);
  AppendIntField("id", t.id, &out);
  AppendStringField("name", t.name, &out);
  AppendRawField("project_id", t.project_id ? std::to_string(*t.project_id) : "null", &out);
  AppendStringField("mode", t.mode, &out);
  std::string owner = "{";
  AppendIntField("id", t.owner_id, &owner);
  AppendStringField("username", t.owner_name, &owner);
  owner += "}";
  AppendRawField("owner", owner, &out);
  AppendRawField("assignee", t.assignee_id ? "{\"id\":" + std::to_string(*t.assignee_id) + "}"
                                          : std::string("null"),
                 &out);
  AppendStringField("bug_tracker", t.bug_tracker, &out);
  AppendStringField("created_date", t.created_date, &out);
  AppendStringField("updated_date", t.updated_date, &out);
  AppendIntField("overlap", t.overlap, &out);
  AppendIntField("segment_size", t.segment_size, &out);
  AppendStringField("status", "annotation", &out);
  std::string labels = "{";
  AppendStringField("url", base_url + "/api/labels?task_id=" + std::to_string(t.id), &labels);
  labels += "}";
  AppendRawField("labels", labels, &out);
  std::string jobs = "{";
  AppendIntField("count", t.jobs, &jobs);
  AppendIntField("completed", 0, &jobs);
  AppendIntField("validation", 0, &jobs);
  AppendStringField("url", base_url + "/api/jobs?task_id=" + std::to_string(t.id), &jobs);
  jobs += "}";
  AppendRawField("jobs", jobs, &out);
  AppendRawField("data_chunk_size", t.chunk_size ? std::to_string(t.chunk_size) : "null", &out);
  AppendRawField("data_compressed_chunk_type", t.size ? "\"imageset\"" : "null", &out);
  AppendRawField("data_original_chunk_type", t.size ? "\"imageset\"" : "null", &out);
  AppendIntField("image_quality", t.image_quality, &out);
  AppendRawField("data", t.has_data ? std::to_string(t.id) : "null", &out);
  AppendIntField("size", t.size, &out);
  AppendStringField("subset", t.subset, &out);
  AppendRawField("organization", "null", &out);
  AppendRawField("source_storage", t.source_storage_json, &out);
  AppendRawField("target_storage", t.target_storage_json, &out);
  AppendRawField("validation_mode",
                 t.validation_mode.empty() ? std::string("null") : "\"" + t.validation_mode + "\"",
                 &out);
  AppendRawField("consensus_enabled", t.consensus_replicas > 0 ? "true" : "false", &out);
  AppendStringField("dimension", "2d", &out);
  out += "}";
  return out;
}

}  // namespace

void CvatServer::Impl::HandleLogin(Call& call) {
  // Throttled as DRF throttles (429, Retry-After), before the body is even read.
  const std::string& address = call.req.remote_addr;
  if (int64_t wait = login_throttle_.RetryAfterSeconds(address)) {
    call.res.set_header("Retry-After", std::to_string(wait));
    return SendJson(call, 429,
                    DetailJson("Request was throttled. Expected available in " +
                               std::to_string(wait) + " seconds."));
  }
  std::string body;
  if (!ReadSmallBody(call, 1 << 20, &body)) return;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string_view username, password;
  simdjson::padded_string padded(body);
  if (parser.parse(padded).get(doc) != simdjson::SUCCESS ||
      (doc["username"].get(username) != simdjson::SUCCESS &&
       doc["email"].get(username) != simdjson::SUCCESS) ||
      doc["password"].get(password) != simdjson::SUCCESS) {
    return SendJson(call, 400, "{\"password\":[\"This field is required.\"]}");
  }
  const User* user = auth_.Login(username, password);
  if (user == nullptr) {
    login_throttle_.RecordFailure(address);
    return SendJson(call, 400,
                    "{\"non_field_errors\":[\"Unable to log in with provided credentials.\"]}");
  }
  std::string out = "{";
  AppendStringField("key", user->token, &out);
  out += "}";
  SendJson(call, 200, out);
}

void CvatServer::Impl::HandleCreateTask(Call& call) {
  std::string body;
  if (!ReadSmallBody(call, 100 << 20, &body)) return;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  simdjson::padded_string padded(body);
  simdjson::dom::object obj;
  if (parser.parse(padded).get(doc) != simdjson::SUCCESS || doc.get(obj) != simdjson::SUCCESS) {
    return SendJson(call, 400, DetailJson("JSON parse error"));
  }
  Task spec;
  spec.owner_id = call.user->id;
  spec.owner_name = call.user->name;
  std::string_view name;
  if (doc["name"].get(name) != simdjson::SUCCESS || name.empty()) {
    return SendJson(call, 400, "{\"name\":[\"This field is required.\"]}");
  }
  spec.name = std::string(name);
  simdjson::dom::element labels;
  bool has_labels = doc["labels"].get(labels) == simdjson::SUCCESS && !labels.is_null();
  if (has_labels) {
    if (!labels.is_array()) return SendJson(call, 400, "{\"labels\":[\"Expected a list.\"]}");
    spec.labels_json = simdjson::minify(labels);
  }
  int64_t v = 0;
  if (doc["project_id"].get(v) == simdjson::SUCCESS) spec.project_id = v;
  if (has_labels && spec.project_id && spec.labels_json != "[]") {
    return SendJson(call, 400,
                    "{\"project_id\":[\"Task must have only one of Label set or project_id\"]}");
  }
  if (doc["segment_size"].get(v) == simdjson::SUCCESS) {
    if (v < 0) return SendJson(call, 400, "{\"segment_size\":[\"Ensure this value is >= 0.\"]}");
    spec.segment_size = v;
  }
  if (doc["overlap"].get(v) == simdjson::SUCCESS) {
    if (v < 0) return SendJson(call, 400, "{\"overlap\":[\"Ensure this value is >= 0.\"]}");
    spec.overlap = v;
  }
  std::string_view subset;
  if (doc["subset"].get(subset) == simdjson::SUCCESS) spec.subset = std::string(subset);
  if (Status s = ReadTaskExtras(doc, &spec); !s.ok()) return SendJson(call, 400, s.message());
  Result<std::shared_ptr<Task>> task = store_.Create(spec);
  if (!task) {
    if (opts_.log) opts_.log("internal error: " + task.error().ToString());
    return SendJson(call, 500, DetailJson("cannot create the task"));
  }
  if (opts_.on_milestone) opts_.on_milestone("task-created");
  SendJson(call, 201, TaskJson(store_, **task, "http://" + call.req.get_header_value("Host")));
}

void CvatServer::Impl::HandleListTasks(Call& call) {
  std::vector<std::shared_ptr<Task>> tasks = store_.List();
  // CVAT's simple equality filter on the name, and sort=-id (newest first).
  if (call.req.has_param("name")) {
    std::string name = call.req.get_param_value("name");
    std::erase_if(tasks, [&](const std::shared_ptr<Task>& t) { return t->name != name; });
  }
  if (call.req.get_param_value("sort") == "-id") {
    std::sort(tasks.begin(), tasks.end(),
              [](const auto& a, const auto& b) { return a->id > b->id; });
  }
  uint64_t page = ParseDecimal(call.req.get_param_value("page")).value_or(1);
  uint64_t page_size = ParseDecimal(call.req.get_param_value("page_size")).value_or(10);
  if (page == 0) page = 1;
  if (page_size == 0 || page_size > 1000) page_size = 10;
  std::string base = "http://" + call.req.get_header_value("Host");
  std::string out = "{";
  AppendIntField("count", static_cast<int64_t>(tasks.size()), &out);
  uint64_t first = (page - 1) * page_size;
  bool has_next = first + page_size < tasks.size();
  AppendRawField("next",
                 has_next ? "\"" + base + "/api/tasks?page=" + std::to_string(page + 1) +
                                "&page_size=" + std::to_string(page_size) + "\""
                          : "null",
                 &out);
  AppendRawField("previous",
                 page > 1 ? "\"" + base + "/api/tasks?page=" + std::to_string(page - 1) +
                                "&page_size=" + std::to_string(page_size) + "\""
                          : "null",
                 &out);
  AppendKey("results", &out);
  out += "[";
  for (uint64_t i = first; i < tasks.size() && i < first + page_size; ++i) {
    if (i != first) out += ",";
    out += TaskJson(store_, *tasks[i], base);
  }
  out += "]}";
  SendJson(call, 200, out);
}

void CvatServer::Impl::HandleGetTask(Call& call, int64_t id) {
  std::shared_ptr<Task> task = store_.Find(id);
  if (!task) return SendJson(call, 404, DetailJson("Not found."));
  SendJson(call, 200, TaskJson(store_, *task, "http://" + call.req.get_header_value("Host")));
}

void CvatServer::Impl::HandleDeleteTask(Call& call, int64_t id) {
  std::shared_ptr<Task> task = store_.Find(id);
  if (!task) return SendJson(call, 404, DetailJson("Not found."));
  std::lock_guard data_lock(task->data_mu);
  Status s = store_.Delete(id);
  if (!s.ok()) {
    if (opts_.log) opts_.log("internal error: " + s.ToString());
    return SendJson(call, 500, DetailJson("cannot delete the task"));
  }
  call.res.status = 204;
}

void CvatServer::Impl::HandleTaskStatus(Call& call, int64_t id) {
  if (!store_.Find(id)) return SendJson(call, 404, DetailJson("Not found."));
  std::optional<RequestRecord> r = registry_->Get(RequestRegistry::TaskCreationId(id));
  std::string state = "Finished";  // CVAT answers Finished when no job exists
  std::string message;
  double progress = 0;
  if (r) {
    state = r->status == "queued"    ? "Queued"
            : r->status == "started" ? "Started"
            : r->status == "failed"  ? "Failed"
                                     : "Finished";
    message = r->message;
    progress = r->progress;
  }
  std::string out = "{";
  AppendStringField("state", state, &out);
  AppendStringField("message", message, &out);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", progress);
  AppendRawField("progress", buf, &out);
  out += "}";
  call.res.set_header("Deprecation", "true");
  SendJson(call, 200, out);
}

void CvatServer::Impl::HandleDataMeta(Call& call, int64_t id) {
  std::shared_ptr<Task> task = store_.Find(id);
  if (!task) return SendJson(call, 404, DetailJson("Not found."));
  std::lock_guard lock(task->mu);
  std::string out = "{";
  AppendIntField("chunk_size", task->chunk_size, &out);
  AppendIntField("size", task->size, &out);
  AppendIntField("image_quality", task->image_quality, &out);
  AppendIntField("start_frame", task->start_frame, &out);
  AppendIntField("stop_frame", task->stop_frame, &out);
  AppendStringField("frame_filter", task->frame_filter, &out);
  AppendStringField("storage_method", task->storage_method, &out);
  AppendStringField("storage", "local", &out);
  AppendStringField("sorting_method", task->sorting_method, &out);
  AppendRawField("deleted_frames", "[]", &out);
  AppendKey("frames", &out);
  out += "[";
  for (size_t i = 0; i < task->frames.size(); ++i) {
    const Frame& f = task->frames[i];
    if (i) out += ",";
    out += "{";
    AppendIntField("width", f.width, &out);
    AppendIntField("height", f.height, &out);
    AppendStringField("name", f.name, &out);
    AppendIntField("related_files", 0, &out);
    out += "}";
  }
  out += "]}";
  SendJson(call, 200, out);
}

void CvatServer::Impl::HandleGetRequest(Call& call, const std::string& rq_id) {
  std::optional<RequestRecord> r = registry_->Get(rq_id);
  if (!r) return SendJson(call, 404, DetailJson("There is no request with specified id"));
  if (opts_.on_milestone) opts_.on_milestone("request-read");
  SendJson(call, 200, RequestJson(*r));
}

std::string CvatServer::Impl::RequestJson(const RequestRecord& r) const {
  auto date = [](int64_t us) { return us ? "\"" + IsoTime(us) + "\"" : std::string("null"); };
  std::string out = "{";
  AppendStringField("status", r.status, &out);
  AppendStringField("message", r.message, &out);
  AppendStringField("id", r.id, &out);
  std::string op = "{";
  AppendStringField("type", r.type, &op);
  AppendStringField("target", "task", &op);
  AppendRawField("project_id", "null", &op);
  AppendIntField("task_id", r.task_id, &op);
  AppendRawField("job_id", "null", &op);
  if (r.format.empty()) {
    AppendRawField("format", "null", &op);
  } else {
    AppendStringField("format", r.format, &op);
  }
  op += "}";
  AppendRawField("operation", op, &out);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", r.progress);
  AppendRawField("progress", buf, &out);
  AppendRawField("created_date", date(r.created_us), &out);
  AppendRawField("started_date", date(r.started_us), &out);
  AppendRawField("finished_date", date(r.finished_us), &out);
  int64_t ttl_us = opts_.request_ttl_seconds * 1000000;
  AppendRawField("expiry_date", date(r.finished_us ? r.finished_us + ttl_us : 0), &out);
  std::string owner = "{";
  AppendIntField("id", r.owner_id, &owner);
  AppendStringField("username", r.owner_name, &owner);
  owner += "}";
  AppendRawField("owner", owner, &out);
  AppendRawField("result_url", "null", &out);
  const bool created = r.status == "finished" && r.type == "create:task";
  AppendRawField("result_id", created ? std::to_string(r.task_id) : "null", &out);
  out += "}";
  return out;
}

void CvatServer::Impl::HandleCancelRequest(Call& call, const std::string& rq_id) {
  // The owner is checked before anything changes (CVAT's check_object_permissions).
  std::optional<RequestRecord> r = registry_->Get(rq_id);
  if (!r) return SendJson(call, 404, DetailJson("There is no request with specified id"));
  if (r->owner_id != call.user->id) {
    return SendJson(call, 403, DetailJson("You do not have permission to perform this action."));
  }
  switch (registry_->Cancel(rq_id)) {
    case RequestRegistry::CancelResult::kCancelled:
      call.res.status = 200;
      return;
    case RequestRegistry::CancelResult::kNotFound:
      return SendJson(call, 404, DetailJson("There is no request with specified id"));
    case RequestRegistry::CancelResult::kNotQueued:
      return SendText(call, 400, "Only requests that have not yet been started can be cancelled");
  }
}

}  // namespace ingest::server
