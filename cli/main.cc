// cvat-ingest: the command-line front end. The only code that prints or exits.
#include <cstdio>
#include <cstring>
#include <span>
#include <string_view>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/help_formats.h"
#include "upload/curl_util.h"

namespace ingest::cli {
namespace {

void PrintUsage(FILE* out) {
  std::fprintf(out, "usage: cvat-ingest COMMAND [OPTIONS]\n\n%.*s\n\ncommands:\n",
               static_cast<int>(kTagline.size()), kTagline.data());
  for (const Command& c : AllCommands()) {
    std::fprintf(out, "  %-10.*s %.*s\n", static_cast<int>(c.name.size()), c.name.data(),
                 static_cast<int>(c.summary.size()), c.summary.data());
  }
  std::fprintf(out, "\nRun 'cvat-ingest COMMAND --help' for a command's options.\n%.*s\n",
               static_cast<int>(kExitStatusLine.size()), kExitStatusLine.data());
}

}  // namespace

std::span<const Command> AllCommands() {
  static const Command kCommands[] = {
      {"scan", "list what the sources hold: counts, bytes, kinds and problems", RunScan},
      {"manifest", "write a CVAT manifest (.jsonl) for images, or check one", RunManifest},
      {"upload", "upload images, a video or an archive into a CVAT task", RunUpload},
      {"plan", "scan once and list a run's tasks, or write its plan for shards (-o)", RunPlan},
      {"status", "the server's view of a planned run: each task done, missing, failed or twice",
       RunStatus},
      {"resume", "continue an interrupted upload from its journal", RunResume},
      {"serve", "run a local CVAT-compatible receiver (tasks, TUS, bulk uploads)", RunServe},
      {"bench", "measure upload throughput stage by stage (generated or real corpus)", RunBench},
  };
  return kCommands;
}

int Main(int argc, char** argv);
int Main(int argc, char** argv) {
  if (argc < 2) {
    PrintUsage(stderr);
    return kExitUsage;
  }
  std::string_view cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    PrintUsage(stdout);
    return kExitOk;
  }
  if (cmd == "--version" || cmd == "-V") {
    std::printf("cvat-ingest %s\n", INGEST_VERSION);
    return kExitOk;
  }
  // Hidden: the man pages and completion scripts the build installs (help_formats.h).
  if (cmd == "help-man" || cmd == "help-completion") {
    return RunHelpFormat(cmd, Args(argv + 2, static_cast<size_t>(argc - 2)));
  }
  for (const Command& c : AllCommands()) {
    if (c.name == cmd) return c.run(Args(argv + 2, static_cast<size_t>(argc - 2)));
  }
  std::fprintf(stderr, "cvat-ingest: unknown command '%s' (see cvat-ingest --help)\n", argv[1]);
  return kExitUsage;
}

}  // namespace ingest::cli

int main(int argc, char** argv) {
  ingest::upload::CurlGlobal curl;  // before any thread starts
  return ingest::cli::Main(argc, argv);
}
