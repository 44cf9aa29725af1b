#include "upload/upload_job.h"

#include <fcntl.h>

#include <chrono>

#include "upload/cvat_api.h"
#include "upload/http_client.h"

namespace ingest::upload {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

class PlanFiles final : public FileSource {
 public:
  PlanFiles(const ScanResult& scan, const UploadPlan& plan) : scan_(scan), plan_(plan) {}
  Result<UniqueFd> Open(const PlannedFile& f) override {
    std::string path = f.record == kGeneratedManifest ? plan_.manifest_path
                                                      : FilesystemPath(scan_, scan_.files[f.record]);
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return FromErrno("open " + path, errno);
    return fd;
  }

 private:
  const ScanResult& scan_;
  const UploadPlan& plan_;
};

}  // namespace

UploadOutcome RunUploadJob(UploadJob job, const UploadEvents& events, TransferCounters* counters,
                           const std::atomic<bool>* cancel) {
  UploadOutcome out;
  TransferCounters own_counters;
  if (counters == nullptr) counters = &own_counters;
  auto t0 = Clock::now();

  HttpClient http(job.transfer.connection, job.auth_headers);
  CvatApi api(job.server, &http);
  if (job.login) {
    Result<std::string> key = api.Login(job.login->first, job.login->second);
    if (!key) {
      out.status = key.error();
      return out;
    }
    std::vector<std::string> headers = {"Authorization: Token " + *key};
    if (!job.org.empty()) headers.push_back("X-Organization: " + job.org);
    http = HttpClient(job.transfer.connection, headers);
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

  if (job.manifest_mode == "auto") {
    job.plan.generated_manifest_path = job.temp_dir + "/manifest.jsonl";
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

  if (!out.task_id) {
    Result<std::string> body = BuildTaskBody(job.task);
    if (!body) {
      out.status = body.error();
      return out;
    }
    Result<TaskInfo> task = api.CreateTask(*body);
    if (!task) {
      out.status = task.error();
      return out;
    }
    out.task_id = task->id;
    if (events.on_task_created) events.on_task_created(task->id);
  }
  if (Status s = api.StartUpload(*out.task_id); !s.ok()) {
    out.status = s;
    return out;
  }

  job.transfer.data_url = api.DataUrl(*out.task_id);
  job.transfer.origin = api.Origin();
  job.transfer.headers = http.common_headers();
  job.transfer.image_quality = job.data.image_quality;
  PlanFiles files(*scan, *out.plan);
  TransferEngine engine(job.transfer, *out.plan, &files, nullptr, counters);
  if (events.on_transfer_start) events.on_transfer_start();
  auto t_upload = Clock::now();
  Status sent = engine.Run(cancel);
  out.upload_seconds = Since(t_upload);
  out.failures = engine.failures();
  out.notes = engine.notes();
  if (!sent.ok()) {
    out.status = sent;
    return out;
  }

  Result<std::string> rq_id = api.FinishUpload(*out.task_id, BuildFinishBody(*out.plan, job.data));
  if (!rq_id) {
    out.status = rq_id.error();
    return out;
  }
  Result<TaskInfo> task = WaitForTask(api, *out.task_id, *rq_id, events.on_request, cancel);
  if (!task) {
    out.status = task.error();
    return out;
  }
  out.task = *task;
  out.order = CheckFrameOrder(api, *out.task_id, *out.plan);
  out.total_seconds = Since(t0);
  return out;
}

}  // namespace ingest::upload
