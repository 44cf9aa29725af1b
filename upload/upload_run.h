// A run of many tasks: one command, one plan, one journal folder, tasks uploaded while the
// server still builds the earlier ones.
//
//   connect -> scan (once) -> group into units (upload/task_units.h) -> K workers:
//     per unit, in plan order: [its turn] find or create the task -> Upload-Start -> transfer
//     -> Upload-Finish -> wait for the build (the next units upload meanwhile)
//
// Tasks are created in plan order (a unit waits for the earlier units to have their task),
// K = parallel_tasks units are in flight at once, and each unit runs the one-task steps of
// upload/unit_steps.h: one code path for a task, whether the run has one unit or thousands.
// The connection budget is shared: each unit's transfer gets connections / K of it (at least
// one); a unit still has at most one POST to its /data/ in flight.
//
// Journal: job.journal_path names the run's folder; each unit keeps the one-task journal
// (upload/journal.h) in it, under the unit's key (server, sources, task name), created when
// the unit starts. Running the same command again resumes every unit that has one (a done
// unit is skipped without a request) and starts the others. With skip_existing, a unit
// without a journal whose task exists with data is skipped; without data, used.
//
// A failed unit fails alone: the run goes on, and the unit is reported with its reason.
#ifndef INGEST_UPLOAD_UPLOAD_RUN_H_
#define INGEST_UPLOAD_UPLOAD_RUN_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "upload/task_units.h"
#include "upload/upload_job.h"

namespace ingest::upload {

struct RunOptions {
  UnitOptions units;
  int parallel_tasks = 4;  // bench/RESULTS.md, "many tasks"
};

// What a finished unit left: a small record (a run of 10,000 units keeps 10,000 of these).
struct UnitReport {
  enum class State : uint8_t { kDone, kFailed, kSkipped, kInterrupted, kNotStarted };
  size_t index = 0;  // place in the plan, from 0
  std::string name;
  // kInterrupted: cut by Ctrl-C; kNotStarted: the run was interrupted before it started.
  State state = State::kNotStarted;
  int64_t task_id = 0;  // 0 when no task was made
  int64_t frames = 0;   // the task's frames, as the server reports them
  size_t files = 0;     // files planned for it
  uint64_t bytes = 0;
  Status error;         // kFailed: why
  bool order_ok = true;
  double seconds = 0;   // from its start to its end
};

struct RunEvents {
  // The units, before any task is made (also for --dry-run), with the annotation file each
  // imports (--annotations; empty when not given).
  std::function<void(const std::vector<TaskUnit>&, const std::vector<std::string>& annotations)>
      on_units;
  // A unit's milestones: "created", "uploading", "finishing", "ready", "failed", "skipped".
  // Called from the workers, one call at a time.
  std::function<void(const UnitReport& unit, std::string_view event)> on_task;
  // A unit ended (done, failed or skipped); `outcome` holds its plan, failures and notes.
  // Called from the workers, one call at a time.
  std::function<void(const UnitReport& unit, const UploadOutcome& outcome)> on_unit_end;
  // A unit's --annotations file is being uploaded: `done` of `total` bytes are on the server.
  // Called from the workers, one call at a time.
  std::function<void(const UnitReport& unit, uint64_t done, uint64_t total)> on_annotation_bytes;
  // Counts of units by phase for a progress line: building on the server, finished.
  std::function<void(size_t building, size_t finished)> on_phase;
};

struct RunOutcome {
  Status status;  // OK when every unit ran (each unit's result is in `units`)
  std::vector<ScanProblem> scan_errors;
  std::vector<UnitReport> units;  // in plan order
  uint64_t total_bytes = 0;
  size_t total_files = 0;
  double seconds = 0;
  bool cancelled = false;
};

// The journal folder of a run whose journal_path would have been `journal_path`.
std::string RunJournalDir(const std::string& journal_path);

// Runs `job` as a run of units. job.task.name is the name template; job.task_id must be
// unset when the run has more than one unit (InvalidArgument).
RunOutcome RunUploadRun(UploadJob job, const RunOptions& options, const RunEvents& events,
                        TransferCounters* counters, const std::atomic<bool>* cancel);

// Runs units planned earlier (upload --plan RUN.plan, upload/run_plan.h): `scan` and `units`
// come from the plan, without a scan; `plan_index[i]` is units[i]'s place in the plan (its
// UnitReport::index). Before a unit without a journal is sent, its files are checked against
// the plan (upload/plan_check.h): a unit whose files changed fails alone, unless
// job.skip_existing finds its task with data (then it is skipped, as done).
RunOutcome RunPlannedUnits(UploadJob job, const RunOptions& options, const RunEvents& events,
                           std::shared_ptr<const ScanResult> scan, std::vector<TaskUnit> units,
                           std::vector<size_t> plan_index, TransferCounters* counters,
                           const std::atomic<bool>* cancel);

}  // namespace ingest::upload

#endif  // INGEST_UPLOAD_UPLOAD_RUN_H_
