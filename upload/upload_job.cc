#include "upload/upload_job.h"

#include <fcntl.h>

#include <sys/stat.h>

#include <chrono>
#include <filesystem>

#include "upload/cvat_api.h"
#include "upload/http_client.h"

namespace ingest::upload {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// With --auth USER (not Basic): logs in and makes `http` send the session's key.
Status LogIn(const UploadJob& job, CvatApi& api, HttpClient* http) {
  if (!job.login) return Status();
  INGEST_ASSIGN_OR_RETURN(std::string key, api.Login(job.login->first, job.login->second));
  std::vector<std::string> headers = {"Authorization: Token " + key};
  if (!job.org.empty()) headers.push_back("X-Organization: " + job.org);
  *http = HttpClient(job.transfer.connection, headers);
  return Status();
}

Result<UniqueFd> OpenForReading(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return FromErrno("open " + path, errno);
  return fd;
}

class PlanFiles final : public FileSource {
 public:
  PlanFiles(const ScanResult& scan, const UploadPlan& plan) : scan_(scan), plan_(plan) {}
  Result<UniqueFd> Open(const PlannedFile& f) override {
    return OpenForReading(f.record == kGeneratedManifest
                              ? plan_.manifest_path
                              : FilesystemPath(scan_, scan_.files[f.record]));
  }

 private:
  const ScanResult& scan_;
  const UploadPlan& plan_;
};

// Opens files by path (a resumed upload knows its files from the journal).
class PathFiles final : public FileSource {
 public:
  explicit PathFiles(const std::vector<JournalFile>& files) : files_(files) {}
  Result<UniqueFd> Open(const PlannedFile& f) override {
    return OpenForReading(files_[f.record].path);
  }

 private:
  const std::vector<JournalFile>& files_;
};

std::string JoinLines(const std::vector<std::string_view>& names) {
  std::string out;
  for (std::string_view n : names) {
    out.append(n);
    out += '\n';
  }
  return out;
}

// Task, Upload-Start, transfer, finish, wait, order check: the part of an upload that is the
// same for a fresh run and a resumed one. `task_body` is used when out.task_id is not set.
void Execute(CvatApi& api, HttpClient& http, UploadJob& job, Journal* journal, FileSource& files,
             std::vector<FileStart> start, const std::string& task_body,
             const std::string& finish_body, std::string rq_id, UploadOutcome& out,
             const UploadEvents& events, TransferCounters* counters,
             const std::atomic<bool>* cancel, Clock::time_point t0) {
  auto fail = [&](Status s) {
    if (journal) journal->Flush().ok();
    out.status = std::move(s);
  };
  if (!out.task_id) {
    Result<TaskInfo> task = api.CreateTask(task_body);
    if (!task) return fail(task.error());
    out.task_id = task->id;
    if (journal) {
      if (Status s = journal->SetTask(task->id); !s.ok()) return fail(s);
    }
    if (events.on_task_created) events.on_task_created(task->id);
  }
  if (rq_id.empty()) {
    if (Status s = api.StartUpload(*out.task_id); !s.ok()) return fail(s);
    if (journal) {
      if (Status s = journal->SetState("uploading"); !s.ok()) return fail(s);
    }
    job.transfer.data_url = api.DataUrl(*out.task_id);
    job.transfer.origin = api.Origin();
    job.transfer.headers = http.common_headers();
    job.transfer.image_quality = job.data.image_quality;
    TransferEngine engine(job.transfer, *out.plan, &files, journal, counters);
    if (!start.empty()) engine.SetStart(std::move(start));
    if (events.on_transfer_start) events.on_transfer_start();
    auto t_upload = Clock::now();
    Status sent = engine.Run(cancel);
    out.upload_seconds = Since(t_upload);
    out.failures = engine.failures();
    out.notes = engine.notes();
    if (journal) {
      Status flushed = journal->Flush();
      if (sent.ok() && !journal->error().ok()) sent = journal->error();
      if (sent.ok() && !flushed.ok()) sent = flushed;
    }
    if (!sent.ok()) return fail(sent);
    if (journal) {
      if (Status s = journal->SetState("finishing"); !s.ok()) return fail(s);
    }
    Result<std::string> accepted = api.FinishUpload(*out.task_id, finish_body);
    if (!accepted) return fail(accepted.error());
    rq_id = *accepted;
    if (journal) {
      if (Status s = journal->SetRequest(rq_id); !s.ok()) return fail(s);
    }
  }
  Result<TaskInfo> task = WaitForTask(api, *out.task_id, rq_id, events.on_request, cancel);
  if (!task) return fail(task.error());
  out.task = *task;
  out.order = CheckFrameOrder(api, *out.task_id, *out.plan);
  if (journal) {
    if (Status s = journal->SetState("done"); !s.ok()) return fail(s);
  }
  out.total_seconds = Since(t0);
}

}  // namespace

UploadOutcome RunUploadJob(UploadJob job, const UploadEvents& events, TransferCounters* counters,
                           const std::atomic<bool>* cancel) {
  UploadOutcome out;
  out.server = job.server;
  TransferCounters own_counters;
  if (counters == nullptr) counters = &own_counters;
  auto t0 = Clock::now();

  HttpClient http(job.transfer.connection, job.auth_headers);
  CvatApi api(job.server, &http);
  if (Status s = LogIn(job, api, &http); !s.ok()) {
    out.status = s;
    return out;
  }
  if (Status s = api.CheckServer(); !s.ok()) {
    out.status = s;
    return out;
  }

  // Scan: an archive stays one file; its members are scanned for its manifest.
  ScanOptions scan_options = job.scan;
  scan_options.hash = false;
  scan_options.expand_archive_sources = false;
  scan_options.cancel = cancel;
  Result<ScanResult> scanned = Scan(job.sources, scan_options);
  if (!scanned) {
    out.status = scanned.error();
    return out;
  }
  out.scan = std::make_shared<const ScanResult>(std::move(*scanned));
  const ScanResult* scan = out.scan.get();
  for (const ScanProblem& p : scan->problems) {
    if (!p.warning) out.scan_errors.push_back(p);
  }
  if (!out.scan_errors.empty()) {
    out.status = Status::InvalidArgument(
        std::to_string(out.scan_errors.size()) +
        " files cannot be read or probed; nothing was uploaded (fix or remove them)");
    return out;
  }
  for (const FileRecord& f : scan->files) {
    if (f.kind != MediaKind::kArchive) continue;
    ScanOptions member_options = scan_options;
    member_options.expand_archive_sources = true;
    Result<ScanResult> m = Scan(std::vector<std::string>{FilesystemPath(*scan, f)}, member_options);
    if (!m) {
      out.status = m.error();
      return out;
    }
    out.members = std::make_shared<const ScanResult>(std::move(*m));
    break;
  }

  // An existing task must be empty; its limits bound the plan.
  if (job.task_id) {
    Result<TaskInfo> task = api.GetTask(*job.task_id);
    if (!task) {
      out.status = task.error();
      return out;
    }
    if (task->size > 0) {
      out.status = Status::InvalidArgument("task " + std::to_string(task->id) +
                                           " already has data (" + std::to_string(task->size) +
                                           " frames): CVAT does not add data to a task");
      return out;
    }
    out.task_id = task->id;
    if (Result<ServerLimits> limits = api.DataLimits(*job.task_id)) {
      job.plan.max_file_size = limits->tus_max_size;
    }
  }

  if (!job.journal_path.empty()) {
    std::error_code ec;
    std::filesystem::path parent = std::filesystem::path(job.journal_path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  }
  if (job.manifest_mode == "auto") {
    // With a journal the manifest must outlive this process: it lives beside the journal.
    job.plan.generated_manifest_path = job.journal_path.empty()
                                           ? job.temp_dir + "/manifest.jsonl"
                                           : job.journal_path + ".manifest.jsonl";
  } else if (job.manifest_mode != "none") {
    job.plan.given_manifest = job.manifest_mode;
  }
  Result<UploadPlan> plan =
      PlanUpload(*scan, out.members.get(), job.plan, &out.refusals);
  if (!plan) {
    out.status = plan.error();
    return out;
  }
  out.plan = std::move(*plan);
  if (events.on_plan) events.on_plan(*out.plan);
  if (job.dry_run) return out;

  std::string task_body;
  if (!out.task_id) {
    Result<std::string> body = BuildTaskBody(job.task);
    if (!body) {
      out.status = body.error();
      return out;
    }
    task_body = *body;
  }
  std::string finish_body = BuildFinishBody(*out.plan, job.data);

  std::unique_ptr<Journal> journal;
  if (!job.journal_path.empty()) {
    JournalHeader h;
    h.server = job.server;
    h.key = UploadKey(job.server, job.sources,
                      out.task_id ? std::to_string(*out.task_id) : job.task.name);
    h.task_id = out.task_id.value_or(0);
    h.task_json = task_body;
    h.finish_json = finish_body;
    h.state = "planned";
    h.kind = static_cast<int>(out.plan->kind);
    h.frame_order = JoinLines(out.plan->frame_order);
    std::vector<JournalFile> files;
    files.reserve(out.plan->files.size());
    for (const PlannedFile& f : out.plan->files) {
      JournalFile jf;
      if (f.record == kGeneratedManifest) {
        jf.path = out.plan->manifest_path;
      } else {
        const FileRecord& r = scan->files[f.record];
        jf.path = std::filesystem::absolute(FilesystemPath(*scan, r)).string();
        jf.mtime_ns = r.mtime_ns;
      }
      if (f.record == kGeneratedManifest && !job.plan.given_manifest.empty()) {
        jf.path = std::filesystem::absolute(jf.path).string();
      }
      jf.name = std::string(f.name);
      jf.size = f.size;
      jf.route = f.route;
      jf.batch = f.batch;
      files.push_back(std::move(jf));
    }
    Result<std::unique_ptr<Journal>> created = Journal::Create(job.journal_path, h, files);
    if (!created) {
      out.status = created.error();
      return out;
    }
    journal = std::move(*created);
  }
  PlanFiles files(*scan, *out.plan);
  Execute(api, http, job, journal.get(), files, {}, task_body, finish_body, "", out, events,
          counters, cancel, t0);
  return out;
}

UploadOutcome ResumeUploadJob(const std::string& journal_path, UploadJob job,
                              const UploadEvents& events, TransferCounters* counters,
                              const std::atomic<bool>* cancel) {
  UploadOutcome out;
  TransferCounters own_counters;
  if (counters == nullptr) counters = &own_counters;
  auto t0 = Clock::now();
  Result<std::unique_ptr<Journal>> opened = Journal::Open(journal_path);
  if (!opened) {
    out.status = opened.error();
    return out;
  }
  Journal& journal = **opened;
  const JournalHeader& h = journal.header();
  if (!job.server.empty() && job.server != h.server) {
    out.status = Status::InvalidArgument("journal " + journal_path + " is for " + h.server +
                                         ", not " + job.server);
    return out;
  }
  job.server = h.server;
  out.server = h.server;
  Result<std::vector<JournalFile>> loaded = journal.Files();
  if (!loaded) {
    out.status = loaded.error();
    return out;
  }
  auto files = std::make_shared<const std::vector<JournalFile>>(std::move(*loaded));
  out.journal_files = files;
  if (h.task_id) out.task_id = h.task_id;

  // Sources must be what was planned.
  for (const JournalFile& f : *files) {
    if (f.state == JournalFileState::kDone) continue;
    struct stat st;
    if (::stat(f.path.c_str(), &st) != 0) {
      out.status = FromErrno("resume: " + f.path, errno);
      return out;
    }
    int64_t mtime = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    if (static_cast<uint64_t>(st.st_size) != f.size || (f.mtime_ns && mtime != f.mtime_ns)) {
      out.status = Status::InvalidArgument("resume: " + f.path +
                                           " changed since the upload was planned (size or "
                                           "modification time); restore it, or start a new "
                                           "upload");
      return out;
    }
  }

  // The plan, rebuilt from the journal.
  UploadPlan plan;
  plan.kind = static_cast<TaskKind>(h.kind);
  // The sorting method, for display: the data request holds it.
  if (size_t at = h.finish_json.find("\"sorting_method\":\""); at != std::string::npos) {
    size_t from = at + 18;
    plan.sorting_method = h.finish_json.substr(from, h.finish_json.find('"', from) - from);
  }
  plan.send_upload_file_order = h.finish_json.find("\"upload_file_order\"") != std::string::npos;
  std::vector<FileStart> start(files->size());
  for (uint32_t i = 0; i < files->size(); ++i) {
    const JournalFile& f = (*files)[i];
    PlannedFile pf;
    pf.record = i;
    pf.name = f.name;
    pf.size = f.size;
    pf.route = f.route;
    pf.batch = f.batch;
    plan.total_bytes += f.size;
    if (f.route == Route::kBatch) {
      if (plan.batches.size() <= f.batch) plan.batches.resize(f.batch + 1);
      plan.batches[f.batch].push_back(i);
    }
    plan.files.push_back(pf);
    switch (f.state) {
      case JournalFileState::kDone: start[i].kind = FileStart::Kind::kDone; break;
      case JournalFileState::kTusCreated:
        start[i].kind = FileStart::Kind::kTusAt;
        start[i].location = f.location;
        break;
      case JournalFileState::kBatchSending: start[i].kind = FileStart::Kind::kSettle; break;
      case JournalFileState::kPending: break;
    }
  }
  std::string_view order = journal.frame_order();
  while (!order.empty()) {
    size_t nl = order.find('\n');
    plan.frame_order.push_back(order.substr(0, nl));
    order = nl == std::string_view::npos ? std::string_view() : order.substr(nl + 1);
  }
  out.plan = std::move(plan);
  if (events.on_plan) events.on_plan(*out.plan);

  HttpClient http(job.transfer.connection, job.auth_headers);
  CvatApi api(job.server, &http);
  if (Status s = LogIn(job, api, &http); !s.ok()) {
    out.status = s;
    return out;
  }
  if (h.state == "done") {
    Result<TaskInfo> task = api.GetTask(h.task_id);
    if (!task) {
      out.status = task.error();
      return out;
    }
    out.task = *task;
    out.order = CheckFrameOrder(api, h.task_id, *out.plan);
    return out;
  }
  PathFiles source(*files);
  Execute(api, http, job, &journal, source, std::move(start), h.task_json, h.finish_json, h.rq_id,
          out, events, counters, cancel, t0);
  return out;
}

}  // namespace ingest::upload
