// cvat-ingest resume: goes on with an interrupted upload or run from its journal; lists,
// forgets and prunes journals.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/credentials.h"
#include "cli/exit_codes.h"
#include "cli/options.h"
#include "cli/report.h"
#include "cli/resume_hint.h"
#include "cli/run_log.h"
#include "cli/run_record.h"
#include "cli/upload_execute.h"
#include "cli/upload_options.h"
#include "upload/journal.h"
#include "upload/upload_job.h"

namespace ingest::cli {

namespace {

constexpr OptionSpec kResumeOwnOptions[] = {
    {"list", "", "list the journals (task, progress, age)"},
    {"allow-changed", "", "send files that changed since they were planned as they are now"},
    {"forget", "", "delete JOURNAL (and its manifest) instead of resuming"},
    {"all-finished", "", "with --forget and no JOURNAL: delete every finished journal"},
    {"prune", "",
     "delete finished journals and runs and journals set aside (*.retired-*, *.failed, *.gone)"},
    {"older-than", "AGE",
     "with --prune: only those unchanged for AGE (7d, 12h, 30m), unfinished ones too"},
    {"problems", "FILE", "write every problem (path, severity, code, message) as JSON lines"},
    {"connections", "N", "parallel connections (default 8)"},
    {"tus-chunk", "SIZE", "TUS PATCH size, at most 100MiB (default 64MiB)"},
    {"retries", "N", "retries per file (default 5)"},
    {"progress", "auto|bar|json|none", "progress display (default auto)"},
    {"json", "", "print a machine-readable summary on stdout at the end"},
};
constexpr auto kResumeOptions = JoinOptions(kResumeOwnOptions, kServerAccessOptions);

std::vector<std::string> JournalsIn(const std::string& dir) {
  std::vector<std::pair<std::filesystem::file_time_type, std::string>> found;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(dir, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (it->path().extension() == ".journal" || it->path().extension() == ".run") {
      found.emplace_back(it->last_write_time(ec), it->path().string());
    }
  }
  std::sort(found.begin(), found.end(), std::greater<>());
  std::vector<std::string> out;
  for (auto& f : found) out.push_back(std::move(f.second));
  return out;
}

// Deletes a single-task journal and the files beside it.
void RemoveJournal(const std::string& journal) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm", ".manifest.jsonl"}) {
    std::filesystem::remove(journal + suffix, ec);
  }
}

// resume --forget --all-finished: every finished journal and run record in `dir` goes.
int ForgetFinished(const std::string& dir) {
  size_t removed = 0;
  for (const std::string& path : JournalsIn(dir)) {
    bool done = false;
    if (IsRunDir(path)) {
      done = IsRunDone(path);
    } else if (Result<std::unique_ptr<upload::Journal>> j = upload::Journal::Open(path)) {
      done = (*j)->header().state == upload::JobState::kDone;
    }
    if (!done) continue;
    std::error_code ec;
    if (IsRunDir(path)) {
      std::filesystem::remove_all(path, ec);
    } else {
      RemoveJournal(path);
    }
    std::fprintf(stderr, "forgot %s\n", path.c_str());
    ++removed;
  }
  std::fprintf(stderr, "%zu finished journal%s deleted from %s\n", removed,
               removed == 1 ? "" : "s", dir.c_str());
  return kExitOk;
}

}  // namespace

int RunResume(Args args) {
  Result<ParsedArgs> parsed = ParseArgs(args, kResumeOptions);
  if (!parsed) return UsageError("resume", parsed.error());
  const ParsedArgs& opt = *parsed;
  if (opt.Has("help")) {
    PrintHelp("cvat-ingest resume [JOURNAL] [--list] [--forget]",
              "Continues an interrupted upload from its journal: finished files are skipped,\n"
              "TUS uploads go on from the offset the server reports, batches that may have been\n"
              "sent are settled one by one (never resent), and an accepted finish is only\n"
              "polled. Without JOURNAL, the newest unfinished one under " +
                  upload::DefaultJournalDir() +
                  ".\nRunning the same `upload` command again does the same.\n"
                  "Exit status: as for upload.",
              kResumeOptions);
    return kExitOk;
  }
  std::string dir = upload::DefaultJournalDir();
  if (opt.Has("list")) {
    std::vector<std::string> journals = opt.positional.empty() ? JournalsIn(dir) : opt.positional;
    if (journals.empty()) std::printf("no journals in %s\n", dir.c_str());
    for (const std::string& path : journals) {
      if (IsRunDir(path)) {
        size_t units = 0;
        std::error_code ec;
        for (auto it = std::filesystem::directory_iterator(path, ec);
             !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
          units += it->path().extension() == ".journal";
        }
        std::printf("%s\n  a run of many tasks, %s, %zu task%s started\n", path.c_str(),
                    IsRunDone(path) ? "done" : "not finished", units, units == 1 ? "" : "s");
        continue;
      }
      Result<std::unique_ptr<upload::Journal>> j = upload::Journal::Open(path);
      if (!j) {
        std::printf("%s: %s\n", path.c_str(), j.error().message().c_str());
        continue;
      }
      size_t done = 0;
      uint64_t bytes = 0, bytes_done = 0;
      Status counted = (*j)->ForEachFile([&](uint32_t, const upload::JournalFile& f) {
        bytes += f.size;
        if (f.state == upload::JournalFileState::kDone) {
          ++done;
          bytes_done += f.size;
        } else if (f.state == upload::JournalFileState::kTusCreated) {
          bytes_done += f.offset;
        }
        return Status();
      });
      const upload::JournalHeader& h = (*j)->header();
      long age = static_cast<long>(std::time(nullptr) - h.created_unix);
      std::printf("%s\n  server %s, task %lld, %s, %zu/%zu files, %s/%s, started %ldh%02ldm ago\n",
                  path.c_str(), h.server.c_str(), static_cast<long long>(h.task_id),
                  std::string(upload::JobStateText(h.state)).c_str(), done,
                  counted.ok() ? size_t{(*j)->file_count()} : 0, FormatBytes(bytes_done).c_str(),
                  FormatBytes(bytes).c_str(), age / 3600, age / 60 % 60);
    }
    return kExitOk;
  }
  if (opt.Has("older-than") && !opt.Has("prune")) {
    return UsageError("resume", Status::InvalidArgument("--older-than goes with --prune"));
  }
  if (opt.Has("prune")) {
    if (!opt.positional.empty() || opt.Has("forget")) {
      return UsageError("resume", Status::InvalidArgument(
                                      "--prune cleans the journal folder: no JOURNAL, no --forget"));
    }
    std::optional<int64_t> age;
    if (opt.Has("older-than")) {
      Result<int64_t> parsed_age = ParseAge(opt.Get("older-than"));
      if (!parsed_age) return UsageError("resume", parsed_age.error());
      age = *parsed_age;
    }
    PruneJournals(dir, age);
    return kExitOk;
  }
  if (opt.Has("all-finished") && (!opt.Has("forget") || !opt.positional.empty())) {
    return UsageError("resume", Status::InvalidArgument(
                                    "--all-finished goes with --forget and no JOURNAL"));
  }
  if (opt.Has("forget") && opt.positional.empty()) {
    if (opt.Has("all-finished")) return ForgetFinished(dir);
    return UsageError("resume", Status::InvalidArgument(
                                    "--forget deletes the journal you name: give JOURNAL "
                                    "(cvat-ingest resume --list shows them), or --all-finished "
                                    "to delete every finished one"));
  }
  std::string journal;
  if (!opt.positional.empty()) {
    journal = opt.positional[0];
  } else {
    for (const std::string& path : JournalsIn(dir)) {
      if (IsRunDir(path)) {
        if (!IsRunDone(path)) {
          journal = path;
          break;
        }
        continue;
      }
      Result<std::unique_ptr<upload::Journal>> j = upload::Journal::Open(path);
      if (j && (*j)->header().state != upload::JobState::kDone) {
        journal = path;
        break;
      }
    }
    if (journal.empty()) {
      return RunError("resume", Status::NotFound("no unfinished upload journal in " + dir));
    }
  }
  if (IsRunDir(journal)) {
    // A run of many tasks: its upload command again, from where it was started.
    Result<RunCommand> command = LoadRunCommand(journal);
    if (!command) return RunError("resume", command.error());
    if (opt.Has("forget")) {
      std::error_code ec;
      std::filesystem::remove_all(journal, ec);
      if (ec) return RunError("resume", Status::IoError("remove " + journal + ": " + ec.message()));
      std::fprintf(stderr, "forgot %s\n", journal.c_str());
      return kExitOk;
    }
    if (::chdir(command->cwd.c_str()) != 0) {
      return RunError("resume", FromErrno("the run's folder " + command->cwd, errno));
    }
    std::fprintf(stderr, "resuming the run recorded in %s\n", journal.c_str());
    // Options given to resume (--connections, --progress, credentials ...) go after the
    // recorded ones: the last value of an option wins.
    std::vector<std::string> run_args = command->args;
    for (const OptionSpec& spec : kResumeOptions) {
      if (spec.name == "list" || spec.name == "forget" || spec.name == "all-finished" ||
          !opt.Given(spec.name)) {
        continue;
      }
      run_args.push_back("--" + std::string(spec.name));
      if (!spec.value.empty()) run_args.push_back(opt.Get(spec.name));
    }
    std::vector<const char*> argv;
    for (const std::string& a : run_args) argv.push_back(a.c_str());
    return RunUpload(Args(argv.data(), argv.size()));
  }
  if (opt.Has("forget")) {
    RemoveJournal(journal);
    std::fprintf(stderr, "forgot %s\n", journal.c_str());
    return kExitOk;
  }
  Credentials creds;
  if (Status c = ReadCredentials(opt, &creds); !c.ok()) return UsageError("resume", c);
  upload::UploadJob job;
  job.auth_headers = creds.headers;
  job.login = creds.login;
  job.org = opt.Get("org");
  job.allow_changed = opt.Has("allow-changed");
  Result<uint64_t> connections = opt.GetUint("connections", 8);
  if (!connections || *connections == 0 || *connections > 256) {
    return UsageError("resume", Status::InvalidArgument("--connections: 1 to 256"));
  }
  job.transfer.connections = static_cast<int>(*connections);
  if (opt.Has("tus-chunk")) {
    Result<uint64_t> chunk = ParseSize(opt.Get("tus-chunk"));
    if (!chunk || *chunk == 0 || *chunk > (100ull << 20)) {
      return UsageError("resume", Status::InvalidArgument("--tus-chunk: at most 100MiB"));
    }
    job.transfer.tus_chunk = *chunk;
  }
  Result<uint64_t> retries = opt.GetUint("retries", 5);
  if (!retries) return UsageError("resume", retries.error());
  job.transfer.retries = static_cast<int>(*retries);
  if (Status c = ReadConnectionOptions(opt, &job.transfer.connection); !c.ok()) {
    return UsageError("resume", c);
  }
  std::fprintf(stderr, "resuming the upload recorded in %s\n", journal.c_str());
  return ExecuteJob(std::move(job), journal, opt.Get("progress", "auto"), opt.Has("json"),
                    "resume", JobReporting{opt.Get("problems"), MakeResumeHint(opt)});
}
}  // namespace ingest::cli
