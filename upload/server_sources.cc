#include "upload/server_sources.h"

#include <set>

#include "engine/media_kind.h"
#include "manifest/jsonl_encoder.h"
#include "upload/cvat_api.h"
#include "upload/http_client.h"
#include "upload/server_unit.h"
#include "upload/unit_steps.h"
#include "upload/uploader.h"

namespace ingest::upload {
namespace {

Status Bad(const std::string& msg) { return Status::InvalidArgument(msg); }

// A '..' left after Python's os.path.normpath (which task.py applies first: "a/../b" is "b",
// and "/../b" is "/b").
bool HasDotDot(const std::string& path) {
  const bool absolute = path.starts_with('/');
  int depth = 0;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string_view part(path.data() + start, end - start);
    start = end + 1;
    if (part.empty() || part == ".") continue;
    if (part != "..") {
      ++depth;
    } else if (depth > 0) {
      --depth;
    } else if (!absolute) {
      return true;
    }
  }
  return false;
}

std::string BaseName(const std::string& url) {
  std::string path = url.substr(0, url.find_first_of("?#"));
  size_t scheme = path.find("://");
  if (scheme != std::string::npos) {
    size_t slash = path.find('/', scheme + 3);
    path = slash == std::string::npos ? "" : path.substr(slash);
  }
  return path.substr(path.rfind('/') + 1);
}

// What the names tell of the media: one video (or archive) alone, or images; a manifest.
Status CheckKinds(const std::vector<std::string>& names, const char* option, bool* manifest) {
  size_t unique = 0, images = 0;
  for (const std::string& n : names) {
    if (!n.empty() && n.back() == '/') continue;  // a folder: its files are the server's to see
    switch (ClassifyName(n)) {
      case MediaKind::kVideo:
      case MediaKind::kArchive:
        ++unique;
        break;
      case MediaKind::kImage:
        ++images;
        break;
      case MediaKind::kManifest:
        if (*manifest) return Bad(std::string(option) + ": CVAT takes one manifest per task");
        *manifest = true;
        break;
      default:
        break;
    }
  }
  if (unique > 1 || (unique == 1 && images > 0)) {
    return Bad(std::string(option) + ": one task takes one video or archive, or any number of "
               "images (CVAT: \"Only one video, archive, pdf, zip or many images ... can be used "
               "simultaneously\")");
  }
  return Status();
}

Status CheckSourceKinds(const ServerSources& s, const DataOptions& data, bool* manifest) {
  const int kinds = !s.share.empty() + !s.remote.empty() + s.cloud_storage_id.has_value();
  if (kinds > 1) {
    return Bad("--share, --remote and --cloud-storage-id are three kinds of source: one per "
               "task");
  }
  if (!s.cloud_files.empty() && !s.cloud_storage_id) {
    return Bad("--cloud-file names a file of a bucket: it needs --cloud-storage-id");
  }
  if (s.cloud_storage_id && s.cloud_files.empty() && data.filename_pattern.empty()) {
    return Bad("--cloud-storage-id: name the bucket's files with --cloud-file, or pick them from "
               "its manifest with --filename-pattern");
  }
  if (!s.cloud_files.empty() && !data.filename_pattern.empty()) {
    return Bad("--filename-pattern picks files from the bucket's manifest: CVAT takes it only "
               "when no other file is named (drop --cloud-file)");
  }
  for (const auto* list : {&s.share, &s.share_exclude, &s.cloud_files}) {
    for (const std::string& p : *list) {
      if (HasDotDot(p)) return Bad("'" + p + "': CVAT refuses '..' inside file paths");
      if (p.size() > 1024) return Bad("'" + p.substr(0, 40) + "...': over 1024 characters");
    }
  }
  std::set<std::string> names;
  for (const std::string& url : s.remote) {
    if (!url.starts_with("http://") && !url.starts_with("https://")) {
      return Bad("--remote " + url + ": CVAT downloads http:// and https:// URLs only");
    }
    const std::string name = BaseName(url);
    if (name.empty()) return Bad("--remote " + url + ": the URL names no file");
    if (!names.insert(name).second) {
      return Bad("--remote: two URLs end in '" + name + "' (CVAT keeps base names: \"filename "
                 "collision\")");
    }
  }
  if (!s.cloud_storage_id) INGEST_RETURN_IF_ERROR(CheckKinds(s.share, "--share", manifest));
  INGEST_RETURN_IF_ERROR(CheckKinds(s.remote, "--remote", manifest));
  if (s.cloud_storage_id) {
    INGEST_RETURN_IF_ERROR(CheckKinds(s.cloud_files, "--cloud-file", manifest));
    if (*manifest) {
      return Bad("--cloud-file: the bucket's manifest is --manifest-in-bucket (default "
                 "manifest.jsonl), not a --cloud-file");
    }
    *manifest = true;
  }
  return Status();
}

Status CheckOptionsFit(const ServerSources& s, const DataOptions& data) {
  if (!s.share_exclude.empty()) {
    if (s.share.empty() && s.cloud_files.empty()) {
      return Bad("--share-exclude leaves out files of --share or --cloud-file folders");
    }
    if (!data.job_file_mapping_json.empty()) {
      return Bad("--share-exclude cannot go with --job-file-mapping (CVAT refuses the pair)");
    }
  }
  if (data.copy_data && s.share.empty()) {
    return Bad(s.remote.empty()
                   ? "--copy-data copies files of the share; CVAT reads a bucket through its "
                     "cache, copy_data does nothing there"
                   : "--copy-data copies files of the share; remote files are always downloaded "
                     "into CVAT");
  }
  if (!data.filename_pattern.empty() && !s.cloud_storage_id) {
    return Bad("--filename-pattern picks files from a bucket's manifest: it needs "
               "--cloud-storage-id");
  }
  if (s.seed_given && !s.client_orders) {
    return Bad("--seed orders files this client sees; CVAT lists these files itself, and its "
               "random order takes no seed");
  }
  return Status();
}

Status CheckSorting(ServerSources* s, const DataOptions& data, bool manifest) {
  if (data.validation.NeedsServerRandom()) {
    if (s->sorting_given && s->sorting_method != "random") {
      return Bad("--validation-mode gt_pool: honeypots need CVAT's own random order, not "
                 "--sorting-method " + s->sorting_method);
    }
    s->sorting_method = "random";
  }
  if (manifest && s->sorting_method == "random") {
    return Bad("a manifest cannot go with random sorting (CVAT: \"It isn't supported to upload "
               "manifest file and use random sorting\")");
  }
  if (manifest && s->sorting_method != "predefined" && !data.use_cache.value_or(false)) {
    return Bad("CVAT takes a manifest only with --sorting-method predefined or --use-cache");
  }
  if (s->sorting_method == "predefined" && !manifest && !s->client_orders) {
    return Bad("--sorting-method predefined takes the order of a manifest among the files "
               "(CVAT reads upload_file_order for uploaded files only)");
  }
  return Status();
}

void AppendList(const char* key, const std::vector<std::string>& items, std::string* out) {
  if (items.empty()) return;
  *out += ",\"";
  *out += key;
  *out += "\":[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) *out += ',';
    manifest::AppendJsonString(items[i], out);
  }
  *out += ']';
}

}  // namespace

Status CheckServerSources(ServerSources* src, DataOptions* data) {
  if (src->cloud_storage_id) data->use_cache = true;
  bool manifest = false;
  INGEST_RETURN_IF_ERROR(CheckSourceKinds(*src, *data, &manifest));
  INGEST_RETURN_IF_ERROR(CheckOptionsFit(*src, *data));
  return CheckSorting(src, *data, manifest);
}

std::string BuildServerSourceBody(const ServerSources& src, const DataOptions& data) {
  UploadPlan plan;
  plan.sorting_method = src.sorting_method;
  std::string out = BuildFinishBody(plan, data);
  out.pop_back();  // '}'
  std::vector<std::string> server_files = src.share;
  if (src.cloud_storage_id) {
    server_files = src.cloud_files;
    server_files.push_back(src.bucket_manifest);
    out += ",\"cloud_storage_id\":" + std::to_string(*src.cloud_storage_id);
  }
  AppendList("server_files", server_files, &out);
  AppendList("server_files_exclude", src.share_exclude, &out);
  AppendList("remote_files", src.remote, &out);
  return out + '}';
}

ServerSourceOutcome RunServerSourceTask(CvatApi& api, const UploadJob& job,
                                        std::string request_json,
                                        const std::function<void(const RequestState&)>& on_state,
                                        const std::atomic<bool>* cancel) {
  ServerSourceOutcome out;
  out.request_json = std::move(request_json);
  UploadOutcome unit;
  if (job.task_id) {
    Result<TaskInfo> task = api.GetTask(*job.task_id);
    if (task && task->size > 0) {
      task = Status::InvalidArgument("task " + std::to_string(task->id) +
                                     " already has data: CVAT does not add data to a task");
    }
    if (!task) {
      out.status = task.error();
      return out;
    }
    unit.task_id = task->id;
  }
  UploadJob one = job;  // one request, no journal, no look for a task of the name
  one.journal_path.clear();
  one.skip_existing = false;
  UploadEvents events;
  events.on_request = on_state;
  RunServerUnit(api, one, ServerUnitPlan{out.request_json, {}}, events, cancel, unit);
  out.status = unit.status;
  out.task_id = unit.task_id;
  out.task = unit.task;
  out.notes = std::move(unit.notes);
  if (unit.created_task && IsBuildFailure(unit.status) && api.DeleteTask(*unit.task_id).ok()) {
    out.task_deleted = true;  // it can get no other data
  }
  return out;
}

ServerSourceOutcome RunServerSourceJob(UploadJob job, const ServerSources& src,
                                       const std::function<void(const RequestState&)>& on_state,
                                       const std::atomic<bool>* cancel) {
  ServerSourceOutcome out;
  out.request_json = BuildServerSourceBody(src, job.data);
  HttpClient http(job.transfer.connection, job.auth_headers);
  CvatApi api(job.server, &http);
  if (Status s = ConnectToServer(job, api, &http, &out.notes); !s.ok()) {
    out.status = s;
    return out;
  }
  if (job.dry_run) return out;
  ServerSourceOutcome task = RunServerSourceTask(api, job, out.request_json, on_state, cancel);
  task.notes = std::move(out.notes);
  return task;
}

}  // namespace ingest::upload
