#include "upload/upload_job.h"

#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <unordered_set>

#include <simdjson.h>

#include "engine/cvat_version.h"
#include "engine/hasher.h"
#include "engine/media_kind.h"
#include "upload/plan_files.h"
#include "upload/sent_prefix.h"
#include "upload/cvat_api.h"
#include "upload/http_client.h"
#include "upload/unit_steps.h"
#include "upload/task_claim.h"

namespace ingest::upload {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

void CompleteTask(CvatApi& api, Journal* journal, const UploadJob& job,
                  const UploadEvents& events, const std::atomic<bool>* cancel, const TaskInfo& task,
                  UploadOutcome& out, Clock::time_point t0) {
  out.task = task;
  // Without a plan (files CVAT reads itself) the caller has checked the frames.
  if (out.plan) out.order = CheckFrameOrder(api, task.id, *out.plan);
  if (Status s = ImportOnArrival(api, journal, job.annotations, task.id, events.on_request,
                                 cancel, &out.notes, events.on_annotation_bytes);
      !s.ok()) {
    out.status = s;
  } else if (journal) {
    if (Status d = journal->SetState("done"); !d.ok()) out.status = d;
  }
  out.total_seconds = Since(t0);
}

namespace {

// A task this upload created before it was interrupted, between POST /api/tasks and the
// journal's record of the reply: the newest task with the planned name that has no data and
// was created after the journal (less a margin for the clocks of client and server).
Result<std::optional<TaskInfo>> FindInterruptedTask(CvatApi& api, const Journal& journal,
                                                    const std::string& task_body) {
  constexpr int64_t kClockMargin = 120;
  simdjson::dom::parser parser;
  std::string_view name;
  if (parser.parse(task_body).get_object()["name"].get(name) != simdjson::SUCCESS) {
    return Status::Corruption("journal " + journal.path() + ": the task request has no name");
  }
  INGEST_ASSIGN_OR_RETURN(std::vector<TaskInfo> tasks, api.FindTasks(std::string(name)));
  for (const TaskInfo& t : tasks) {  // newest first
    if (t.size == 0 && t.created_unix >= journal.header().created_unix - kClockMargin) {
      return std::optional<TaskInfo>(t);
    }
  }
  return std::optional<TaskInfo>();
}

// The server's Tus-Max-Size, learned from the task the run has just created (the plan
// assumed CVAT's default): when a planned file is over it, the task is deleted again and the
// run fails with each such file in out->refusals.
Status CheckNewTaskLimit(CvatApi& api, int64_t task_id, const UploadPlan& plan,
                         UploadOutcome* out) {
  Result<ServerLimits> limits = api.DataLimits(task_id);
  if (!limits) return Status();  // not answered: the default stands, as before the task
  const uint64_t max = limits->tus_max_size;
  std::vector<Refusal> over;
  for (const PlannedFile& f : plan.files) {
    if (f.size > max) {
      over.push_back({std::string(f.name), "larger than the server's limit of " +
                                               std::to_string(max) + " bytes (" +
                                               std::to_string(f.size) + " bytes)"});
    }
  }
  if (over.empty()) return Status();
  std::string what = std::to_string(over.size()) + (over.size() == 1 ? " file is" : " files are") +
                     " over the server's Tus-Max-Size of " + std::to_string(max) +
                     " bytes, learned from task " + std::to_string(task_id) + " just created";
  if (Status s = api.DeleteTask(task_id); s.ok()) {
    what += "; the task was deleted";
  } else {
    what += "; the task could not be deleted (" + s.message() + "): delete it";
  }
  out->refusals.insert(out->refusals.end(), over.begin(), over.end());
  return Status::InvalidArgument(what);
}

}  // namespace

bool AcquireTask(CvatApi& api, const UploadJob& job, Journal* journal,
                 const std::string& task_body, UploadOutcome& out, const UploadEvents& events,
                 const std::atomic<bool>* cancel) {
  auto fail = [&](Status s) {
    if (journal) journal->Flush().ok();
    out.status = std::move(s);
    return false;
  };
  // A run of many tasks creates them in plan order: this unit's turn starts here and ends
  // once its task is known (or the unit failed before that).
  struct Turn {
    const UploadEvents& events;
    bool held = false;
    explicit Turn(const UploadEvents& e) : events(e) {
      if (events.before_task) {
        events.before_task();
        held = true;
      }
    }
    void Release() {
      if (held && events.after_task) events.after_task();
      held = false;
    }
    ~Turn() { Release(); }
  } turn(events);
  const bool no_journal_state = !(journal && journal->header().state == "creating");
  if (!out.task_id && job.skip_existing && no_journal_state) {
    // A rerun without the journal: a task of this name with data is this unit, done; one
    // without data is used rather than duplicated. A shard (claim_tasks) claims the task
    // so that a twin cannot make it too (a task without data is then made again).
    Result<Claim> found = job.claim_tasks ? ClaimByName(api, job.task.name, cancel, &out.notes)
                                          : FindExistingTask(api, job.task.name);
    if (!found) return fail(found.error());
    if (found->done) {
      out.task_id = found->task.id;
      out.task = found->task;
      out.skipped = true;
      if (journal) {
        if (Status s = journal->SetTask(found->task.id); !s.ok()) return fail(s);
        if (Status s = journal->SetState("done"); !s.ok()) return fail(s);
      }
      return false;
    }
    if (found->task.id != 0) {
      out.task_id = found->task.id;
      if (journal) {
        if (Status s = journal->SetTask(*out.task_id); !s.ok()) return fail(s);
      }
      out.notes.push_back("task " + std::to_string(*out.task_id) + " '" + job.task.name +
                          "' exists without data: it is used");
    }
  }
  if (!out.task_id && journal && journal->header().state == "creating") {
    // The last run was stopped after sending POST /api/tasks: the task may exist.
    Result<std::optional<TaskInfo>> found = FindInterruptedTask(api, *journal, task_body);
    if (!found) return fail(found.error());
    if (*found) {
      out.task_id = (*found)->id;
      if (Status s = journal->SetTask((*found)->id); !s.ok()) return fail(s);
      out.notes.push_back("task " + std::to_string((*found)->id) +
                          " was created before the interruption: it is used");
    }
  }
  if (!out.task_id) {
    if (journal) {
      if (Status s = journal->SetState("creating"); !s.ok()) return fail(s);
    }
    Result<TaskInfo> task = api.CreateTask(task_body);
    if (!task) return fail(task.error());
    if (job.claim_tasks && job.skip_existing) {
      if (Status s = ConfirmCreated(api, job.task.name, task->id); !s.ok()) return fail(s);
    }
    if (out.plan) {
      if (Status s = CheckNewTaskLimit(api, task->id, *out.plan, &out); !s.ok()) return fail(s);
    }
    out.task_id = task->id;
    out.created_task = true;
    if (journal) {
      if (Status s = journal->SetTask(task->id); !s.ok()) return fail(s);
    }
    if (events.on_task_created) events.on_task_created(task->id);
  }
  return true;
}

void ExecuteTask(CvatApi& api, HttpClient& http, UploadJob& job, Journal* journal,
                 FileSource& files, std::vector<FileStart> start, const std::string& task_body,
                 const std::string& finish_body, std::string rq_id, UploadOutcome& out,
                 const UploadEvents& events, TransferCounters* counters,
                 const std::atomic<bool>* cancel, Clock::time_point t0) {
  auto fail = [&](Status s) {
    if (journal) journal->Flush().ok();
    out.status = std::move(s);
  };
  if (!AcquireTask(api, job, journal, task_body, out, events, cancel)) return;
  if (rq_id.empty() && journal && journal->header().state == "finishing") {
    // The last run was stopped after sending Upload-Finish (every file was on the server):
    // a task with data means the finish was accepted and the task is ready.
    Result<TaskInfo> task = api.GetTask(*out.task_id);
    if (!task) return fail(task.error());
    if (task->size > 0) return CompleteTask(api, journal, job, events, cancel, *task, out, t0);
  } else if (rq_id.empty()) {
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
    // Counters may be shared with other tasks of a run: what moved meanwhile may be theirs,
    // and then this task is taken to hold data (it is never deleted on a guess).
    const uint64_t files_before = counters->files_done.load();
    const uint64_t bytes_before = counters->bytes_done.load();
    Status sent = engine.Run(cancel);
    out.data_reached_task = counters->files_done.load() != files_before ||
                            counters->bytes_done.load() != bytes_before;
    out.upload_seconds = Since(t_upload);
    out.failures = engine.failures();
    out.notes.insert(out.notes.end(), engine.notes().begin(), engine.notes().end());
    if (journal && !sent.ok()) {
      RecordStopHashes(*journal, files, *out.plan, engine.partly_sent(), &out.notes);
    }
    if (journal) {
      Status flushed = journal->Flush();
      if (sent.ok() && !journal->error().ok()) sent = journal->error();
      if (sent.ok() && !flushed.ok()) sent = flushed;
    }
    if (!sent.ok()) return fail(sent);
    out.data_reached_task = true;
    if (journal) {
      if (Status s = journal->SetState("finishing"); !s.ok()) return fail(s);
    }
  }
  if (rq_id.empty()) {
    // The twin check once more before the point of no return: a server numbers tasks in
    // creation order but may list one later than a newer one (a twin's task committed after
    // ours), so the check right after creating can miss an older twin.
    if (out.created_task && job.claim_tasks && job.skip_existing) {
      if (Status s = ConfirmCreated(api, job.task.name, *out.task_id); !s.ok()) return fail(s);
    }
    Result<std::string> accepted = api.FinishUpload(*out.task_id, finish_body);
    if (!accepted) return fail(accepted.error());
    rq_id = *accepted;
    if (journal) {
      if (Status s = journal->SetRequest(rq_id); !s.ok()) return fail(s);
    }
  }
  if (events.on_finishing) events.on_finishing();
  Result<TaskInfo> task = WaitForTask(api, *out.task_id, rq_id, events.on_request, cancel);
  if (!task) return fail(task.error());
  CompleteTask(api, journal, job, events, cancel, *task, out, t0);
}

namespace {

// Quality control on the plan: honeypots take CVAT's own random order (no upload_file_order,
// no manifest: see RunUnit); manual validation frames must be frames of this task.
Status ApplyValidation(const ValidationParams& v, UploadPlan* plan, std::vector<std::string>* notes) {
  if (v.empty()) return Status();
  if (v.NeedsServerRandom()) {
    if (plan->kind != TaskKind::kImages) {
      return Status::InvalidArgument("--validation-mode gt_pool (honeypots) is for images only");
    }
    plan->sorting_method = "random";
    plan->send_upload_file_order = false;
    notes->push_back("honeypots (--validation-mode gt_pool): CVAT orders the frames itself "
                     "(sorting_method random) and gets no manifest (it refuses one with random "
                     "sorting), so it reads every image's size itself");
  }
  if (v.method == "manual") {
    if (plan->kind == TaskKind::kVideo) {
      return Status::InvalidArgument("--validation-frame-list names image files; a video has none");
    }
    std::unordered_set<std::string_view> names(plan->frame_order.begin(), plan->frame_order.end());
    for (const std::string& f : v.frames) {
      if (!names.count(f)) {
        return Status::InvalidArgument(
            "--validation-frame-list: '" + f + "' is not a frame of the task (frames are named "
            "as CVAT will hold them: base names, or paths inside a packed tree)");
      }
    }
  }
  return Status();
}

// The name of a packed task's zip: the task's name, with what is not a letter, a digit, '.',
// '-' or '_' made '_' (it names a file on the server), and ".zip".
std::string ZipNameFor(std::string_view task_name) {
  std::string name;
  for (char c : task_name.substr(0, 100)) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '-' || c == '_';
    name += keep ? c : '_';
  }
  if (name.empty() || name.front() == '.') name.insert(0, "images");
  return name + ".zip";
}

}  // namespace

Status ConnectToServer(UploadJob& job, CvatApi& api, HttpClient* http,
                       std::vector<std::string>* notes) {
  if (job.login) {
    INGEST_ASSIGN_OR_RETURN(std::vector<std::string> headers,
                            SessionHeaders(api, job.login->first, job.login->second, job.org));
    *http = HttpClient(job.transfer.connection, headers);
  }
  INGEST_RETURN_IF_ERROR(api.CheckServer());
  // CVAT before 2.4.6 ignores upload_file_order and refuses a manifest with predefined
  // sorting: the client could not make the server's frame order its own.
  std::optional<CvatVersion> v = ParseCvatVersion(api.server_version());
  if (v && *v < kCvatOldestSupported) {
    return Status::InvalidArgument(
        "the server is CVAT " + api.server_version() + "; cvat-ingest needs CVAT " +
        kCvatOldestSupported.ToString() +
        " or later (the first with the data request's upload_file_order, which fixes the "
        "frame order); nothing was uploaded");
  }
  if (!job.task.assignee_name.empty() && !job.task_id) {
    INGEST_ASSIGN_OR_RETURN(int64_t id, api.FindUserId(job.task.assignee_name));
    job.task.assignee_id = id;
    if (job.dry_run && notes) {
      notes->push_back("--assignee " + job.task.assignee_name + " is user " + std::to_string(id) +
                       " (assignee_id of the new task)");
    }
  }
  if (job.annotations) {
    // Before anything is sent: a format the server does not import, or a missing file.
    INGEST_RETURN_IF_ERROR(CheckImportFormat(api, job.annotations->format));
    if (!IsAnnotationTemplate(job.annotations->path)) {
      INGEST_RETURN_IF_ERROR(CheckAnnotationFile(job.annotations->path).status());
    }
  }
  if (!job.dry_run) return Status();  // a real run meets bad credentials at its first request
  // A dry run sends nothing else that needs them: it checks the credentials and the project
  // (the task of --task is read for its limits anyway).
  INGEST_RETURN_IF_ERROR(api.CheckCredentials());
  if (job.task.project_id && !job.task_id) {
    INGEST_RETURN_IF_ERROR(api.CheckProject(*job.task.project_id));
  }
  return Status();
}

Result<std::shared_ptr<const ScanResult>> ScanForUpload(const UploadJob& job,
                                                        const std::atomic<bool>* cancel,
                                                        UploadOutcome* out) {
  ScanOptions options = job.scan;
  // With a journal, files small enough to go in batches are hashed now (the probe reads most
  // of them anyway), so a resume can tell a touched file from a changed one.
  options.hash = !job.journal_path.empty() || job.hash_small_files;
  options.hash_max_size = job.plan.tus_threshold > 0 ? job.plan.tus_threshold - 1 : 0;
  options.expand_archive_sources = job.extract;
  options.cancel = cancel;
  INGEST_ASSIGN_OR_RETURN(ScanResult scanned, Scan(job.sources, options));
  auto scan = std::make_shared<const ScanResult>(std::move(scanned));
  for (const ScanProblem& p : scan->problems) {
    if (!p.warning) out->scan_errors.push_back(p);
  }
  out->scan = scan;
  if (!out->scan_errors.empty() && !job.skip_bad) {
    const size_t n = out->scan_errors.size();
    return Status::InvalidArgument(std::to_string(n) + (n == 1 ? " file cannot" : " files cannot") +
                                   " be read or probed; nothing was uploaded (fix or remove " +
                                   (n == 1 ? "it" : "them") + ", or leave " +
                                   (n == 1 ? "it" : "them") + " out with --skip-bad)");
  }
  return scan;
}

Status ApplyServerLimits(CvatApi& api, UploadJob* job, UploadOutcome* out) {
  if (job->task_id) {
    // An existing task must be empty; its limits bound the plan.
    INGEST_ASSIGN_OR_RETURN(TaskInfo task, api.GetTask(*job->task_id));
    if (task.size > 0) {
      return Status::InvalidArgument("task " + std::to_string(task.id) + " already has data (" +
                                     std::to_string(task.size) +
                                     " frames): CVAT does not add data to a task");
    }
    out->task_id = task.id;
    if (Result<ServerLimits> limits = api.DataLimits(*job->task_id)) {
      job->plan.max_file_size = limits->tus_max_size;
    }
  }
  // Else CVAT's default Tus-Max-Size (25 GiB) is assumed until the run's own task exists
  // (CheckNewTaskLimit): no other task is asked.
  return Status();
}

namespace {

// --verify on an archive that goes up whole: a member the decoders reject cannot be left out
// (the archive is sent as it is), so the upload is refused, the members listed.
Status RefuseUndecodableMembers(const UploadJob& job, const std::string& archive,
                                UploadOutcome* out) {
  if (!job.scan.verify_pixels) return Status();
  size_t bad = 0;
  for (const ScanProblem& p : out->members->problems) {
    if (p.warning) continue;
    out->scan_errors.push_back(p);
    ++bad;
  }
  if (bad == 0) return Status();
  return Status::InvalidArgument(
      std::to_string(bad) + (bad == 1 ? " member of " : " members of ") + archive +
      " cannot be read or decoded, and the archive goes up whole, so none can be left out: "
      "fix the archive, or send its images as files with --extract (and --skip-bad)");
}

}  // namespace

void RunUnit(CvatApi& api, HttpClient& http, UploadJob job, std::shared_ptr<const ScanResult> scan_ptr,
             UploadOutcome& out, const UploadEvents& events, TransferCounters* counters,
             const std::atomic<bool>* cancel, Clock::time_point t0) {
  out.scan = scan_ptr;
  const ScanResult* scan = scan_ptr.get();
  // An archive goes up whole with a manifest of its members: scan them.
  for (const FileRecord& f : scan->files) {
    if (f.kind != MediaKind::kArchive || job.extract) continue;
    ScanOptions member_options = job.scan;
    member_options.selection = nullptr;  // the archive goes up whole: all its members
    member_options.hash = !job.journal_path.empty();
    member_options.hash_max_size = job.plan.tus_threshold > 0 ? job.plan.tus_threshold - 1 : 0;
    member_options.expand_archive_sources = true;
    member_options.cancel = cancel;
    Result<ScanResult> m = Scan(std::vector<std::string>{FilesystemPath(*scan, f)}, member_options);
    if (!m) {
      out.status = m.error();
      return;
    }
    out.members = std::make_shared<const ScanResult>(std::move(*m));
    if (Status bad = RefuseUndecodableMembers(job, FilesystemPath(*scan, f), &out); !bad.ok()) {
      out.status = bad;
      return;
    }
    break;
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
  job.plan.zip_name = ZipNameFor(job.task.name);
  const bool server_random = job.data.validation.NeedsServerRandom();
  if (server_random) {
    // Honeypots: CVAT shuffles the frames itself, and refuses a manifest with random sorting.
    if (!job.plan.given_manifest.empty()) {
      out.status = Status::InvalidArgument(
          "--manifest FILE cannot go with --validation-mode gt_pool: honeypots need CVAT's own "
          "random sorting, and CVAT refuses a manifest with it");
      return;
    }
    job.plan.generated_manifest_path.clear();
    job.plan.pack = PackMode::kNone;
  }
  Result<UploadPlan> plan = PlanUpload(*scan, out.members.get(), job.plan, &out.refusals);
  if (!plan) {
    out.status = plan.error();
    return;
  }
  out.plan = std::move(*plan);
  if (Status s = ApplyValidation(job.data.validation, &*out.plan, &out.notes); !s.ok()) {
    out.status = s;
    return;
  }
  if (events.on_plan) events.on_plan(*out.plan);
  if (job.dry_run) return;

  std::string task_body;
  if (!out.task_id) {
    Result<std::string> body = BuildTaskBody(job.task);
    if (!body) {
      out.status = body.error();
      return;
    }
    task_body = *body;
  }
  std::string finish_body = BuildFinishBody(*out.plan, job.data);
  std::unique_ptr<Journal> journal;
  if (!job.journal_path.empty()) {
    Result<std::unique_ptr<Journal>> created =
        CreateJournal(job, *scan, *out.plan, out.task_id, task_body, &finish_body);
    if (!created) {
      out.status = created.error();
      return;
    }
    journal = std::move(*created);
    if (job.annotations) {
      if (Status s = RecordAnnotations(*journal, *job.annotations); !s.ok()) {
        out.status = s;
        return;
      }
    }
  }
  Journal* j = journal.get();
  PlanFiles files(*scan, *out.plan, j ? std::function<void(size_t, uint32_t)>(
                                          [j](size_t i, uint32_t crc) { j->OnZipCrc(i, crc); })
                                    : nullptr);
  ExecuteTask(api, http, job, journal.get(), files, {}, task_body, finish_body, "", out, events,
          counters, cancel, t0);
  journal.reset();  // closed before it may be set aside
  DropEmptyTask(api, job.journal_path, out);
}

void DropEmptyTask(CvatApi& api, const std::string& journal_path, UploadOutcome& out) {
  if (out.status.ok() || out.status.code() == Status::Code::kCancelled || !out.created_task ||
      out.data_reached_task || !out.task_id) {
    return;
  }
  const std::string id = std::to_string(*out.task_id);
  std::string what = out.status.message();
  if (Status s = api.DeleteTask(*out.task_id); s.ok()) {
    what += "; task " + id + ", created by this run, got no data and was deleted";
    if (!journal_path.empty()) RetireJournal(journal_path, ".failed");
    out.task_id.reset();
  } else {
    what += "; task " + id + ", created by this run, got no data but could not be deleted (" +
            s.message() + "): delete it in CVAT";
  }
  out.status = Status::Remote(what);
}

void RetireJournal(const std::string& path, const std::string& suffix) {
  std::error_code ec;
  for (const char* part : {"-wal", "-shm", ".manifest.jsonl", ""}) {
    std::filesystem::rename(path + part, path + suffix + part, ec);
  }
}

UploadOutcome RunUploadJob(UploadJob job, const UploadEvents& events, TransferCounters* counters,
                           const std::atomic<bool>* cancel) {
  UploadOutcome out;
  out.server = job.server;
  TransferCounters own_counters;
  if (counters == nullptr) counters = &own_counters;
  auto t0 = Clock::now();
  HttpClient http(job.transfer.connection, job.auth_headers);
  CvatApi api(job.server, &http);
  if (Status s = ConnectToServer(job, api, &http, &out.notes); !s.ok()) {
    out.status = s;
    return out;
  }
  if (job.annotations) {  // one task: the path is a file (absolute in the journal)
    Result<std::string> path = CheckAnnotationFile(job.annotations->path);
    if (!path) {
      out.status = path.error();
      return out;
    }
    job.annotations->path = *path;
  }
  Result<std::shared_ptr<const ScanResult>> scan = ScanForUpload(job, cancel, &out);
  if (!scan) {
    out.status = scan.error();
    return out;
  }
  if (Status s = ApplyServerLimits(api, &job, &out); !s.ok()) {
    out.status = s;
    return out;
  }
  RunUnit(api, http, std::move(job), *scan, out, events, counters, cancel, t0);
  return out;
}

}  // namespace ingest::upload
