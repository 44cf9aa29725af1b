// The --help text of cvat-ingest in other formats, made from the same usage lines,
// descriptions and option tables that PrintHelp prints, so they never disagree: a man page per
// command (roff, man macros) and bash and zsh completion scripts. The build runs the hidden
// command `cvat-ingest help-man [COMMAND]` / `help-completion bash|zsh` to write them.
#ifndef INGEST_CLI_HELP_FORMATS_H_
#define INGEST_CLI_HELP_FORMATS_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cli/commands.h"
#include "cli/options.h"

namespace ingest::cli {

// The top-level usage's own text (main.cc prints it; the cvat-ingest(1) page shows it).
inline constexpr std::string_view kTagline =
    "Gets image and video corpora into CVAT fast, safely and resumably.";
inline constexpr std::string_view kExitStatusLine =
    "Exit status: 0 ok, 1 failed, 2 usage error, 3 some files failed, 4 a task made twice\n"
    "(status), 130 interrupted.";

// What `command --help` prints, captured (runs the command with --help and nothing else).
HelpPage CollectHelp(const Command& command);

// The man page of one command: cvat-ingest-NAME(1).
std::string CommandManPage(const Command& command, const HelpPage& page);

// The man page of cvat-ingest itself: cvat-ingest(1), listing the commands.
std::string MainManPage(std::span<const Command> commands);

// Completion scripts for the commands and their pages (same order).
std::string BashCompletion(std::span<const Command> commands, std::span<const HelpPage> pages);
std::string ZshCompletion(std::span<const Command> commands, std::span<const HelpPage> pages);

// The hidden command: `help-man [COMMAND]` or `help-completion bash|zsh`, to stdout.
// Returns the exit status.
int RunHelpFormat(std::string_view what, Args args);

}  // namespace ingest::cli

#endif  // INGEST_CLI_HELP_FORMATS_H_
