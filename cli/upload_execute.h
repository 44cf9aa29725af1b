// The common end of `upload` and `resume`: runs (or resumes) one upload job, prints its
// events, problems and outcome, and maps it to the exit status.
#ifndef INGEST_CLI_UPLOAD_EXECUTE_H_
#define INGEST_CLI_UPLOAD_EXECUTE_H_

#include <string>

#include "cli/resume_hint.h"
#include "upload/upload_job.h"

namespace ingest::cli {

// What ExecuteJob needs to report beyond the job: where the full problem list goes, and
// how the printed resume command passes the credentials.
struct JobReporting {
  std::string problems_file;
  ResumeHint resume;
};
// Runs the job (a resume when `resume_journal` is set) under Ctrl-C handling, with the
// progress display `progress_mode` (auto, bar, json, none); `command` names the subcommand in
// messages. Returns the exit status (cli/exit_codes.h).
int ExecuteJob(upload::UploadJob job, const std::string& resume_journal,
               const std::string& progress_mode, bool json_summary, const char* command,
               const JobReporting& reporting);

}  // namespace ingest::cli

#endif  // INGEST_CLI_UPLOAD_EXECUTE_H_
