#include "upload/upload_run.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "upload/cvat_api.h"
#include "upload/http_client.h"
#include "upload/journal.h"
#include "upload/plan_check.h"
#include "upload/transfer_hub.h"
#include "upload/unit_steps.h"
#include "upload/uploader.h"

namespace ingest::upload {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Units create their tasks in plan order: unit i may look for or create its task once every
// unit before it has passed that point (or ended). Workers take units in increasing order,
// so the unit a waiter waits for is always being worked on.
class CreationTurns {
 public:
  explicit CreationTurns(size_t units) : passed_(units, false) {}

  // Blocks until every unit before `index` passed; returns early when `cancel` is set.
  void Wait(size_t index, const std::atomic<bool>* cancel) {
    std::unique_lock<std::mutex> lock(mu_);
    while (next_ < index && !(cancel && cancel->load())) {
      cv_.wait_for(lock, std::chrono::milliseconds(100));
    }
  }
  // Unit `index` is past its creation point. Idempotent.
  void Pass(size_t index) {
    std::lock_guard<std::mutex> lock(mu_);
    passed_[index] = true;
    while (next_ < passed_.size() && passed_[next_]) ++next_;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<bool> passed_;  // GUARDED_BY(mu_)
  size_t next_ = 0;           // GUARDED_BY(mu_): the first unit not passed
};

// The state the workers share.
struct Run {
  UploadJob& job;
  const RunOptions& options;
  const RunEvents& events;
  TransferCounters* counters;
  const std::atomic<bool>* cancel;
  std::shared_ptr<const ScanResult> scan;
  std::vector<TaskUnit> units;
  std::vector<UnitReport> reports;
  bool check_files = false;  // a planned run: units' files are checked against the plan
  std::vector<std::string> annotation_paths;  // --annotations of each unit (none: empty)
  std::string journal_dir;
  std::vector<std::string> headers;  // after a login: the session's
  TransferHub* hub = nullptr;  // the run's transfer thread, shared by the units
  CreationTurns turns;
  std::atomic<size_t> next_unit{0};
  std::mutex events_mu;
  size_t building = 0;  // GUARDED_BY(events_mu)
  size_t finished = 0;  // GUARDED_BY(events_mu)

  Run(UploadJob& j, const RunOptions& o, const RunEvents& e, TransferCounters* c,
      const std::atomic<bool>* x, std::shared_ptr<const ScanResult> s, std::vector<TaskUnit> u)
      : job(j), options(o), events(e), counters(c), cancel(x), scan(std::move(s)),
        units(std::move(u)), reports(units.size()), turns(units.size()) {}

  void Emit(const UnitReport& r, std::string_view event, int building_delta = 0) {
    std::lock_guard<std::mutex> lock(events_mu);
    building += building_delta;
    if (events.on_task) events.on_task(r, event);
    if (building_delta != 0 && events.on_phase) events.on_phase(building, finished);
  }
  void Work();
  void RunOne(size_t index, CvatApi& api, HttpClient& http);
  UploadJob UnitJob(size_t index) const;
  UploadEvents UnitEvents(size_t index, UnitReport& r, bool* finishing);
  bool FromJournal(UploadJob& uj, CvatApi& api, const UploadEvents& ev, UploadOutcome& out);
  void Changed(CvatApi& api, const UploadJob& uj, Status why, UploadOutcome& out);
  void End(const UnitReport& r, const UploadOutcome& out, bool finishing);
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
  if (!journal_dir.empty()) {
    uj.journal_path = journal_dir + "/" + UploadKey(job.server, job.sources, unit.name) + ".journal";
  }
  uj.temp_dir = job.temp_dir + "/" + std::to_string(index + 1);
  std::error_code ec;
  std::filesystem::create_directories(uj.temp_dir, ec);
  return uj;
}

// The server could not build the unit's task: the task will never get data, so it is deleted
// and the unit's journal set aside, and a rerun makes the unit again from the start.
Status Retire(CvatApi& api, const UploadJob& uj, int64_t task_id, const Status& why) {
  std::string what = why.message();
  if (Status s = api.DeleteTask(task_id); s.ok()) {
    what += "; task " + std::to_string(task_id) + " was deleted, so a rerun makes it again";
  } else {
    what += "; task " + std::to_string(task_id) + " could not be deleted (" + s.message() +
            "): delete it before a rerun";
  }
  if (!uj.journal_path.empty()) RetireJournal(uj.journal_path, ".failed");
  return Status::Remote(what);
}

// The one-task events of unit `index`, turned into the run's: creation turns, milestones,
// the count of tasks the server is building (`finishing` records that this one is).
UploadEvents Run::UnitEvents(size_t index, UnitReport& r, bool* finishing) {
  UploadEvents ev;
  ev.before_task = [this, index] { turns.Wait(index, cancel); };
  ev.after_task = [this, index] { turns.Pass(index); };
  ev.on_task_created = [this, &r](int64_t id) {
    r.task_id = id;
    Emit(r, "created");
  };
  ev.on_transfer_start = [this, &r] { Emit(r, "uploading"); };
  ev.on_annotation_bytes = [this, &r](uint64_t done, uint64_t total) {
    std::lock_guard<std::mutex> lock(events_mu);
    if (events.on_annotation_bytes) events.on_annotation_bytes(r, done, total);
  };
  ev.on_finishing = [this, &r, finishing] {
    *finishing = true;
    Emit(r, "finishing", +1);
  };
  return ev;
}

// A unit whose journal exists: done by an earlier run (skipped, after a look at its task),
// or interrupted (resumed from the journal). Returns false when the unit must be planned and
// sent afresh: its journal's task is gone from the server.
bool Run::FromJournal(UploadJob& uj, CvatApi& api, const UploadEvents& ev, UploadOutcome& out) {
  int64_t done_task = 0;
  if (Result<std::unique_ptr<Journal>> j = Journal::Open(uj.journal_path);
      j && (*j)->header().state == "done") {
    done_task = (*j)->header().task_id;
  }
  if (done_task == 0) {
    uj.task_id.reset();
    out = ResumeUploadJob(uj.journal_path, uj, ev, counters, cancel);
    return true;
  }
  Result<TaskInfo> task = api.GetTask(done_task);
  if (task && task->size > 0) {
    out.task_id = done_task;
    out.task = *task;
    out.skipped = true;  // done by an earlier run: nothing to do
    return true;
  }
  if (!task && task.error().code() != Status::Code::kNotFound) {
    out.status = task.error();
    return true;
  }
  // The task was deleted on the server (or lost its data): the unit starts again.
  RetireJournal(uj.journal_path, ".gone");
  out.notes.push_back("task " + std::to_string(done_task) +
                      " of an earlier run is gone from the server: the task is made again");
  return false;
}

// A planned unit whose files changed since the plan: it cannot be sent as planned, so it
// fails, unless (skip_existing) its task exists with data already: then it is done.
void Run::Changed(CvatApi& api, const UploadJob& uj, Status why, UploadOutcome& out) {
  if (uj.skip_existing) {
    Result<std::vector<TaskInfo>> tasks = api.FindTasks(uj.task.name);
    if (!tasks) {
      out.status = tasks.error();
      return;
    }
    for (const TaskInfo& t : *tasks) {
      if (t.size == 0) continue;
      out.task_id = t.id;
      out.task = t;
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
  bool journaled = !uj.journal_path.empty() && ::access(uj.journal_path.c_str(), F_OK) == 0;
  if (!journaled || !FromJournal(uj, api, ev, out)) {
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
  if (out.task_id) r.task_id = *out.task_id;
  r.frames = out.task.size;
  if (out.status.ok()) {
    r.state = out.skipped ? UnitReport::State::kSkipped : UnitReport::State::kDone;
    r.order_ok = out.order.ok();
  } else if (out.status.code() == Status::Code::kCancelled) {
    r.state = UnitReport::State::kInterrupted;
  } else {
    r.state = UnitReport::State::kFailed;
    r.error = out.status;
    if (IsBuildFailure(out.status) && r.task_id != 0) r.error = Retire(api, uj, r.task_id, r.error);
  }
  End(r, out, finishing);
}

// Reports a unit's end: its last milestone, its outcome, the phase counts.
void Run::End(const UnitReport& r, const UploadOutcome& out, bool finishing) {
  std::lock_guard<std::mutex> lock(events_mu);
  if (finishing) --building;
  ++finished;
  const char* event = r.state == UnitReport::State::kFailed        ? "failed"
                      : r.state == UnitReport::State::kSkipped     ? "skipped"
                      : r.state == UnitReport::State::kInterrupted ? "interrupted"
                                                                   : "ready";
  if (!job.dry_run && events.on_task) events.on_task(r, event);
  if (events.on_unit_end) events.on_unit_end(r, out);
  if (events.on_phase) events.on_phase(building, finished);
}

void Run::Work() {
  HttpClient http(job.transfer.connection, headers);
  CvatApi api(job.server, &http);
  for (;;) {
    if (cancel && cancel->load()) return;
    size_t index = next_unit.fetch_add(1);
    if (index >= units.size()) return;
    RunOne(index, api, http);
  }
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
  run.headers = http.common_headers();
  for (size_t i = 0; i < run.units.size(); ++i) {
    run.reports[i].index = i < plan_index.size() ? plan_index[i] : i;
    run.reports[i].name = run.units[i].name;
    run.reports[i].bytes = run.units[i].bytes;
    run.reports[i].files = run.units[i].records.size();
  }
  int k = std::max(1, std::min<int>(options.parallel_tasks, static_cast<int>(run.units.size())));
  if (job.dry_run) k = 1;
  // One transfer thread and one set of connections for the whole run: the tasks uploading
  // share them, the earliest first (a task the server is building holds none).
  TransferHub hub(job.transfer.connections);
  run.hub = &hub;
  std::vector<std::jthread> workers;
  for (int i = 0; i < k; ++i) workers.emplace_back([&run] { run.Work(); });
  workers.clear();  // joins
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
