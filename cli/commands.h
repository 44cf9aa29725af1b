// The subcommands of cvat-ingest. Each takes its own arguments (after the subcommand name)
// and returns the process exit status (see exit_codes.h).
#ifndef INGEST_CLI_COMMANDS_H_
#define INGEST_CLI_COMMANDS_H_

#include <span>
#include <string_view>

namespace ingest::cli {

using Args = std::span<const char* const>;

struct Command {
  std::string_view name;
  std::string_view summary;
  int (*run)(Args args);
};

// The table, in help order (ninja's kTools style).
std::span<const Command> AllCommands();

int RunScan(Args args);
int RunManifest(Args args);
int RunServe(Args args);
int RunUpload(Args args);
int RunPlan(Args args);
int RunStatus(Args args);
int RunResume(Args args);
int RunBench(Args args);

}  // namespace ingest::cli

#endif  // INGEST_CLI_COMMANDS_H_
