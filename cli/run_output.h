// Runs a run of many tasks (upload/upload_run.h) and prints it: the plan (with --dry-run a
// line per task and the totals on stdout), a line per finished task, progress (a bar with
// bytes, tasks done and tasks the server is building; or --progress json `task` events), and
// a summary or the --json document. Returns the exit status: 0 every task done or skipped,
// 3 some failed (each named with its reason), 130 interrupted, 1 the run failed.
#ifndef INGEST_CLI_RUN_OUTPUT_H_
#define INGEST_CLI_RUN_OUTPUT_H_

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
