// `upload --share PATH... | --remote URL... | --cloud-storage-id N`: a task from files CVAT
// reads itself (upload/server_sources.h).
#ifndef INGEST_CLI_SERVER_SOURCE_COMMAND_H_
#define INGEST_CLI_SERVER_SOURCE_COMMAND_H_

#include <string>

#include "cli/commands.h"
#include "cli/options.h"
#include "upload/server_sources.h"
#include "upload/task_units.h"
#include "upload/upload_run.h"

namespace ingest::cli {

// upload's options for server-side sources (joined into upload's table).
inline constexpr OptionSpec kServerSourceOptions[] = {
    {"share", "PATH",
     "a file or folder (ending in /) on CVAT's share, instead of local PATHs (server_files); "
     "repeatable; with --task-per, --split-every or an order computed here, folders are listed "
     "through CVAT's /api/server/share"},
    {"share-exclude", "PATH", "leave out this share or bucket path (server_files_exclude); "
                              "repeatable"},
    {"remote", "URL|@FILE", "a URL CVAT downloads (remote_files); @FILE: one URL a line; "
                            "repeatable"},
    {"cloud-storage-id", "N",
     "take the files from CVAT's cloud storage N (--cloud-file or --filename-pattern)"},
    {"cloud-file", "PATH", "a file or folder of that bucket (server_files); repeatable"},
    {"manifest-in-bucket", "NAME", "the bucket's manifest, a .jsonl of the bucket (default "
                                   "manifest.jsonl); runs list the bucket's files from it"},
};

// True when one of the options above was given.
bool HasServerSourceOptions(const ParsedArgs& opt);

// Runs the upload of server-side sources with `opt` (`args` parsed as upload's options) to
// `server`; returns the exit status.
int RunServerSourceUpload(Args args, const ParsedArgs& opt, const std::string& server);

// How RunServerUnits prints (cli/run_output.h).
struct ServerRunPrinting {
  std::string progress_mode = "none";
  bool json_summary = false;
  std::string run_dir;  // the run's journal folder ("" without one)
};

// Runs the tasks of server-side sources whose files the client lists and orders
// (upload/server_run.h) and returns the exit status: 0 every task ready in the order asked
// (or skipped), 1 the one task (no --task-per, --split-every) failed, 3 some of many failed,
// 130 interrupted, 2 a combination refused before any request.
int RunServerUnits(upload::UploadJob job, const upload::ServerSources& src,
                   const upload::RunOptions& options, const ServerRunPrinting& how);

}  // namespace ingest::cli

#endif  // INGEST_CLI_SERVER_SOURCE_COMMAND_H_
