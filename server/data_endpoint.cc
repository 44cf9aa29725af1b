// POST /api/tasks/{id}/data/: routing, Upload-Multiple batches and the finish.
//
// Routing follows CVAT's UploadMixin.upload_data: the *presence* of a header decides, in this
// order: Upload-Finish -> finish; Upload-Start -> 202; Upload-Length -> TUS creation;
// Upload-Multiple -> bulk append; nothing -> single-request upload (a finish with files).
// cpp-httplib 0.11.4 drops request headers whose value is empty; HttpServer's connection
// loop puts empty `Upload-*` headers back before routing (connection_stream.h), so
// `Upload-Start:` with no value (what cvat-sdk sends) is a start, as in CVAT.
// Every POST holds the task's data_mu for its whole duration (CVAT's row lock), so POSTs to
// one task run one at a time while PATCHes to different uploads run in parallel.
//
// TUS itself (OPTIONS, creation, HEAD, PATCH) is in tus_endpoint.cc.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <optional>
#include <unordered_set>

#include "engine/path_text.h"
#include "engine/unique_fd.h"
#include "server/data_request.h"
#include "server/http_server.h"
#include "server/multipart_parser.h"
#include "server/server_impl.h"
#include "server/server_sources.h"
#include "server/task_builder.h"
#include "server/wire_text.h"

namespace ingest::server {
namespace {

constexpr size_t kMaxJsonBody = 100 << 20;  // DATA_UPLOAD_MAX_MEMORY_SIZE

std::string MediaType(const httplib::Request& req) {
  std::string ct = RequestContentType(req);
  size_t semi = ct.find(';');
  if (semi != std::string::npos) ct.resize(semi);
  while (!ct.empty() && ct.back() == ' ') ct.pop_back();
  return AsciiLower(ct);
}

// Why the CVAT release `version` fails a task whose files hold a manifest (task.py's
// _create_thread, images uploaded by the client), or nullopt when it takes it:
//  - before 2.4.6: the manifest needs use_cache ("File with meta information ..."), and then
//    neither predefined nor random sorting;
//  - 2.4.6 up to kCvatManifestAnySorting: use_cache or predefined sorting (_validate_manifest);
//  - later: any sorting but random (refused by the task build, as CVAT does for all).
std::optional<std::string> ManifestRefusal(const CvatVersion& version, const DataRequest& request,
                                           bool has_manifest) {
  if (!has_manifest) return std::nullopt;
  const bool cached = request.storage_method == "cache";
  const bool predefined = request.sorting_method == "predefined";
  if (version < kCvatUploadFileOrder) {
    if (!cached) {
      return std::string("File with meta information can be uploaded if 'Use cache' option is "
                         "also selected");
    }
    if (predefined || request.sorting_method == "random") {
      return std::string("It isn't supported to upload manifest file and use random sorting");
    }
  } else if (version < kCvatManifestAnySorting && !cached && !predefined) {
    return std::string("A manifest file can only be used with the 'use cache' option or when "
                       "'sorting_method' is 'predefined'");
  }
  return std::nullopt;
}

}  // namespace

void CvatServer::Impl::HandleDataPost(Call& call, int64_t task_id) {
  std::shared_ptr<Task> task = store_.Find(task_id);
  if (!task) return SendJson(call, 404, DetailJson("Not found."));
  std::lock_guard data_lock(task->data_mu);
  if (!store_.Find(task_id)) return SendJson(call, 404, DetailJson("Not found."));  // deleted
  {
    std::lock_guard lock(task->mu);
    if (task->size != 0) return SendJson(call, 400, "\"Adding more data is not supported\"");
  }
  NoteDataRow(*task);
  const httplib::Request& req = call.req;
  if (req.has_header("Upload-Finish")) return Finish(call, *task);
  if (req.has_header("Upload-Start")) {
    call.res.status = 202;
    return;
  }
  if (req.has_header("Upload-Length")) return TusCreate(call, *task);
  if (req.has_header("Upload-Multiple")) return BulkAppend(call, *task);
  Finish(call, *task);  // a single-request upload: files and fields in one body
}

bool CvatServer::Impl::ReadMultipart(Call& call, Task& task, std::map<int64_t, PartFile>* files,
                                     std::multimap<std::string, std::string>* fields) {
  call.body_consumed = true;
  enum class Mode { kSkip, kFile, kField } mode = Mode::kSkip;
  UniqueFd fd;
  PartFile* part = nullptr;
  std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> hasher(XXH3_createState(),
                                                                  XXH3_freeState);
  std::string field_name, field_value;
  // Every field's name and value count against the field limit (the names too: 200 MiB of
  // empty fields with long names once went unbounded), and every part against the part cap.
  uint64_t field_bytes = 0;
  size_t parts = 0;
  std::string error;
  auto end_part = [&]() {
    if (mode == Mode::kField) fields->emplace(field_name, field_value);
    if (mode == Mode::kFile && part != nullptr) part->hash = XXH3_64bits_digest(hasher.get());
    fd.reset();
    part = nullptr;
    mode = Mode::kSkip;
  };
  std::optional<std::string> boundary = MultipartBoundary(RequestContentType(call.req));
  if (!boundary) {
    call.res.set_header("Connection", "close");
    SendJson(call, 400, DetailJson("Multipart form parse error - Invalid boundary in multipart"));
    return false;
  }
  MultipartParser parser(
      *boundary,
      [&](const MultipartPartHeader& header) {
        end_part();
        if (++parts > opts_.max_form_parts) {
          error = "Too many parts in the multipart body (more than " +
                  std::to_string(opts_.max_form_parts) + ")";
          return false;
        }
        if (header.filename.empty()) {
          field_bytes += header.name.size();
          if (field_bytes > opts_.max_form_field_bytes) {
            error = "form fields too large";
            return false;
          }
          mode = Mode::kField;
          field_name = header.name;
          field_value.clear();
          return true;
        }
        // Only indexed client_files[i] parts count (cvat-ai/cvat#4704).
        std::string_view n = header.name;
        if (!n.starts_with("client_files[") || !n.ends_with("]")) return true;
        std::optional<uint64_t> idx = ParseDecimal(n.substr(13, n.size() - 14));
        if (!idx) return true;
        std::string base = DjangoMultipartFileName(header.filename);  // basenames only
        if (!IsAllowedFileName(base)) {
          error = "File name " + header.filename + " is not allowed";
          return false;
        }
        PartFile& pf = (*files)[static_cast<int64_t>(*idx)];
        if (!pf.temp_name.empty()) store_.RemoveTempFile(task, pf.temp_name);
        pf = PartFile{base, "", 0, 0};
        part = &pf;
        mode = Mode::kFile;
        XXH3_64bits_reset(hasher.get());
        if (!opts_.discard || IsManifestName(base)) {
          Result<UniqueFd> temp = store_.CreateTempFile(task, &pf.temp_name);
          if (!temp) {
            error = "internal: " + temp.error().ToString();
            return false;
          }
          fd = std::move(temp).value();
        }
        return true;
      },
      [&](const char* data, size_t n) {
        if (mode == Mode::kField) {
          field_bytes += n;
          if (field_bytes > opts_.max_form_field_bytes) {
            error = "form fields too large";
            return false;
          }
          field_value.append(data, n);
        } else if (mode == Mode::kFile) {
          if (fd.valid() && ::write(fd.get(), data, n) != static_cast<ssize_t>(n)) {
            error = "internal: cannot write a temporary file";
            return false;
          }
          if (!fd.valid()) XXH3_64bits_update(hasher.get(), data, n);
          part->size += n;
          body_bytes_.fetch_add(n, std::memory_order_relaxed);
        }
        return true;
      });
  bool ok = (*call.reader)([&](const char* data, size_t n) { return parser.Feed(data, n); });
  ok = ok && parser.Finish();
  if (error.empty() && !parser.error().empty()) error = "Multipart form parse error - " + parser.error();
  end_part();
  if (!ok || !error.empty()) {
    RemoveTempFiles(task, *files);
    call.res.set_header("Connection", "close");
    if (error.starts_with("internal")) {
      if (opts_.log) opts_.log(error);
      SendJson(call, 500, DetailJson("cannot store the files"));
    } else {
      SendJson(call, 400, DetailJson(error.empty() ? "Malformed multipart body" : error));
    }
    return false;
  }
  return true;
}

void CvatServer::Impl::RemoveTempFiles(Task& task, const std::map<int64_t, PartFile>& files) {
  for (const auto& [i, pf] : files) {
    if (!pf.temp_name.empty()) store_.RemoveTempFile(task, pf.temp_name);
  }
}

bool CvatServer::Impl::AppendParts(Call& call, Task& task, std::map<int64_t, PartFile>& files) {
  // CVAT inserts the batch's ClientFile rows before it writes a byte; a name already
  // registered (by a batch or a TUS creation), or twice in the batch, breaks their unique
  // constraint: IntegrityError, 500, nothing appended or registered.
  std::string duplicate;
  {
    std::lock_guard lock(task.mu);
    std::unordered_set<std::string> seen;
    for (const auto& [idx, pf] : files) {
      if (task.client_file_set.count(pf.name) || !seen.insert(pf.name).second) {
        duplicate = pf.name;
        break;
      }
    }
  }
  if (!duplicate.empty()) {
    RemoveTempFiles(task, files);
    if (opts_.log) opts_.log("task " + std::to_string(task.id) + ": \"" + duplicate +
                             "\" is already a client file (CVAT: IntegrityError)");
    SendServerError(call);
    return false;
  }
  for (auto& [idx, pf] : files) {
    Status s;
    if (pf.temp_name.empty()) {
      s = store_.RecordDiscarded(task, pf.name, pf.size, pf.hash);
    } else {
      s = store_.StorePart(task, pf.temp_name, pf.name);  // appended when it exists, as CVAT
    }
    if (s.ok()) {
      std::lock_guard lock(task.mu);
      s = store_.RegisterClientFile(task, pf.name);
    }
    if (!s.ok()) {
      if (opts_.log) opts_.log("internal error: " + s.ToString());
      SendServerError(call);
      return false;
    }
  }
  return true;
}

void CvatServer::Impl::BulkAppend(Call& call, Task& task) {
  std::string media_type = MediaType(call.req);
  if (media_type != "multipart/form-data") {
    std::string body;
    if (!ReadSmallBody(call, kMaxJsonBody, &body)) return;
    Result<DataRequest> r = body.empty() && media_type.empty()
                                ? ParseDataRequestForm({})
                                : media_type == "application/json"
                                      ? ParseDataRequestJson(body)
                                      : Status::Unsupported(DetailJson(
                                            "Unsupported media type \"" + media_type +
                                            "\" in request."));
    if (!r) return SendJson(call, r.error().code() == Status::Code::kUnsupported ? 415 : 400,
                            r.error().message());
    call.res.status = 200;
    return;
  }
  std::map<int64_t, PartFile> files;
  FormFields fields;
  if (!ReadMultipart(call, task, &files, &fields)) return;
  Result<DataRequest> r = ParseDataRequestForm(fields);
  if (!r) {
    RemoveTempFiles(task, files);
    return SendJson(call, 400, r.error().message());
  }
  if (!AppendParts(call, task, files)) return;
  call.res.status = 200;
}

void CvatServer::Impl::Finish(Call& call, Task& task) {
  std::optional<RequestRecord> existing = registry_->Get(RequestRegistry::TaskCreationId(task.id));
  if (existing && (existing->status == "queued" || existing->status == "started")) {
    std::string out = "{";
    AppendStringField("rq_id", existing->id, &out);
    out += "}";
    return SendJson(call, 409, out);
  }
  std::string media_type = MediaType(call.req);
  Result<DataRequest> parsed = Status::Internal("unset");
  if (media_type == "multipart/form-data") {
    std::map<int64_t, PartFile> files;
    FormFields fields;
    if (!ReadMultipart(call, task, &files, &fields)) return;
    parsed = ParseDataRequestForm(fields);
    if (!parsed) {
      RemoveTempFiles(task, files);
    } else if (!AppendParts(call, task, files)) {
      return;
    }
  } else {
    std::string body;
    if (!ReadSmallBody(call, kMaxJsonBody, &body)) return;
    if (media_type == "application/json") {
      parsed = ParseDataRequestJson(body);
    } else if (body.empty()) {
      parsed = ParseDataRequestForm({});
    } else {
      return SendJson(call, 415,
                      DetailJson("Unsupported media type \"" + media_type + "\" in request."));
    }
  }
  if (!parsed) return SendJson(call, 400, parsed.error().message());
  DataRequest request = std::move(parsed).value();
  // Before 2.4.6 the serializer has no such field: it is ignored.
  const bool old_ordering = version_ < kCvatUploadFileOrder;
  if (old_ordering) request.upload_file_order.clear();

  if (request.sorting_method == "predefined" && !request.upload_file_order.empty()) {
    std::lock_guard lock(task.mu);
    std::unordered_set<std::string> ordered(request.upload_file_order.begin(),
                                            request.upload_file_order.end());
    std::vector<std::string> mismatch;
    for (const std::string& f : task.client_files) {
      if (!ordered.count(f) && mismatch.size() < 5) mismatch.push_back(f + " (upload)");
    }
    for (const std::string& f : request.upload_file_order) {
      if (!task.client_file_set.count(f) && mismatch.size() < 5) {
        mismatch.push_back(f + " (upload_file_order)");
      }
    }
    if (!mismatch.empty() || ordered.size() != request.upload_file_order.size()) {
      std::string msg =
          "Uploaded files do not match the 'upload_file_order' field contents. Please check "
          "the uploaded data and the list of uploaded files. Mismatching files: ";
      for (size_t i = 0; i < mismatch.size(); ++i) msg += (i ? ", " : "") + mismatch[i];
      return SendJson(call, 400, JsonStringArray({msg}));
    }
  }
  {
    std::lock_guard lock(task.mu);
    task.image_quality = request.image_quality;
    task.sorting_method = request.sorting_method;
    task.validation_mode = request.validation ? request.validation->mode : "";
    task.storage_method = request.storage_method;
    Status s = store_.Save(task);
    if (!s.ok() && opts_.log) opts_.log("internal error: " + s.ToString());
  }

  std::shared_ptr<Task> shared = store_.Find(task.id);
  auto job = [this, shared, request](const RequestRegistry::Progress& progress)
      -> std::optional<std::string> {
    BuildInput in;
    {
      std::lock_guard lock(shared->mu);
      in.client_files = shared->client_files;
      in.segment_size = shared->segment_size;
      in.overlap = shared->overlap;
    }
    in.raw_dir = store_.RawDir(shared->id);
    in.discard = opts_.discard;
    in.request = request;
    std::string storage = "local";
    if (HasServerSources(request)) {
      if (!in.client_files.empty()) {
        return std::string("this receiver does not mix uploaded files with server_files or "
                           "remote_files in one task");
      }
      Result<FetchedSources> fetched =
          FetchServerSources(request, SourceRoots{opts_.share_dir, opts_.cloud_dirs}, in.raw_dir);
      if (!fetched) return fetched.error().message();
      in.client_files = std::move(fetched->files);
      in.discard = false;  // the receiver holds these bytes whatever --discard says
      storage = fetched->storage;
    }
    // The manifest is kept as raw/manifest.jsonl, as CVAT copies it.
    for (std::string& f : in.client_files) {
      if (IsManifestName(f) && f != "manifest.jsonl") {
        if (store_.RenameRawFile(*shared, f, "manifest.jsonl").ok() ||
            store_.CompletedFileExists(*shared, "manifest.jsonl")) {
          f = "manifest.jsonl";
        }
      }
    }
    const bool has_manifest = std::any_of(in.client_files.begin(), in.client_files.end(),
                                          [](const std::string& f) { return IsManifestName(f); });
    if (std::optional<std::string> refusal = ManifestRefusal(version_, request, has_manifest)) {
      return refusal;
    }
    if (!faults_->empty() && faults_->DrawBuildFailure()) {
      return std::string("fault injected (fail-build): the task could not be built");
    }
    Result<BuildOutput> out = BuildTaskData(
        in, *inspector_,
        [&](double fraction, std::string_view msg) { progress(fraction, std::string(msg)); });
    if (!out) return out.error().message();
    registry_->Hold(opts_.build_delay_seconds +
                    opts_.build_delay_per_frame * static_cast<double>(out->size));
    std::lock_guard lock(shared->mu);
    shared->frames = std::move(out->frames);
    shared->size = out->size;
    shared->mode = out->mode;
    shared->chunk_size = out->chunk_size;
    shared->jobs = out->jobs;
    shared->start_frame = out->start_frame;
    shared->stop_frame = out->stop_frame;
    shared->frame_filter = request.frame_filter;
    shared->storage = storage;
    shared->updated_date = IsoTimeNow();
    Status s = store_.SaveFrames(*shared);
    if (s.ok()) s = store_.Save(*shared);
    if (!s.ok()) {
      shared->size = 0;
      return s.ToString();
    }
    return std::nullopt;
  };
  std::string rq_id;
  bool queued = registry_->Enqueue(task.id, call.user->id, call.user->name, job, &rq_id);
  if (queued && opts_.on_milestone) opts_.on_milestone("finish-accepted");
  if (queued && version_ < kCvatRequestsApi) {
    call.res.status = 202;  // no request id before 2.16.0: the task's status endpoint tells
    return;
  }
  std::string out = "{";
  AppendStringField("rq_id", rq_id, &out);
  out += "}";
  SendJson(call, queued ? 202 : 409, out);
}

}  // namespace ingest::server
