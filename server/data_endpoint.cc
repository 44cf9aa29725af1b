// POST /api/tasks/{id}/data/ and the TUS upload resources under it.
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
// PATCH streams the body to raw/<file_id> through a 1 MiB buffer and stores the offset it
// reached even when the body stops short (client gone, reset, timeout), as the newest CVAT
// does. The last byte moves the file to raw/<filename> and forgets the upload, so later
// HEAD/PATCH on it get 404.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <unordered_set>

#include "engine/path_text.h"
#include "engine/unique_fd.h"
#include "server/data_request.h"
#include "server/http_server.h"
#include "server/multipart_parser.h"
#include "server/server_impl.h"
#include "server/task_builder.h"
#include "server/wire_text.h"

namespace ingest::server {
namespace {

constexpr size_t kWriteBuffer = 1 << 20;
constexpr size_t kMaxJsonBody = 100 << 20;  // DATA_UPLOAD_MAX_MEMORY_SIZE

// urllib.parse.urljoin(base, rel) for a relative `rel` without slashes.
std::string UrlJoin(const std::string& base, const std::string& rel) {
  size_t scheme = base.find("://");
  size_t path_start = scheme == std::string::npos ? 0 : base.find('/', scheme + 3);
  if (path_start == std::string::npos) return base + "/" + rel;
  size_t last = base.rfind('/');
  return base.substr(0, last + 1) + rel;
}

std::string MediaType(const httplib::Request& req) {
  std::string ct = RequestContentType(req);
  size_t semi = ct.find(';');
  if (semi != std::string::npos) ct.resize(semi);
  while (!ct.empty() && ct.back() == ' ') ct.pop_back();
  return AsciiLower(ct);
}

Status PwriteAll(int fd, const char* data, size_t n, uint64_t offset) {
  while (n > 0) {
    ssize_t w = ::pwrite(fd, data, n, static_cast<off_t>(offset));
    if (w < 0) {
      if (errno == EINTR) continue;
      return FromErrno("pwrite", errno);
    }
    data += w;
    n -= static_cast<size_t>(w);
    offset += static_cast<uint64_t>(w);
  }
  return Status::Ok();
}

}  // namespace

std::shared_ptr<Upload> CvatServer::Impl::FindUploadFor(Call& call, int64_t task_id,
                                                        const std::string& file_id) {
  AddTusHeaders(call.res);
  int owner = 0;
  if (!IsValidUploadId(file_id, &owner)) {
    SendJson(call, 404, DetailJson("Not found."));
    return nullptr;
  }
  if (owner != call.user->id) {
    SendJson(call, 403, DetailJson("You do not have permission to perform this action."));
    return nullptr;
  }
  std::shared_ptr<Upload> up = store_.FindUpload(file_id);
  if (!up || up->task_id != task_id || !store_.Find(task_id)) {
    SendJson(call, 404, DetailJson("Not found."));
    return nullptr;
  }
  return up;
}

void CvatServer::Impl::HandleDataOptions(Call& call) {
  AddTusHeaders(call.res);
  call.res.set_header("Tus-Max-Size", std::to_string(opts_.max_file_size));
  call.res.status = 204;
}

void CvatServer::Impl::HandleTusHead(Call& call, int64_t task_id, const std::string& file_id) {
  std::shared_ptr<Upload> up = FindUploadFor(call, task_id, file_id);
  if (!up) return;
  std::lock_guard lock(up->mu);
  if (up->gone) return SendJson(call, 404, DetailJson("Not found."));
  call.res.set_header("Upload-Offset", std::to_string(up->offset));
  call.res.set_header("Upload-Length", std::to_string(up->length));
  call.res.status = 200;
}

void CvatServer::Impl::HandleTusPatch(Call& call, int64_t task_id, const std::string& file_id) {
  std::shared_ptr<Upload> up = FindUploadFor(call, task_id, file_id);
  if (!up) return;
  const httplib::Request& req = call.req;
  std::string media_type = MediaType(req);
  if (media_type != "application/offset+octet-stream") {
    return SendJson(call, 415,
                    DetailJson("Unsupported media type \"" + RequestContentType(req) +
                               "\" in request."));
  }
  if (req.has_header("Transfer-Encoding") || !req.has_header("Content-Length")) {
    return SendJson(call, 400, "[\"A valid Content-Length header is required\"]");
  }
  std::optional<uint64_t> length = ParseDecimal(req.get_header_value("Content-Length"));
  std::optional<uint64_t> offset = ParseDecimal(req.get_header_value("Upload-Offset"));
  if (!length) return SendJson(call, 400, "[\"Invalid Content-Length\"]");
  if (!offset) return SendJson(call, 400, "[\"Invalid Upload-Offset\"]");
  if (!faults_->empty() && faults_->DrawOffset409()) {
    LogFault(call, "offset-409");
    return SendJson(call, 409, "");
  }

  std::lock_guard lock(up->mu);
  if (up->gone) return SendJson(call, 404, DetailJson("Not found."));
  if (*offset != up->offset) return SendJson(call, 409, "");  // no Upload-Offset: HEAD again
  if (*offset + *length > up->length) return SendJson(call, 413, "");

  uint64_t reset_after = 0;
  bool reset = !faults_->empty() && faults_->DrawReset(&reset_after);
  const bool store_bytes = !opts_.discard || IsManifestName(up->filename);
  UniqueFd fd;
  if (store_bytes) {
    Result<UniqueFd> opened = store_.OpenUploadData(*up);
    if (!opened) {
      if (opts_.log) opts_.log("internal error: " + opened.error().ToString());
      return SendJson(call, 500, DetailJson("cannot open the upload"));
    }
    fd = std::move(opened).value();
  } else if (!up->hasher && up->offset == 0) {
    up->hasher.reset(XXH3_createState(), XXH3_freeState);
    XXH3_64bits_reset(up->hasher.get());
  }

  // Stored bodies gather in a 1 MiB buffer written with pwrite; discarded ones are hashed as
  // they arrive.
  thread_local std::string buffer;
  if (store_bytes) buffer.resize(kWriteBuffer);
  size_t fill = 0;
  uint64_t pos = *offset;
  uint64_t received = 0;
  Status write_status;
  const uint64_t rate = faults_->slow_bytes_per_sec();
  const auto started = std::chrono::steady_clock::now();
  auto flush = [&]() {
    if (fill == 0 || !write_status.ok()) return;
    write_status = PwriteAll(fd.get(), buffer.data(), fill, pos);
    if (!write_status.ok()) return;
    pos += fill;
    fill = 0;
  };
  call.body_consumed = true;
  bool complete_body = (*call.reader)([&](const char* data, size_t n) {
    if (reset && received + n >= reset_after) {
      n = static_cast<size_t>(reset_after - received);
      call.reset = true;
    }
    received += n;
    body_bytes_.fetch_add(n, std::memory_order_relaxed);
    if (!store_bytes) {
      if (up->hasher) XXH3_64bits_update(up->hasher.get(), data, n);
      pos += n;
    }
    while (store_bytes && n > 0) {
      size_t take = std::min(n, buffer.size() - fill);
      std::memcpy(buffer.data() + fill, data, take);
      fill += take;
      data += take;
      n -= take;
      if (fill == buffer.size()) flush();
    }
    if (rate > 0) {
      auto due = started + std::chrono::microseconds(received * 1000000 / rate);
      auto now = std::chrono::steady_clock::now();
      if (due > now) {
        InterruptibleSleep(static_cast<uint64_t>(
            std::chrono::duration_cast<std::chrono::milliseconds>(due - now).count()));
      }
    }
    return write_status.ok() && !call.reset;
  });
  flush();
  if (call.reset) LogFault(call, "reset-after=" + std::to_string(reset_after));

  up->offset = pos;
  // A completed upload is journaled as done, so the offset is only stored while unfinished.
  Status s = pos == up->length ? Status::Ok() : store_.SaveUploadOffset(*up);
  if (s.ok() && pos == up->length) {
    if (!store_bytes) {
      uint64_t hash = up->hasher ? XXH3_64bits_digest(up->hasher.get()) : 0;
      std::shared_ptr<Task> task = store_.Find(task_id);
      if (task) s = store_.RecordDiscarded(*task, up->filename, up->length, hash);
    }
    if (s.ok()) s = store_.CompleteUpload(*up);
  }
  if (!write_status.ok() || !s.ok()) {
    if (opts_.log) {
      opts_.log("internal error: " + (write_status.ok() ? s : write_status).ToString());
    }
    call.res.set_header("Connection", "close");
    return SendJson(call, 500, DetailJson("cannot store the chunk"));
  }
  if (call.reset) return;
  if (!complete_body) call.res.set_header("Connection", "close");
  call.res.set_header("Upload-Offset", std::to_string(pos));
  call.res.status = 204;
}

void CvatServer::Impl::HandleDataPost(Call& call, int64_t task_id) {
  std::shared_ptr<Task> task = store_.Find(task_id);
  if (!task) return SendJson(call, 404, DetailJson("Not found."));
  std::lock_guard data_lock(task->data_mu);
  if (!store_.Find(task_id)) return SendJson(call, 404, DetailJson("Not found."));  // deleted
  {
    std::lock_guard lock(task->mu);
    if (task->size != 0) return SendJson(call, 400, "\"Adding more data is not supported\"");
  }
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

void CvatServer::Impl::TusCreate(Call& call, Task& task) {
  const httplib::Request& req = call.req;
  AddTusHeaders(call.res);
  call.res.set_header("Tus-Max-Size", std::to_string(opts_.max_file_size));
  std::optional<uint64_t> length = ParseDecimal(req.get_header_value("Upload-Length"));
  if (!length) return SendText(call, 400, "Invalid Upload-Length");
  if (*length > opts_.max_file_size) {
    return SendText(call, 413,
                    "File size exceeds max limit of " + std::to_string(opts_.max_file_size) +
                        " bytes");
  }
  if (*length == 0) {
    // CVAT preallocates with seek(size - 1) and fails with a 500; send empty files in bulk.
    return SendText(call, 400, "Upload-Length must be positive");
  }
  bool bad_base64 = false;
  std::string metadata = req.get_header_value("Upload-Metadata");
  std::optional<std::string> filename = MetadataValue(metadata, "filename", &bad_base64);
  std::optional<std::string> filetype = MetadataValue(metadata, "filetype", &bad_base64);
  if (bad_base64) return SendText(call, 400, "Invalid Upload-Metadata");
  if (!filename || filename->empty()) {
    return SendText(call, 400, "Metadata is expected to contain 'filename' key");
  }
  if (!IsAllowedFileName(*filename)) {
    return SendText(call, 400, "File name " + *filename + " is not allowed");
  }
  if (store_.CompletedFileExists(task, *filename)) {
    return SendText(call, 409, "File with same name already exists");
  }
  std::string base;
  if (req.has_header("X-Forwarded-Host")) {
    std::string proto = req.get_header_value("X-Forwarded-Proto") == "https" ? "https" : "http";
    base = proto + "://" + req.get_header_value("X-Forwarded-Host") + req.path;
  } else if (req.has_header("Origin")) {
    base = req.get_header_value("Origin") + req.path;
  } else {
    // CVAT concatenates None + str here and crashes (cvat-ai/cvat#4894). Kept on purpose.
    return SendText(call, 500, "Server Error (500)");
  }
  std::string message_id;
  if (req.has_header("Message-Id")) {
    message_id = Base64Decode(req.get_header_value("Message-Id")).value_or("");
  }
  Result<std::shared_ptr<Upload>> up = store_.CreateUpload(
      task, call.user->id, *filename, filetype.value_or(""), message_id, *length);
  Status s = up.status();
  if (s.ok()) {
    std::lock_guard lock(task.mu);
    s = store_.RegisterClientFile(task, *filename);
  }
  if (!s.ok()) {
    if (opts_.log) opts_.log("internal error: " + s.ToString());
    return SendText(call, 500, "cannot create the upload");
  }
  call.res.set_header("Location", UrlJoin(base, (*up)->file_id));
  call.res.set_header("Upload-Filename", *filename);
  call.res.status = 201;
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
  std::vector<std::string> duplicates;
  for (auto& [idx, pf] : files) {
    Status s;
    if (pf.temp_name.empty()) {
      s = store_.RecordDiscarded(task, pf.name, pf.size, pf.hash);
    } else {
      s = store_.StorePart(task, pf.temp_name, pf.name);  // appended when it exists, as CVAT
    }
    if (s.ok()) {
      std::lock_guard lock(task.mu);
      if (task.client_file_set.count(pf.name)) duplicates.push_back(pf.name);
      s = store_.RegisterClientFile(task, pf.name);
    }
    if (!s.ok()) {
      if (opts_.log) opts_.log("internal error: " + s.ToString());
      SendJson(call, 500, DetailJson("cannot store the files"));
      return false;
    }
  }
  if (!duplicates.empty()) {
    // CVAT hits its unique (data, file) constraint here, after appending: a 500 there.
    SendJson(call, 409,
             DetailJson("File with same name already exists: " + duplicates.front() +
                        " (the bytes were appended to it)"));
    return false;
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
    // The manifest is kept as raw/manifest.jsonl, as CVAT copies it.
    for (std::string& f : in.client_files) {
      if (IsManifestName(f) && f != "manifest.jsonl") {
        if (store_.RenameRawFile(*shared, f, "manifest.jsonl").ok() ||
            store_.CompletedFileExists(*shared, "manifest.jsonl")) {
          f = "manifest.jsonl";
        }
      }
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
  std::string out = "{";
  AppendStringField("rq_id", rq_id, &out);
  out += "}";
  SendJson(call, queued ? 202 : 409, out);
}

}  // namespace ingest::server
