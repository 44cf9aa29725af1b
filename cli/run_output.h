// Runs a run of many tasks (upload/upload_run.h) and prints it: the plan (with --dry-run a
// line per task and the totals on stdout), a line per finished task, progress (a bar with
// bytes, tasks done and tasks the server is building; or --progress json `task` events), and
// a summary or the --json document. Returns the exit status: 0 every task done or skipped,
// 3 some failed (each named with its reason), 130 interrupted, 1 the run failed.
#ifndef INGEST_CLI_RUN_OUTPUT_H_
#define INGEST_CLI_RUN_OUTPUT_H_

#include <string>

#include "upload/upload_run.h"

namespace ingest::cli {

// `run_dir`: the run's journal folder ("" without a journal), named in the resume hint.
int ExecuteRun(upload::UploadJob job, const upload::RunOptions& options,
               const std::string& progress_mode, bool json_summary, const std::string& run_dir);

}  // namespace ingest::cli

#endif  // INGEST_CLI_RUN_OUTPUT_H_
