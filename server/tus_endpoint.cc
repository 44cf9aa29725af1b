// The TUS side of /api/tasks/{id}/data/: OPTIONS, creation (POST with Upload-Length), and
// HEAD/PATCH on an upload, answering as CVAT's UploadMixin, TusFile and TusChunk do (checked
// against CVAT's own code, issue 16), including where CVAT is lax or fails:
//
// - Python's int() reads Upload-Length and Upload-Offset: "abc" raises (500); a length of 0
//   or less passes every check, then preallocation (seek(length - 1)) raises (500); a
//   negative offset never equals the upload's (409). A PATCH without Upload-Offset is at 0.
// - PATCH checks no Content-Type: any type (or none) is written. It needs Content-Length,
//   except for a chunked body, taken whole as the issue 16 check saw CVAT take it (its server
//   in front de-chunked it). Not verified for every deployment: the newest TusChunk raises
//   "Content-Length header is missing" (400) when the front server leaves CONTENT_LENGTH
//   unset for a de-chunked body, and older ones assumed a default chunk size.
// - Names follow upload_names.h: "." is the upload directory (409), "sub/dir.jpg" is created
//   (201) and fails when its last byte arrives (500, the upload stays at its offset), a
//   256-byte name fails stat() (500).
// - Headers: only _tus_response replies carry the TUS headers (201, 204, 200, 409, 413, the
//   400 for a missing filename, 403 and 404 on a known task); a bad name's 400, every 500
//   (Django's error page) and a 404 from routing or the task lookup carry none. A name that
//   is not Latin-1 comes back in Upload-Filename as an RFC 2047 encoded-word, as Django
//   writes it.
//
// PATCH streams the body to raw/<file_id> through a 1 MiB buffer and stores the offset it
// reached even when the body stops short (client gone, reset, timeout), as the newest CVAT
// does. The last byte moves the file to raw/<filename> and forgets the upload, so later
// HEAD/PATCH on it get 404.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "engine/path_text.h"
#include "engine/unique_fd.h"
#include "server/dir_files.h"
#include "server/python_text.h"
#include "server/server_impl.h"
#include "server/upload_names.h"
#include "server/wire_text.h"

namespace ingest::server {
namespace {

constexpr size_t kWriteBuffer = 1 << 20;

// urllib.parse.urljoin(base, rel) for a relative `rel` without slashes.
std::string UrlJoin(const std::string& base, const std::string& rel) {
  size_t scheme = base.find("://");
  size_t path_start = scheme == std::string::npos ? 0 : base.find('/', scheme + 3);
  if (path_start == std::string::npos) return base + "/" + rel;
  size_t last = base.rfind('/');
  return base.substr(0, last + 1) + rel;
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

// The real path of a task's raw/ (CVAT resolves the joined name against it).
std::optional<std::string> RealPath(const std::string& path) {
  char* resolved = ::realpath(path.c_str(), nullptr);
  if (resolved == nullptr) return std::nullopt;
  std::string out(resolved);
  std::free(resolved);
  return out;
}

}  // namespace

void CvatServer::Impl::NoteDataRow(Task& task) {
  std::lock_guard lock(task.mu);
  if (task.has_data) return;
  task.has_data = true;
  Status s = store_.Save(task);
  if (!s.ok() && opts_.log) opts_.log("internal error: " + s.ToString());
}

std::shared_ptr<Upload> CvatServer::Impl::FindUploadFor(Call& call, int64_t task_id,
                                                        const std::string& file_id) {
  std::shared_ptr<Task> task = store_.Find(task_id);
  if (!task) {
    SendJson(call, 404, DetailJson("Not found."));  // get_object(): no TUS headers
    return nullptr;
  }
  {
    std::lock_guard lock(task->mu);
    if (!task->has_data) {  // task.data is None: get_upload_dir() raises
      SendServerError(call);
      return nullptr;
    }
  }
  AddTusHeaders(call.res, opts_.max_file_size);
  int owner = 0;
  if (!IsValidUploadId(file_id, &owner) || owner != call.user->id) {
    SendJson(call, 403, DetailJson("You do not have permission to perform this action."));
    return nullptr;
  }
  std::shared_ptr<Upload> up = store_.FindUpload(file_id);
  if (!up || up->task_id != task_id) {
    SendJson(call, 404, "");
    return nullptr;
  }
  return up;
}

void CvatServer::Impl::HandleDataOptions(Call& call, int64_t task_id) {
  // The task's `data` action, as for a POST: the task row lock, CVAT's "one Data only" check,
  // and a Data row made when there is none. Routed by header like a POST, with no body.
  std::shared_ptr<Task> task = store_.Find(task_id);
  if (!task) return SendJson(call, 404, DetailJson("Not found."));
  std::lock_guard data_lock(task->data_mu);
  {
    std::lock_guard lock(task->mu);
    if (task->size != 0) return SendJson(call, 400, "\"Adding more data is not supported\"");
  }
  NoteDataRow(*task);
  if (call.req.has_header("Upload-Start") && !call.req.has_header("Upload-Finish")) {
    call.res.status = 202;
    return;
  }
  AddTusHeaders(call.res, opts_.max_file_size);
  call.res.status = 204;
}

void CvatServer::Impl::HandleTusHead(Call& call, int64_t task_id, const std::string& file_id) {
  std::shared_ptr<Upload> up = FindUploadFor(call, task_id, file_id);
  if (!up) return;
  std::lock_guard lock(up->mu);
  if (up->gone) return SendJson(call, 404, "");
  call.res.set_header("Upload-Offset", std::to_string(up->offset));
  call.res.set_header("Upload-Length", std::to_string(up->length));
  call.res.status = 200;
}

void CvatServer::Impl::HandleTusPatch(Call& call, int64_t task_id, const std::string& file_id) {
  std::shared_ptr<Upload> up = FindUploadFor(call, task_id, file_id);
  if (!up) return;
  const httplib::Request& req = call.req;
  // TusChunk: int(Upload-Offset or 0), then Content-Length, which must be there unless the
  // front server de-chunked the body.
  std::optional<int64_t> offset =
      req.has_header("Upload-Offset") ? PythonInt(req.get_header_value("Upload-Offset")) : 0;
  if (!offset) return SendServerError(call);
  std::optional<uint64_t> length;
  if (!req.has_header("Transfer-Encoding")) {
    if (!req.has_header("Content-Length")) {
      ClearTusHeaders(call.res);  // a ValidationError, through DRF's handler
      return SendJson(call, 400, "[\"Content-Length header is missing\"]");
    }
    length = ParseDecimal(req.get_header_value("Content-Length"));
    if (!length) {
      ClearTusHeaders(call.res);
      return SendJson(call, 400, "[\"Invalid Content-Length\"]");
    }
  }
  if (!faults_->empty() && faults_->DrawOffset409()) {
    LogFault(call, "offset-409");
    return SendJson(call, 409, "");
  }
  std::lock_guard lock(up->mu);
  if (up->gone) return SendJson(call, 404, "");
  if (*offset < 0 || static_cast<uint64_t>(*offset) != up->offset) {
    return SendJson(call, 409, "");  // no Upload-Offset: HEAD again
  }
  if (length && up->offset + *length > up->length) return SendJson(call, 413, "");
  ReceiveChunk(call, *up, length);
}

void CvatServer::Impl::ReceiveChunk(Call& call, Upload& up, std::optional<uint64_t> length) {
  uint64_t reset_after = 0;
  bool reset = !faults_->empty() && faults_->DrawReset(&reset_after);
  const bool store_bytes = !opts_.discard || IsManifestName(up.filename);
  UniqueFd fd;
  if (store_bytes) {
    Result<UniqueFd> opened = store_.OpenUploadData(up);
    if (!opened) {
      if (opts_.log) opts_.log("internal error: " + opened.error().ToString());
      return SendServerError(call);
    }
    fd = std::move(opened).value();
  } else if (!up.hasher && up.offset == 0) {
    up.hasher.reset(XXH3_createState(), XXH3_freeState);
    XXH3_64bits_reset(up.hasher.get());
  }

  // Stored bodies gather in a 1 MiB buffer written with pwrite; discarded ones are hashed as
  // they arrive. A de-chunked body (no length) may not pass the upload's end: CVAT, knowing
  // its length, would answer 413 before writing, so the offset stays.
  thread_local std::string buffer;
  if (store_bytes) buffer.resize(kWriteBuffer);
  size_t fill = 0;
  uint64_t pos = up.offset;
  uint64_t received = 0;
  bool too_long = false;
  Status write_status;
  const uint64_t room = up.length - up.offset;
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
    if (!length && received + n > room) {
      too_long = true;
      return false;
    }
    if (reset && received + n >= reset_after) {
      n = static_cast<size_t>(reset_after - received);
      call.reset = true;
    }
    received += n;
    body_bytes_.fetch_add(n, std::memory_order_relaxed);
    if (!store_bytes) {
      if (up.hasher) XXH3_64bits_update(up.hasher.get(), data, n);
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
  if (too_long) {
    if (!store_bytes) up.hasher.reset();  // the running hash took bytes that do not count
    call.res.set_header("Connection", "close");
    return SendJson(call, 413, "");
  }
  EndChunk(call, up, pos, write_status, complete_body);
}

void CvatServer::Impl::EndChunk(Call& call, Upload& up, uint64_t pos, Status write_status,
                                bool complete_body) {
  const bool store_bytes = !opts_.discard || IsManifestName(up.filename);
  up.offset = pos;
  const bool done = pos == up.length;
  // A completed upload is journaled as done, so the offset is only stored while unfinished,
  // or when the completion fails (CVAT wrote the offset before its rename failed).
  Status s = done ? Status::Ok() : store_.SaveUploadOffset(up);
  bool rename_fails = done && !IsSingleComponent(CompletedUploadName(up.filename));
  if (s.ok() && rename_fails) {
    s = store_.SaveUploadOffset(up);
    if (opts_.log) opts_.log("upload " + up.file_id + ": cannot move it to \"" + up.filename + "\"");
    if (s.ok()) return SendServerError(call);
  }
  if (s.ok() && done) {
    if (!store_bytes) {
      uint64_t hash = up.hasher ? XXH3_64bits_digest(up.hasher.get()) : 0;
      std::shared_ptr<Task> task = store_.Find(up.task_id);
      if (task) s = store_.RecordDiscarded(*task, CompletedUploadName(up.filename), up.length, hash);
    }
    if (s.ok()) s = store_.CompleteUpload(up);
  }
  if (!write_status.ok() || !s.ok()) {
    if (opts_.log) {
      opts_.log("internal error: " + (write_status.ok() ? s : write_status).ToString());
    }
    call.res.set_header("Connection", "close");
    return SendServerError(call);
  }
  if (call.reset) return;
  if (!complete_body) call.res.set_header("Connection", "close");
  call.res.set_header("Upload-Offset", std::to_string(pos));
  call.res.status = 204;
}

void CvatServer::Impl::TusCreate(Call& call, Task& task) {
  const httplib::Request& req = call.req;
  // TusMeta.from_request: int(Upload-Length), Message-Id and every metadata value decoded;
  // any of them failing raises (500). Then its validator: over the limit is 413.
  std::optional<int64_t> length = PythonInt(req.get_header_value("Upload-Length"));
  if (!length) return SendServerError(call);
  std::string message_id;
  if (std::string m = req.get_header_value("Message-Id"); !m.empty()) {
    std::optional<std::string> decoded = PythonB64Decode(m);
    if (!decoded || !IsValidUtf8(*decoded)) return SendServerError(call);
    message_id = std::move(*decoded);
  }
  std::optional<std::map<std::string, std::string>> meta =
      CvatTusMetadata(req.get_header_value("Upload-Metadata"));
  if (!meta) return SendServerError(call);
  if (auto it = meta->find("message_id"); it != meta->end()) message_id = it->second;
  if (*length > 0 && static_cast<uint64_t>(*length) > opts_.max_file_size) {
    AddTusHeaders(call.res, opts_.max_file_size);
    return SendText(call, 413,
                    "File size exceeds max limit of " + std::to_string(opts_.max_file_size) +
                        " bytes");
  }
  std::string filename = meta->count("filename") ? (*meta)["filename"] : "";
  std::string filetype = meta->count("filetype") ? (*meta)["filetype"] : "";
  if (filename.empty()) {
    AddTusHeaders(call.res, opts_.max_file_size);
    return SendText(call, 400, "Metadata is expected to contain 'filename' key");
  }
  std::optional<std::string> raw_path = RealPath(store_.RawDir(task.id));
  if (!raw_path) return SendServerError(call);
  TusNameVerdict verdict = CheckTusName(task.raw_dir.get(), *raw_path, filename);
  if (verdict == TusNameVerdict::kOk && store_.discard() &&
      store_.CompletedFileExists(task, CompletedUploadName(filename))) {
    verdict = TusNameVerdict::kExists;  // --discard keeps no file, only its record
  }
  switch (verdict) {
    case TusNameVerdict::kServerError:
      return SendServerError(call);
    case TusNameVerdict::kNotAllowed:  // a plain Response: no TUS headers
      return SendText(call, 400, "File name " + filename + " is not allowed");
    case TusNameVerdict::kExists:
      AddTusHeaders(call.res, opts_.max_file_size);
      return SendText(call, 409, "File with same name already exists");
    case TusNameVerdict::kOk:
      break;
  }
  if (*length <= 0) return SendServerError(call);  // init_file(): seek(length - 1) raises
  CreateTusUpload(call, task, filename, filetype, message_id, static_cast<uint64_t>(*length));
}

void CvatServer::Impl::CreateTusUpload(Call& call, Task& task, const std::string& filename,
                                       const std::string& filetype, const std::string& message_id,
                                       uint64_t length) {
  const httplib::Request& req = call.req;
  std::string base;
  if (req.has_header("X-Forwarded-Host")) {
    std::string proto = req.get_header_value("X-Forwarded-Proto") == "https" ? "https" : "http";
    base = proto + "://" + req.get_header_value("X-Forwarded-Host") + req.path;
  } else if (req.has_header("Origin")) {
    base = req.get_header_value("Origin") + req.path;
  } else {
    // CVAT concatenates None + str here and crashes (cvat-ai/cvat#4894). Kept on purpose.
    return SendServerError(call);
  }
  // Django writes the name into Upload-Filename, MIME-encoded past Latin-1; CR or LF raise.
  std::optional<std::string> shown = DjangoHeaderValue(filename);
  if (!shown) return SendServerError(call);
  Result<std::shared_ptr<Upload>> up =
      store_.CreateUpload(task, call.user->id, filename, filetype, message_id, length);
  Status s = up.status();
  if (std::optional<std::string> key = ClientFileKey(filename); s.ok() && key) {
    std::lock_guard lock(task.mu);
    s = store_.RegisterClientFile(task, *key);
  }
  if (!s.ok()) {
    if (opts_.log) opts_.log("internal error: " + s.ToString());
    return SendServerError(call);
  }
  AddTusHeaders(call.res, opts_.max_file_size);
  call.res.set_header("Location", UrlJoin(base, (*up)->file_id));
  call.res.set_header("Upload-Filename", *shown);
  call.res.status = 201;
}

}  // namespace ingest::server
