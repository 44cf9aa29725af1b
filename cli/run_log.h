// Journals that do not outlive their upload. A journal is needed while an upload can be
// resumed; once its task is ready it is deleted (a 200,000-file upload leaves a 33 MB one),
// and one line goes to the run log beside it (DIR/runs.log), so the upload stays on record
// and running the same command again knows it was done:
//   2026-12-06T23:20:00Z done 48bb3cf13f002297: task 5 'photos' on https://cvat.example.com,
//   3,001 files, 1.2 GiB
// `resume --prune [--older-than AGE]` clears what is left: finished journals and runs,
// journals set aside (*.retired-*, *.failed, *.gone) and, with an age, abandoned ones.
#ifndef INGEST_CLI_RUN_LOG_H_
#define INGEST_CLI_RUN_LOG_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/result.h"

namespace ingest::cli {

struct FinishedUpload {
  int64_t task_id = 0;
  std::string task_name;
  std::string server;
  uint64_t files = 0;
  uint64_t bytes = 0;
};

// The run log beside `journal`: its folder's runs.log.
std::string RunLogPath(const std::string& journal);

// After a successful upload: deletes `journal` (with its WAL, shared memory and manifest) and
// appends the upload's line to the run log. IoError when the line cannot be written (the
// journal is then kept).
Status RetireFinishedJournal(const std::string& journal, const FinishedUpload& done);

// The run log's last line for `journal` (by its key, the file name without ".journal"), when
// its upload finished and the journal went.
std::optional<std::string> FinishedLine(const std::string& journal);

// "7d", "12h", "30m", "45s" (or a bare number of seconds) -> seconds.
Result<int64_t> ParseAge(std::string_view text);

// resume --prune: deletes, in `dir`, finished journals, finished runs of many tasks and
// journals set aside; with `older_than` (seconds), only those unchanged for longer, and then
// unfinished journals and runs too (abandoned uploads). Prints each path deleted and a count.
void PruneJournals(const std::string& dir, std::optional<int64_t> older_than);

}  // namespace ingest::cli

#endif  // INGEST_CLI_RUN_LOG_H_
