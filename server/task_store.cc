#include "server/task_store.h"

#include <cerrno>
#include <filesystem>

#include <dirent.h>
#include <fcntl.h>
#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/media_kind.h"
#include "engine/path_text.h"
#include "engine/unique_fd.h"
#include "manifest/jsonl_encoder.h"
#include "server/dir_files.h"
#include "server/upload_names.h"
#include "server/wire_text.h"

namespace ingest::server {
namespace {

Status MakeDir(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
    return FromErrno("mkdir " + path, errno);
  }
  return Status::Ok();
}

Status WriteAll(int fd, std::string_view bytes, const std::string& what) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return FromErrno("write " + what, errno);
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

// Journal compaction: when the journal passes kCompactMinBytes and is more than
// kCompactRatio times the size of its live lines.
constexpr uint64_t kCompactMinBytes = 1 << 20;
constexpr uint64_t kCompactRatio = 4;

std::string TaskJsonForDisk(const Task& t) {
  std::string out = "{";
  AppendIntField("id", t.id, &out);
  AppendIntField("owner_id", t.owner_id, &out);
  AppendStringField("owner_name", t.owner_name, &out);
  AppendStringField("name", t.name, &out);
  if (t.project_id) AppendIntField("project_id", *t.project_id, &out);
  AppendIntField("segment_size", t.segment_size, &out);
  AppendIntField("overlap", t.overlap, &out);
  AppendRawField("labels", t.labels_json, &out);
  AppendStringField("subset", t.subset, &out);
  AppendStringField("bug_tracker", t.bug_tracker, &out);
  AppendIntField("consensus_replicas", t.consensus_replicas, &out);
  if (t.assignee_id) AppendIntField("assignee_id", *t.assignee_id, &out);
  AppendRawField("source_storage", t.source_storage_json, &out);
  AppendRawField("target_storage", t.target_storage_json, &out);
  AppendStringField("validation_mode", t.validation_mode, &out);
  AppendStringField("created_date", t.created_date, &out);
  AppendStringField("updated_date", t.updated_date, &out);
  AppendIntField("size", t.size, &out);
  AppendStringField("mode", t.mode, &out);
  AppendIntField("image_quality", t.image_quality, &out);
  AppendStringField("sorting_method", t.sorting_method, &out);
  AppendStringField("storage_method", t.storage_method, &out);
  AppendStringField("storage", t.storage, &out);
  AppendIntField("chunk_size", t.chunk_size, &out);
  AppendIntField("start_frame", t.start_frame, &out);
  AppendIntField("stop_frame", t.stop_frame, &out);
  AppendStringField("frame_filter", t.frame_filter, &out);
  AppendIntField("jobs", t.jobs, &out);
  if (t.has_data) AppendRawField("data_row", "true", &out);
  out += "}\n";
  return out;
}

int64_t GetInt(simdjson::dom::element e, const char* key, int64_t def = 0) {
  int64_t v = def;
  if (e[key].get(v) != simdjson::SUCCESS) return def;
  return v;
}

std::string GetString(simdjson::dom::element e, const char* key) {
  std::string_view v;
  if (e[key].get(v) != simdjson::SUCCESS) return {};
  return std::string(v);
}

// A create event: every field of the upload, at its current offset.
std::string CreateLine(const Upload& u) {
  std::string out = "{";
  AppendStringField("op", "create", &out);
  AppendStringField("file_id", u.file_id, &out);
  AppendIntField("offset", static_cast<int64_t>(u.offset), &out);
  AppendIntField("file_size", static_cast<int64_t>(u.length), &out);
  AppendStringField("message_id", u.message_id, &out);
  AppendStringField("filename", u.filename, &out);
  AppendStringField("filetype", u.filetype, &out);
  AppendIntField("user_id", u.user_id, &out);
  out += "}\n";
  return out;
}

// The upload of a journal's create line, when it passes the checks of a live request (the
// id a creation makes, a name it accepts, an offset within the length); else nullptr and
// *why says what failed.
std::shared_ptr<Upload> UploadFromLine(int64_t task_id, const std::string& file_id,
                                       simdjson::dom::element e, std::string* why) {
  auto u = std::make_shared<Upload>();
  u->file_id = file_id;
  u->task_id = task_id;
  u->user_id = static_cast<int>(GetInt(e, "user_id"));
  u->filename = GetString(e, "filename");
  u->filetype = GetString(e, "filetype");
  u->message_id = GetString(e, "message_id");
  int64_t length = GetInt(e, "file_size", -1), offset = GetInt(e, "offset", -1);
  int owner = 0;
  if (!IsValidUploadId(file_id, &owner) || owner != u->user_id) {
    *why = "upload id \"" + file_id + "\" is not one the receiver makes";
  } else if (!IsStorableUploadName(u->filename)) {
    *why = "upload " + file_id + ": file name \"" + u->filename + "\" is not allowed";
  } else if (length <= 0 || offset < 0 || offset > length) {
    *why = "upload " + file_id + ": bad length or offset";
  } else {
    u->length = static_cast<uint64_t>(length);
    u->offset = static_cast<uint64_t>(offset);
    return u;
  }
  return nullptr;
}

}  // namespace

bool IsManifestName(std::string_view name) { return ClassifyName(name) == MediaKind::kManifest; }

Status WriteFileAtomically(const std::string& path, std::string_view bytes) {
  std::string tmp = path + ".tmp";
  {
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd.valid()) return FromErrno("open " + tmp, errno);
    if (::write(fd.get(), bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size())) {
      return FromErrno("write " + tmp, errno);
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) return FromErrno("rename " + path, errno);
  return Status::Ok();
}

std::string TaskStore::TaskDir(int64_t id) const { return dir_ + "/tasks/" + std::to_string(id); }
std::string TaskStore::RawDir(int64_t id) const { return TaskDir(id) + "/raw"; }

Status TaskStore::Open() {
  INGEST_RETURN_IF_ERROR(MakeDir(dir_));
  INGEST_RETURN_IF_ERROR(MakeDir(dir_ + "/tasks"));
  std::string tasks_dir = dir_ + "/tasks";
  DIR* d = ::opendir(tasks_dir.c_str());
  if (d == nullptr) return FromErrno("opendir " + tasks_dir, errno);
  std::vector<int64_t> ids;
  while (dirent* ent = ::readdir(d)) {
    std::optional<uint64_t> id = ParseDecimal(ent->d_name);
    if (id && *id > 0) ids.push_back(static_cast<int64_t>(*id));
  }
  ::closedir(d);
  for (int64_t id : ids) {
    INGEST_RETURN_IF_ERROR(LoadTask(id));
    INGEST_RETURN_IF_ERROR(LoadUploads(*Find(id)));
  }
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  if (parser.load(dir_ + "/next_id").get(e) == simdjson::SUCCESS) {
    int64_t next = 0;
    if (e.get(next) == simdjson::SUCCESS && next > next_id_) next_id_ = next;
  }
  return Status::Ok();
}

Status TaskStore::LoadTask(int64_t id) {
  std::string path = TaskDir(id) + "/task.json";
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  if (parser.load(path).get(e) != simdjson::SUCCESS) {
    return Status::Corruption("cannot parse " + path);
  }
  auto t = std::make_shared<Task>();
  t->id = id;
  INGEST_RETURN_IF_ERROR(OpenTaskDirs(*t));
  t->owner_id = static_cast<int>(GetInt(e, "owner_id", 1));
  t->owner_name = GetString(e, "owner_name");
  t->name = GetString(e, "name");
  int64_t project = 0;
  if (e["project_id"].get(project) == simdjson::SUCCESS) t->project_id = project;
  t->segment_size = GetInt(e, "segment_size");
  t->overlap = GetInt(e, "overlap");
  simdjson::dom::element labels;
  if (e["labels"].get(labels) == simdjson::SUCCESS) t->labels_json = simdjson::minify(labels);
  t->subset = GetString(e, "subset");
  t->bug_tracker = GetString(e, "bug_tracker");
  t->consensus_replicas = GetInt(e, "consensus_replicas");
  int64_t assignee = 0;
  if (e["assignee_id"].get(assignee) == simdjson::SUCCESS) t->assignee_id = assignee;
  for (auto [key, field] : {std::pair{"source_storage", &t->source_storage_json},
                            std::pair{"target_storage", &t->target_storage_json}}) {
    simdjson::dom::object storage;
    if (e[key].get(storage) == simdjson::SUCCESS) *field = simdjson::minify(storage);
  }
  t->validation_mode = GetString(e, "validation_mode");
  t->created_date = GetString(e, "created_date");
  t->updated_date = GetString(e, "updated_date");
  t->size = GetInt(e, "size");
  t->mode = GetString(e, "mode");
  t->image_quality = GetInt(e, "image_quality");
  t->sorting_method = GetString(e, "sorting_method");
  t->storage_method = GetString(e, "storage_method");
  t->storage = GetString(e, "storage");
  if (t->storage.empty()) t->storage = "local";
  t->chunk_size = GetInt(e, "chunk_size");
  t->start_frame = GetInt(e, "start_frame");
  t->stop_frame = GetInt(e, "stop_frame");
  t->frame_filter = GetString(e, "frame_filter");
  t->jobs = GetInt(e, "jobs");
  bool data_row = false;
  t->has_data = (e["data_row"].get(data_row) == simdjson::SUCCESS && data_row) || t->size > 0;

  simdjson::dom::document_stream lines;
  if (parser.load_many(TaskDir(id) + "/client_files.jsonl").get(lines) == simdjson::SUCCESS) {
    for (auto line : lines) {
      std::string_view name;
      if (line.get(name) != simdjson::SUCCESS) continue;
      if (!IsClientFileKey(name)) {
        Warn("task " + std::to_string(id) + ": client_files.jsonl: file name \"" +
             std::string(name) + "\" is not allowed; skipped");
        continue;
      }
      if (t->client_file_set.insert(std::string(name)).second) t->client_files.emplace_back(name);
    }
  }
  simdjson::dom::parser frame_parser;
  simdjson::dom::document_stream frames;
  if (frame_parser.load_many(TaskDir(id) + "/frames.jsonl").get(frames) == simdjson::SUCCESS) {
    for (auto line : frames) {
      simdjson::dom::element f;
      if (line.get(f) != simdjson::SUCCESS) continue;
      t->frames.push_back({GetString(f, "name"), GetInt(f, "width"), GetInt(f, "height")});
    }
  }
  if (discard_) {
    simdjson::dom::parser dp;
    simdjson::dom::document_stream recs;
    if (dp.load_many(TaskDir(id) + "/discarded.jsonl").get(recs) == simdjson::SUCCESS) {
      for (auto line : recs) {
        simdjson::dom::element r;
        if (line.get(r) == simdjson::SUCCESS) discarded_[id].insert(GetString(r, "name"));
      }
    }
  }
  std::lock_guard lock(mu_);
  tasks_[id] = t;
  if (id >= next_id_) next_id_ = id + 1;
  return Status::Ok();
}

Status TaskStore::LoadUploads(Task& task) {
  std::map<std::string, std::shared_ptr<Upload>> live;
  simdjson::dom::parser parser;
  // The journal, in order; a line torn by a crash (the last one) ends the replay.
  std::string journal = TaskDir(task.id) + "/uploads.jsonl";
  simdjson::padded_string text;
  if (simdjson::padded_string::load(journal).get(text) == simdjson::SUCCESS) {
    std::string_view all(text.data(), text.size());
    while (!all.empty()) {
      size_t nl = all.find('\n');
      if (nl == std::string_view::npos) break;  // torn: no newline yet
      std::string_view line = all.substr(0, nl);
      all.remove_prefix(nl + 1);
      simdjson::dom::element e;
      if (parser.parse(line.data(), line.size()).get(e) != simdjson::SUCCESS) break;
      std::string op = GetString(e, "op");
      std::string id = GetString(e, "file_id");
      if (op == "create") {
        std::string why;
        std::shared_ptr<Upload> u = UploadFromLine(task.id, id, e, &why);
        if (u) {
          live[id] = u;
        } else {
          Warn("task " + std::to_string(task.id) + ": uploads.jsonl: " + why + "; skipped");
        }
      } else if (op == "offset") {
        auto it = live.find(id);
        int64_t offset = GetInt(e, "offset", -1);
        if (it != live.end() && offset >= 0 &&
            static_cast<uint64_t>(offset) <= it->second->length) {
          it->second->offset = static_cast<uint64_t>(offset);
        }
      } else if (op == "done") {
        live.erase(id);
      }
    }
  }
  // A crash between the last chunk's rename and its done event leaves no data file: the
  // upload has completed (its file is in raw/), so it is not resumable.
  for (auto it = live.begin(); it != live.end();) {
    const Upload& u = *it->second;
    bool stored = !discard_ || IsManifestName(u.filename);
    it = stored && !ExistsAt(task.raw_dir.get(), u.file_id) ? live.erase(it) : std::next(it);
  }
  std::unordered_map<std::string, std::string> lines;
  for (const auto& [id, u] : live) {
    std::lock_guard upload_lock(u->mu);
    lines[id] = CreateLine(*u);
  }
  {
    std::lock_guard logs_lock(task.logs_mu);
    task.live_uploads = std::move(lines);
    INGEST_RETURN_IF_ERROR(CompactUploadsLocked(task));
  }
  std::lock_guard lock(mu_);
  for (auto& [id, u] : live) uploads_[id] = u;
  return Status::Ok();
}

Status TaskStore::CompactUploadsLocked(Task& task) {
  std::string path = TaskDir(task.id) + "/uploads.jsonl";
  std::string text;
  for (const auto& [id, line] : task.live_uploads) text += line;
  task.uploads_log.reset();
  if (text.empty()) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return FromErrno("unlink " + path, errno);
  } else {
    INGEST_RETURN_IF_ERROR(WriteFileAtomically(path, text));
  }
  task.uploads_log_bytes = text.size();
  return Status::Ok();
}

Status TaskStore::JournalUpload(Task& task, const Upload& u, UploadEvent event) {
  std::string line = "{";
  switch (event) {
    case UploadEvent::kCreate:
      line = CreateLine(u);
      break;
    case UploadEvent::kOffset:
      AppendStringField("op", "offset", &line);
      AppendStringField("file_id", u.file_id, &line);
      AppendIntField("offset", static_cast<int64_t>(u.offset), &line);
      line += "}\n";
      break;
    case UploadEvent::kDone:
      AppendStringField("op", "done", &line);
      AppendStringField("file_id", u.file_id, &line);
      line += "}\n";
      break;
  }
  std::lock_guard lock(task.logs_mu);
  INGEST_RETURN_IF_ERROR(AppendToLogLocked(task, &task.uploads_log, "uploads.jsonl", line));
  task.uploads_log_bytes += line.size();
  if (event == UploadEvent::kDone) {
    task.live_uploads.erase(u.file_id);
  } else {
    task.live_uploads[u.file_id] = event == UploadEvent::kCreate ? std::move(line) : CreateLine(u);
  }
  if (task.uploads_log_bytes >= kCompactMinBytes) {
    uint64_t live_bytes = 0;
    for (const auto& [id, l] : task.live_uploads) live_bytes += l.size();
    if (task.uploads_log_bytes > kCompactRatio * live_bytes) {
      INGEST_RETURN_IF_ERROR(CompactUploadsLocked(task));
    }
  }
  return Status::Ok();
}

Result<std::shared_ptr<Task>> TaskStore::Create(const Task& spec) {
  auto t = std::make_shared<Task>();
  t->owner_id = spec.owner_id;
  t->owner_name = spec.owner_name;
  t->name = spec.name;
  t->project_id = spec.project_id;
  t->segment_size = spec.segment_size;
  t->overlap = spec.overlap;
  t->labels_json = spec.labels_json;
  t->subset = spec.subset;
  t->bug_tracker = spec.bug_tracker;
  t->consensus_replicas = spec.consensus_replicas;
  t->assignee_id = spec.assignee_id;
  t->source_storage_json = spec.source_storage_json;
  t->target_storage_json = spec.target_storage_json;
  t->created_date = IsoTimeNow();
  t->updated_date = t->created_date;
  {
    std::lock_guard lock(mu_);
    t->id = next_id_++;
    INGEST_RETURN_IF_ERROR(WriteFileAtomically(dir_ + "/next_id", std::to_string(next_id_)));
  }
  INGEST_RETURN_IF_ERROR(OpenTaskDirs(*t));
  {
    std::lock_guard task_lock(t->mu);
    INGEST_RETURN_IF_ERROR(Save(*t));
  }
  std::lock_guard lock(mu_);
  tasks_[t->id] = t;
  return t;
}

std::shared_ptr<Task> TaskStore::Find(int64_t id) const {
  std::lock_guard lock(mu_);
  auto it = tasks_.find(id);
  return it == tasks_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<Task>> TaskStore::List() const {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<Task>> out;
  out.reserve(tasks_.size());
  for (const auto& [id, t] : tasks_) out.push_back(t);
  return out;
}

Status TaskStore::Delete(int64_t id) {
  {
    std::lock_guard lock(mu_);
    if (tasks_.erase(id) == 0) return Status::NotFound("task " + std::to_string(id));
    discarded_.erase(id);
    for (auto it = uploads_.begin(); it != uploads_.end();) {
      it = it->second->task_id == id ? uploads_.erase(it) : std::next(it);
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(TaskDir(id), ec);
  if (ec) return Status::IoError("remove " + TaskDir(id) + ": " + ec.message());
  return Status::Ok();
}

Status TaskStore::Save(const Task& task) {
  return WriteFileAtomically(TaskDir(task.id) + "/task.json", TaskJsonForDisk(task));
}

Status TaskStore::AppendToLog(Task& task, UniqueFd* fd, const char* file, std::string_view line) {
  std::lock_guard lock(task.logs_mu);
  return AppendToLogLocked(task, fd, file, line);
}

Status TaskStore::AppendToLogLocked(Task& task, UniqueFd* fd, const char* file,
                                    std::string_view line) {
  if (!fd->valid()) {
    std::string path = TaskDir(task.id) + "/" + file;
    fd->reset(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    if (!fd->valid()) return FromErrno("open " + path, errno);
  }
  return WriteAll(fd->get(), line, file);
}

Status TaskStore::RegisterClientFile(Task& task, const std::string& name) {
  if (!task.client_file_set.insert(name).second) return Status::Ok();
  task.client_files.push_back(name);
  std::string line;
  manifest::AppendJsonString(name, &line);
  line.push_back('\n');
  return AppendToLog(task, &task.client_files_log, "client_files.jsonl", line);
}

Status TaskStore::SaveFrames(const Task& task) {
  std::string out;
  for (const Frame& f : task.frames) {
    out.push_back('{');
    AppendStringField("name", f.name, &out);
    AppendIntField("width", f.width, &out);
    AppendIntField("height", f.height, &out);
    out += "}\n";
  }
  return WriteFileAtomically(TaskDir(task.id) + "/frames.jsonl", out);
}

Status TaskStore::RecordDiscarded(Task& task, const std::string& name, uint64_t size,
                                  uint64_t hash) {
  {
    std::lock_guard lock(mu_);
    discarded_[task.id].insert(name);
  }
  std::string line = "{";
  AppendStringField("name", name, &line);
  AppendIntField("size", static_cast<int64_t>(size), &line);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  AppendStringField("xxh3", hex, &line);
  line += "}\n";
  return AppendToLog(task, &task.discarded_log, "discarded.jsonl", line);
}

bool TaskStore::CompletedFileExists(const Task& task, const std::string& name) const {
  if (discard_ && !IsManifestName(name)) {
    std::lock_guard lock(mu_);
    auto it = discarded_.find(task.id);
    return it != discarded_.end() && it->second.count(name) > 0;
  }
  return ExistsAt(task.raw_dir.get(), name);
}

Result<UniqueFd> TaskStore::OpenUploadData(const Upload& upload) {
  std::shared_ptr<Task> task = Find(upload.task_id);
  if (!task) return Status::NotFound("task " + std::to_string(upload.task_id));
  return OpenAt(task->raw_dir.get(), upload.file_id, O_WRONLY,
                RawDir(upload.task_id) + "/" + upload.file_id);
}

Result<std::shared_ptr<Upload>> TaskStore::CreateUpload(Task& task, int user_id,
                                                        const std::string& filename,
                                                        const std::string& filetype,
                                                        const std::string& message_id,
                                                        uint64_t length) {
  auto u = std::make_shared<Upload>();
  u->file_id = std::to_string(user_id) + "_" + NewUuid4();
  u->task_id = task.id;
  u->user_id = user_id;
  u->filename = filename;
  u->filetype = filetype;
  u->message_id = message_id;
  u->length = length;
  if (!discard_ || IsManifestName(filename)) {
    std::string path = RawDir(task.id) + "/" + u->file_id;
    INGEST_ASSIGN_OR_RETURN(
        UniqueFd fd, OpenAt(task.raw_dir.get(), u->file_id, O_WRONLY | O_CREAT | O_EXCL, path));
    if (::ftruncate(fd.get(), static_cast<off_t>(length)) != 0) {
      return FromErrno("truncate " + path, errno);
    }
  }
  {
    std::lock_guard lock(u->mu);
    INGEST_RETURN_IF_ERROR(JournalUpload(task, *u, UploadEvent::kCreate));
  }
  std::lock_guard lock(mu_);
  uploads_[u->file_id] = u;
  return u;
}

std::shared_ptr<Upload> TaskStore::FindUpload(const std::string& file_id) const {
  std::lock_guard lock(mu_);
  auto it = uploads_.find(file_id);
  return it == uploads_.end() ? nullptr : it->second;
}

Status TaskStore::SaveUploadOffset(const Upload& u) {
  std::shared_ptr<Task> task = Find(u.task_id);
  if (!task) return Status::Ok();  // deleted meanwhile: nothing left to resume
  return JournalUpload(*task, u, UploadEvent::kOffset);
}

Status TaskStore::CompleteUpload(Upload& u) {
  std::shared_ptr<Task> task = Find(u.task_id);
  // CVAT renames to pathlib's form of the name; into a subdirectory that fails (no such
  // directory) and the upload stays where it is.
  std::string target = CompletedUploadName(u.filename);
  if (!IsSingleComponent(target)) {
    return Status::InvalidArgument("upload " + u.file_id + ": cannot store it as \"" +
                                   u.filename + "\" (not a name inside the upload directory)");
  }
  if (task && (!discard_ || IsManifestName(target))) {
    // CVAT renames to name_1.ext, name_2.ext, ... when the name was taken meanwhile.
    const int raw = task->raw_dir.get();
    SplitName parts = SplitExt(CompletedUploadName(u.filename));
    for (int i = 1; ExistsAt(raw, target); ++i) {
      target = std::string(parts.stem) + "_" + std::to_string(i) + std::string(parts.extension);
    }
    INGEST_RETURN_IF_ERROR(
        RenameAt(raw, u.file_id, raw, target, RawDir(u.task_id) + "/" + u.file_id));
  }
  if (task) INGEST_RETURN_IF_ERROR(JournalUpload(*task, u, UploadEvent::kDone));
  u.gone = true;
  std::lock_guard lock(mu_);
  uploads_.erase(u.file_id);
  return Status::Ok();
}

}  // namespace ingest::server
