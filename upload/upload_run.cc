#include "upload/upload_run.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "upload/cvat_api.h"
#include "upload/http_client.h"
#include "upload/journal.h"
#include "upload/plan_check.h"
#include "upload/task_claim.h"
#include "upload/transfer_hub.h"
#include "upload/unit_steps.h"
#include "upload/unit_pool.h"
#include "upload/uploader.h"

namespace ingest::upload {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// The state the workers share.
struct Run {
  UploadJob& job;
  const RunOptions& options;
  TransferCounters* counters;
  const std::atomic<bool>* cancel;
  std::shared_ptr<const ScanResult> scan;
  std::vector<TaskUnit> units;
  std::vector<UnitReport> reports;
  bool check_files = false;  // a planned run: units' files are checked against the plan
  std::vector<std::string> annotation_paths;  // --annotations of each unit (none: empty)
  std::string journal_dir;
  TransferHub* hub = nullptr;  // the run's transfer thread, shared by the units
  CreationTurns turns;
  RunReporter reporter;

  Run(UploadJob& j, const RunOptions& o, const RunEvents& e, TransferCounters* c,
      const std::atomic<bool>* x, std::shared_ptr<const ScanResult> s, std::vector<TaskUnit> u)
      : job(j), options(o), counters(c), cancel(x), scan(std::move(s)), units(std::move(u)),
        reports(units.size()), turns(units.size()), reporter(e, j.dry_run) {}

  void RunOne(size_t index, CvatApi& api, HttpClient& http);
  UploadJob UnitJob(size_t index) const;
  UploadEvents UnitEvents(size_t index, UnitReport& r, bool* finishing);
  void Changed(CvatApi& api, const UploadJob& uj, Status why, UploadOutcome& out);
};

UploadJob Run::UnitJob(size_t index) const {
  const TaskUnit& unit = units[index];
  UploadJob uj = job;
  uj.task.name = unit.name;
  uj.transfer.hub = hub;
  if (uj.annotations && index < annotation_paths.size()) {
    uj.annotations->path = annotation_paths[index];
  }
  if (unit.ordered) uj.plan.sorting = SortingMethod::kPredefined;
  if (unit.packed) uj.plan.pack = PackMode::kZip;
  uj.journal_path = UnitJournalPath(journal_dir, job, unit.name);
  uj.temp_dir = job.temp_dir + "/" + std::to_string(index + 1);
  std::error_code ec;
  std::filesystem::create_directories(uj.temp_dir, ec);
  return uj;
}

// The one-task events of unit `index`, turned into the run's: creation turns, milestones,
// the count of tasks the server is building (`finishing` records that this one is).
UploadEvents Run::UnitEvents(size_t index, UnitReport& r, bool* finishing) {
  UploadEvents ev = UnitTurnEvents(turns, reporter, index, r, finishing, cancel);
  ev.on_transfer_start = [this, &r] { reporter.Emit(r, "uploading"); };
  return ev;
}

// A planned unit whose files changed since the plan: it cannot be sent as planned, so it
// fails, unless (skip_existing) its task exists with data already: then it is done.
void Run::Changed(CvatApi& api, const UploadJob& uj, Status why, UploadOutcome& out) {
  if (uj.skip_existing) {
    Result<Claim> found = FindExistingTask(api, uj.task.name);
    if (!found) {
      out.status = found.error();
      return;
    }
    if (found->done) {
      out.task_id = found->task.id;
      out.task = found->task;
      out.skipped = true;
      return;
    }
  }
  out.status = std::move(why);
}

void Run::RunOne(size_t index, CvatApi& api, HttpClient& http) {
  const TaskUnit& unit = units[index];
  UnitReport& r = reports[index];
  auto t0 = Clock::now();
  UploadJob uj = UnitJob(index);
  bool finishing = false;
  UploadEvents ev = UnitEvents(index, r, &finishing);
  UploadOutcome out;
  out.server = job.server;
  EarlierRun earlier = CheckEarlierRun(api, uj.journal_path, out);
  if (earlier == EarlierRun::kUnfinished) {
    uj.task_id.reset();
    out = ResumeUploadJob(uj.journal_path, uj, ev, counters, cancel);
  } else if (earlier != EarlierRun::kFinished) {  // none, or its task is gone: afresh
    if (job.task_id) out.task_id = job.task_id;
    Status same = check_files ? CheckPlannedFiles(*scan, unit.records) : Status();
    if (!same.ok()) {
      Changed(api, uj, std::move(same), out);
    } else {
      auto sub = std::make_shared<const ScanResult>(SubScan(*scan, unit.records));
      RunUnit(api, http, uj, std::move(sub), out, ev, counters, cancel, t0);
    }
  }
  turns.Pass(index);
  r.seconds = Since(t0);
  SettleUnit(api, uj.journal_path, out, r);
  reporter.End(r, out, finishing);
}

// The common end of a run, once the units are known: the units' events, the server's limits,
// then K workers over the units.
RunOutcome RunUnits(UploadJob job, const RunOptions& options, const RunEvents& events,
                    TransferCounters* counters, const std::atomic<bool>* cancel, CvatApi& api,
                    HttpClient& http, RunOutcome result, std::shared_ptr<const ScanResult> scan,
                    std::vector<TaskUnit> units, std::vector<size_t> plan_index, bool check_files,
                    UploadOutcome& prep, Clock::time_point t0) {
  for (const TaskUnit& u : units) {
    result.total_bytes += u.bytes;
    result.total_files += u.records.size();
  }
  std::vector<std::string> annotation_paths;
  if (job.annotations) {  // every unit's file, before any task is made
    Result<std::vector<std::string>> paths = UnitAnnotationPaths(job.annotations->path, units);
    if (!paths) {
      result.status = paths.error();
      result.seconds = Since(t0);
      return result;
    }
    annotation_paths = std::move(*paths);
  }
  if (events.on_units) events.on_units(units, annotation_paths);
  if (Status s = ApplyServerLimits(api, &job, &prep); !s.ok()) {
    result.status = s;
    result.seconds = Since(t0);
    return result;
  }
  Run run(job, options, events, counters, cancel, std::move(scan), std::move(units));
  run.annotation_paths = std::move(annotation_paths);
  run.check_files = check_files;
  if (!job.journal_path.empty()) run.journal_dir = RunJournalDir(job.journal_path);
  for (size_t i = 0; i < run.units.size(); ++i) {
    run.reports[i].index = i < plan_index.size() ? plan_index[i] : i;
    run.reports[i].name = run.units[i].name;
    run.reports[i].bytes = run.units[i].bytes;
    run.reports[i].files = run.units[i].records.size();
  }
  const int k = job.dry_run ? 1 : options.parallel_tasks;
  // One transfer thread and one set of connections for the whole run: the tasks uploading
  // share them, the earliest first (a task the server is building holds none).
  TransferHub hub(job.transfer.connections);
  run.hub = &hub;
  RunOnWorkers(job, http.common_headers(), run.units.size(), k, cancel,
               [&run](size_t index, CvatApi& unit_api, HttpClient& unit_http) {
                 run.RunOne(index, unit_api, unit_http);
               });
  result.units = std::move(run.reports);
  result.cancelled = cancel && cancel->load();
  if (result.cancelled) result.status = Status::Cancelled("interrupted");
  result.seconds = Since(t0);
  return result;
}

}  // namespace

std::string RunJournalDir(const std::string& journal_path) {
  std::string dir = journal_path;
  if (dir.ends_with(".journal")) dir.resize(dir.size() - 8);
  return dir + ".run";
}

RunOutcome RunUploadRun(UploadJob job, const RunOptions& options, const RunEvents& events,
                        TransferCounters* counters, const std::atomic<bool>* cancel) {
  RunOutcome result;
  auto t0 = Clock::now();
  TransferCounters own_counters;
  if (counters == nullptr) counters = &own_counters;
  HttpClient http(job.transfer.connection, job.auth_headers);
  CvatApi api(job.server, &http);
  UploadOutcome prep;
  auto fail = [&](Status s) {
    result.status = std::move(s);
    result.scan_errors = std::move(prep.scan_errors);
    result.seconds = Since(t0);
    return result;
  };
  if (Status s = ConnectToServer(job, api, &http); !s.ok()) return fail(s);
  Result<std::shared_ptr<const ScanResult>> scan = ScanForUpload(job, cancel, &prep);
  if (!scan) return fail(scan.error());
  result.scan_errors = prep.scan_errors;  // left out by --skip-bad
  UnitOptions unit_options = options.units;
  unit_options.name_template = job.task.name;
  unit_options.sorting = job.plan.sorting;
  unit_options.seed = job.plan.seed;
  unit_options.pack = job.plan.pack;
  Result<std::vector<TaskUnit>> units = GroupIntoUnits(**scan, unit_options);
  if (!units) return fail(units.error());
  if (job.task_id && units->size() > 1) {
    return fail(Status::InvalidArgument(
        "--task " + std::to_string(*job.task_id) + " names one task, but the run has " +
        std::to_string(units->size()) + " units: use --create TEMPLATE for a run of many"));
  }
  return RunUnits(std::move(job), options, events, counters, cancel, api, http, std::move(result),
                  std::move(*scan), std::move(*units), {}, false, prep, t0);
}

RunOutcome RunPlannedUnits(UploadJob job, const RunOptions& options, const RunEvents& events,
                           std::shared_ptr<const ScanResult> scan, std::vector<TaskUnit> units,
                           std::vector<size_t> plan_index, TransferCounters* counters,
                           const std::atomic<bool>* cancel) {
  RunOutcome result;
  auto t0 = Clock::now();
  TransferCounters own_counters;
  if (counters == nullptr) counters = &own_counters;
  HttpClient http(job.transfer.connection, job.auth_headers);
  CvatApi api(job.server, &http);
  UploadOutcome prep;
  if (Status s = ConnectToServer(job, api, &http); !s.ok()) {
    result.status = s;
    result.seconds = Since(t0);
    return result;
  }
  return RunUnits(std::move(job), options, events, counters, cancel, api, http, std::move(result),
                  std::move(scan), std::move(units), std::move(plan_index), true, prep, t0);
}

}  // namespace ingest::upload
