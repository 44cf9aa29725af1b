#include "upload/upload_job.h"

#include <chrono>
#include <filesystem>
#include <unordered_set>

#include "engine/cvat_version.h"
#include "engine/media_kind.h"
#include "upload/cvat_api.h"
#include "upload/http_client.h"
#include "upload/plan_files.h"
#include "upload/unit_steps.h"

namespace ingest::upload {
namespace {

// Quality control on the plan: honeypots take CVAT's own random order (no upload_file_order,
// no manifest: see RunUnit); manual validation frames must be frames of this task.
Status ApplyValidation(const ValidationParams& v, UploadPlan* plan,
                       std::vector<std::string>* notes) {
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

void RunUnit(CvatApi& api, HttpClient& http, UploadJob job,
             std::shared_ptr<const ScanResult> scan_ptr, UploadOutcome& out,
             const UploadEvents& events, TransferCounters* counters,
             const std::atomic<bool>* cancel, std::chrono::steady_clock::time_point t0) {
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
  auto t0 = std::chrono::steady_clock::now();
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
