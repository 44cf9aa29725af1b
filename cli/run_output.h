// Runs a run of many tasks (upload/upload_run.h) and prints it: the plan (with --dry-run a
// line per task and the totals on stdout), a line per finished task, progress (a bar with
// bytes, tasks done and tasks the server is building; or --progress json `task` events), and
// a summary or the --json document. Returns the exit status: 0 every task done or skipped,
// 3 some failed (each named with its reason), 130 interrupted, 1 the run failed.
#ifndef INGEST_CLI_RUN_OUTPUT_H_
#define INGEST_CLI_RUN_OUTPUT_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "upload/upload_run.h"

namespace ingest::cli {

// Units read from a plan file (upload --plan): run without a scan (upload::RunPlannedUnits).
struct PlannedUnits {
  std::shared_ptr<const ScanResult> scan;
  std::vector<upload::TaskUnit> units;
  std::vector<size_t> plan_index;  // each unit's place in the plan
};

// How ReportRun prints a run.
struct RunPrinting {
  std::string server;
  bool dry_run = false;
  std::string progress_mode;  // auto, bar, json, none
  bool json_summary = false;
  std::string run_dir;  // the run's journal folder ("" without a journal), in the resume hint
  // The plan's lines when the units are known (default: PrintRunPlan).
  std::function<void(const std::vector<upload::TaskUnit>&, const std::vector<std::string>&)>
      print_plan;
  // After the run, before its summary (notes of the run).
  std::function<void()> after_run;
  // A run refused with InvalidArgument is a usage error (exit 2), not a failure.
  bool refusal_is_usage = false;
};

// Runs a run of many tasks: `run` gets the events to fire, the transfer counters and the
// interrupt flag. Prints it as described above; returns the exit status.
using RunFn = std::function<upload::RunOutcome(
    const upload::RunEvents&, upload::TransferCounters*, const std::atomic<bool>*)>;
int ReportRun(const RunPrinting& printing, const RunFn& run);

// `run_dir`: the run's journal folder ("" without a journal), named in the resume hint.
// With `planned`, its units are run (and moved from); else job.sources are scanned.
int ExecuteRun(upload::UploadJob job, const upload::RunOptions& options,
               const std::string& progress_mode, bool json_summary, const std::string& run_dir,
               PlannedUnits* planned = nullptr);

// The plan's summary line on stderr ("plan: 3 tasks, 40 files, 1.2 MiB"); with `listing`, a
// line per task and the totals on stdout (as upload --dry-run and plan print them); a task's
// line ends with "annotations PATH" when `annotations` (one per unit) names its file.
void PrintRunPlan(const std::vector<upload::TaskUnit>& units, bool listing,
                  const std::vector<std::string>& annotations = {});

}  // namespace ingest::cli

#endif  // INGEST_CLI_RUN_OUTPUT_H_
