// The record of a run of many tasks in its journal folder (upload/upload_run.h), so that
// `cvat-ingest resume` can continue it without the command line: the working directory and
// the arguments of the `upload` command (never a secret: credentials come from the
// environment, a token file named by path, or a prompt), and a mark once every task is done.
#ifndef INGEST_CLI_RUN_RECORD_H_
#define INGEST_CLI_RUN_RECORD_H_

#include <string>
#include <vector>

#include "engine/result.h"

namespace ingest::cli {

struct RunCommand {
  std::string cwd;
  std::vector<std::string> args;  // after "upload"
};

// Writes DIR/command (NUL-separated: cwd, then each argument; written to a temporary name and
// renamed). Clears a done mark left by an earlier run of the same command.
Status SaveRunCommand(const std::string& dir, const RunCommand& command);
Result<RunCommand> LoadRunCommand(const std::string& dir);
// DIR/done: every task of the run is done or skipped.
Status MarkRunDone(const std::string& dir);
bool IsRunDone(const std::string& dir);
// The journal folder of a run whose journal_path is `journal_path`, with the command `args`
// recorded and a started mark (when it was started before, says so on stderr).
Result<std::string> BeginRunRecord(const std::string& journal_path,
                                   const std::vector<std::string>& args);
// True for a run's journal folder (it holds a command record).
bool IsRunDir(const std::string& path);

}  // namespace ingest::cli

#endif  // INGEST_CLI_RUN_RECORD_H_
