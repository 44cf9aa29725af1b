#include "server/task_fields.h"

#include <string>

#include "manifest/jsonl_encoder.h"
#include "server/wire_text.h"

namespace ingest::server {
namespace {

Status FieldError(std::string_view field, std::string_view msg) {
  return Status::InvalidArgument(FieldErrorJson(field, msg));
}

Status Text(simdjson::dom::element doc, const char* key, size_t max, std::string* out) {
  simdjson::dom::element e;
  if (doc[key].get(e) != simdjson::SUCCESS || e.is_null()) return Status();
  std::string_view s;
  if (e.get(s) != simdjson::SUCCESS) return FieldError(key, "Not a valid string.");
  // DRF counts characters, not bytes.
  size_t chars = 0;
  for (unsigned char c : s) chars += (c & 0xC0) != 0x80;
  if (chars > max) {
    return FieldError(key, "Ensure this field has no more than " + std::to_string(max) +
                               " characters.");
  }
  *out = std::string(s);
  return Status();
}

Status Storage(simdjson::dom::element doc, const char* key, std::string* out) {
  simdjson::dom::element e;
  if (doc[key].get(e) != simdjson::SUCCESS) return Status();
  std::string prefix = std::string("{\"") + key + "\":";
  if (e.is_null()) return Status::InvalidArgument(prefix + "[\"This field may not be null.\"]}");
  simdjson::dom::object obj;
  if (e.get(obj) != simdjson::SUCCESS) {
    return Status::InvalidArgument(prefix +
                                   "{\"non_field_errors\":[\"Invalid data. Expected a "
                                   "dictionary.\"]}}");
  }
  std::string_view location = "local";
  simdjson::dom::element loc;
  if (obj["location"].get(loc) == simdjson::SUCCESS &&
      (loc.get(location) != simdjson::SUCCESS ||
       (location != "local" && location != "cloud_storage"))) {
    std::string shown = loc.is_string() ? std::string(location) : std::string(simdjson::minify(loc));
    std::string msg;
    manifest::AppendJsonString("\"" + shown + "\" is not a valid choice.", &msg);
    return Status::InvalidArgument(prefix + "{\"location\":[" + msg + "]}}");
  }
  std::string json = "{\"location\":";
  manifest::AppendJsonString(location, &json);
  int64_t id = 0;
  simdjson::dom::element id_e;
  if (obj["cloud_storage_id"].get(id_e) == simdjson::SUCCESS && !id_e.is_null()) {
    if (id_e.get(id) != simdjson::SUCCESS) {
      return Status::InvalidArgument(prefix +
                                     "{\"cloud_storage_id\":[\"A valid integer is required.\"]}}");
    }
    json += ",\"cloud_storage_id\":" + std::to_string(id);
  } else {
    json += ",\"cloud_storage_id\":null";
  }
  json += '}';
  *out = json;
  return Status();
}

}  // namespace

Status ReadTaskExtras(simdjson::dom::element doc, Task* task) {
  simdjson::dom::element e;
  if (doc["consensus_replicas"].get(e) == simdjson::SUCCESS && !e.is_null()) {
    int64_t n = 0;
    if (e.get(n) != simdjson::SUCCESS) {
      return FieldError("consensus_replicas", "A valid integer is required.");
    }
    if (n < 0) {
      return FieldError("consensus_replicas", "Ensure this value is greater than or equal to 0.");
    }
    if (n == 1 || n > kMaxConsensusReplicas) {
      return FieldError("consensus_replicas",
                        "Consensus replicas must be 0 or a positive number more than 1 and less "
                        "than " + std::to_string(kMaxConsensusReplicas + 1) + ", got " +
                            std::to_string(n));
    }
    task->consensus_replicas = n;
  }
  if (doc["assignee_id"].get(e) == simdjson::SUCCESS && !e.is_null()) {
    int64_t id = 0;
    if (e.get(id) != simdjson::SUCCESS) return FieldError("assignee_id", "A valid integer is required.");
    task->assignee_id = id;
  }
  INGEST_RETURN_IF_ERROR(Text(doc, "bug_tracker", 2000, &task->bug_tracker));
  std::string subset = task->subset;
  INGEST_RETURN_IF_ERROR(Text(doc, "subset", 64, &subset));
  task->subset = subset;
  INGEST_RETURN_IF_ERROR(Storage(doc, "source_storage", &task->source_storage_json));
  INGEST_RETURN_IF_ERROR(Storage(doc, "target_storage", &task->target_storage_json));
  return Status();
}

}  // namespace ingest::server
