// cvat-ingest upload: scan, plan, send, finish, wait.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/credentials.h"
#include "cli/exit_codes.h"
#include "cli/options.h"
#include "cli/plan_upload.h"
#include "cli/problems.h"
#include "cli/progress.h"
#include "cli/report.h"
#include "cli/resume_hint.h"
#include "cli/run_log.h"
#include "cli/run_output.h"
#include "cli/run_record.h"
#include "cli/task_fields.h"
#include "cli/scratch_dir.h"
#include "cli/server_source_command.h"
#include "cli/selection_options.h"
#include "cli/upload_execute.h"
#include "cli/upload_options.h"
#include "cli/upload_progress.h"
#include "engine/media_kind.h"
#include "engine/path_text.h"
#include "engine/scanner.h"
#include "manifest/jsonl_encoder.h"
#include "upload/curl_util.h"
#include "upload/cvat_api.h"
#include "upload/journal.h"
#include "upload/transfer_engine.h"
#include "upload/upload_plan.h"
#include "upload/upload_job.h"
#include "upload/uploader.h"

namespace ingest::cli {
namespace {

using upload::UploadPlan;

// The options each host chooses; the ones a plan fixes are in cli/upload_options.h.
constexpr OptionSpec kUploadHostOptions[] = {
    {"server", "URL", "CVAT server, e.g. https://cvat.example.com (required)"},
    {"task", "ID", "upload into this existing task (it must have no data yet)"},
    {"connections", "N", "parallel connections (default 8)"},
    {"tus-chunk", "SIZE", "TUS PATCH size, at most 100MiB (default 64MiB)"},
    {"retries", "N", "retries per file after network errors, 5xx, stalls (default 5)"},
    {"progress", "auto|bar|json|none",
     "progress display (default auto: a bar on a terminal, else a plain line every 5 s)"},
    {"json", "", "print a machine-readable summary on stdout at the end"},
    {"dry-run", "", "do everything up to the first byte of data and print the plan"},
    {"limit-rate", "RATE", "per-transfer rate limit, e.g. 10MiB"},
    {"journal", "FILE", "the resume journal (default: one per upload under ~/.local/state)"},
    {"no-journal", "", "keep no journal (the upload cannot be resumed)"},
    {"allow-changed", "", "when resuming: send files that changed since as they are now"},
    {"parallel-tasks", "K", "tasks in flight at once in a run of many (default 4)"},
    {"skip-existing", "", "skip a task whose name exists with data; use one without data"},
    {"problems", "FILE", "write every problem (path, severity, code, message) as JSON lines"},
    {"verify", "", kVerifyHelp},
    {"fresh", "", "ignore this upload's journal (kept, renamed *.retired-TIME) and start a new "
                  "task"},
    {"plan", "RUN.plan", "run the units of a plan written by `cvat-ingest plan -o` (no PATH, "
                         "no scan; the plan fixes the run's options; implies --skip-existing)"},
    {"shard", "K/N|auto", "with --plan: run only shard K of N (balanced by bytes; the same split "
                          "on every host); auto: from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX"},
    {"shards", "N",
     "with --shard auto: the number of shards (JOB_COMPLETION_INDEX needs it; under Slurm the "
     "array id is then the shard, for one element resubmitted alone)"},
};
constexpr auto kUploadOptions = JoinOptions(kUploadHostOptions, kRunPlanOptions,
                                            kServerSourceOptions, kSelectionOptions,
                                            kServerAccessOptions);

constexpr std::string_view kDescription =
    "Uploads images, a video or an archive into a CVAT task over CVAT's TUS dialect and\n"
    "Upload-Multiple batches, many transfers at once, then finishes the upload and waits\n"
    "for the task. The order is computed here and sent so the server keeps it exactly.\n"
    "Refused before any byte is sent: files sharing a base name (CVAT keeps base names),\n"
    "empty files, names that are not UTF-8, files over the server's limit, and mixes CVAT\n"
    "rejects (one task: any number of images, or one video, or one archive).\n"
    "An archive goes up as one file with a manifest of its members (CVAT extracts it and\n"
    "keeps its folders); --extract sends its images as individual files instead.\n"
    "Credentials: CVAT_ACCESS_TOKEN or --token-file (Bearer), or --auth USER with the\n"
    "password in PASS or typed at a prompt; never on the command line.\n"
    "Exit status: 0 task created, 1 failed, 2 usage error, 3 some files could not be sent\n"
    "(the upload was not finished), 130 interrupted.";

// "sent 3 files (1.2 MiB) in 0.4 s (3.0 MiB/s), 1 retry"; after a resume "2,650 files sent
// now (...), 351 already on the server, ...": the counts of this process, not the plan's.
std::string SentSummary(const UploadPlan& plan, const upload::TransferCounters& counters,
                        double seconds) {
  const uint64_t already = counters.files_already_done.load();
  const uint64_t files = UserFiles(plan) - std::min(already, UserFiles(plan));
  const uint64_t bytes = plan.total_bytes - std::min(counters.bytes_already_done.load(),
                                                     plan.total_bytes);
  char line[512];
  std::snprintf(line, sizeof(line), "%s%s file%s%s (%s) in %.1f s (%s)%s, %s",
                already ? "" : "sent ", WithCommas(files).c_str(), files == 1 ? "" : "s",
                already ? " sent now" : "", FormatBytes(bytes).c_str(), seconds,
                Rate(seconds > 0 ? static_cast<double>(bytes) / seconds : 0).c_str(),
                already ? (", " + WithCommas(already) + " already on the server").c_str() : "",
                RetriesText(counters.retries.load(), counters.bytes_resent.load()).c_str());
  return line;
}

// A resume whose task the server no longer has (404 for /api/tasks/ID): says so in plain
// words, with the way out, and returns true; false for any other failure.
bool TaskIsGone(const upload::UploadOutcome& out, const std::string& journal,
                const char* command) {
  if (journal.empty() || !out.task_id || out.status.code() != Status::Code::kNotFound) {
    return false;
  }
  const std::string id = std::to_string(*out.task_id);
  const std::string& m = out.status.message();
  if (m.find("/api/tasks/" + id + ":") == std::string::npos &&
      m.find("/api/tasks/" + id + "/") == std::string::npos) {
    return false;
  }
  std::fprintf(stderr,
               "cvat-ingest %s: task %s is gone from %s (the server answers 404 for it: it was "
               "deleted, or belongs to another --org); the journal %s recorded an upload into it\n",
               command, id.c_str(), out.server.c_str(), journal.c_str());
  if (std::string_view(command) == "upload") {
    std::fprintf(stderr, "to upload into a new task, run the same command with --fresh (the "
                         "old journal is kept, renamed *.retired-TIME)\n");
  } else {
    std::fprintf(stderr, "to upload into a new task, run the upload command again with --fresh, "
                         "or drop this journal: cvat-ingest resume --forget %s\n",
                 journal.c_str());
  }
  return true;
}

// Renames `journal` and the files beside it to JOURNAL.retired-TIME..., so that a new upload
// starts while the old record stays for inspection.
Status RetireJournal(const std::string& journal) {
  const std::string retired = journal + ".retired-" + std::to_string(std::time(nullptr));
  for (const char* suffix : {"", "-wal", "-shm", ".manifest.jsonl"}) {
    const std::string from = journal + suffix;
    if (::access(from.c_str(), F_OK) != 0) continue;
    if (std::rename(from.c_str(), (retired + suffix).c_str()) != 0) {
      return FromErrno("--fresh: rename " + from, errno);
    }
  }
  std::fprintf(stderr, "retired the journal %s (now %s)\n", journal.c_str(), retired.c_str());
  return Status();
}

// Prints the upload's problems grouped and capped, and writes them all to `problems_file`
// (when given; a failure to write it is a warning: the upload's outcome stands).
void ReportProblems(const upload::UploadOutcome& out, bool skip_bad,
                   const std::string& problems_file) {
  ProblemList problems = UploadProblems(out, skip_bad);
  std::string text = problems.FormatGrouped("", problems_file);
  std::fwrite(text.data(), 1, text.size(), stderr);
  if (out.scan) std::fputs(UnverifiedNote(out.scan->unverified).c_str(), stderr);
  if (skip_bad && !out.scan_errors.empty() && out.status.ok()) {
    const size_t n = out.scan_errors.size();
    std::fprintf(stderr, "left out %s file%s that cannot be read or probed (--skip-bad)%s\n",
                 WithCommas(n).c_str(), n == 1 ? "" : "s", problems.size() > 1 ? ", above" : "");
  }
  if (problems_file.empty()) return;
  if (Status s = problems.WriteJsonLines(problems_file); !s.ok()) {
    std::fprintf(stderr, "warning: %s\n", s.message().c_str());
  }
}


// A failed or interrupted upload: the error, how to go on (with a journal and a task), and
// the exit status.
int ReportFailure(const upload::UploadJob& job, const upload::UploadOutcome& out,
                  const std::string& resume_journal, const char* command,
                  const JobReporting& reporting) {
  if (TaskIsGone(out, resume_journal, command)) return kExitFailed;
  int code = RunError(command, out.status);
  std::string journal = resume_journal.empty() ? job.journal_path : resume_journal;
  if (!journal.empty() && out.task_id) {
    std::fprintf(stderr, "the upload can go on where it stopped: %s\n",
                 ResumeCommand(journal, reporting.resume).c_str());
    if (!reporting.resume.note.empty()) {
      std::fprintf(stderr, "%s\n", reporting.resume.note.c_str());
    }
  }
  if (code == kExitInterrupted) return code;
  if (out.task_id && !out.failures.empty()) {
    std::fprintf(stderr, "the upload was not finished: task %lld has no data yet\n",
                 static_cast<long long>(*out.task_id));
    return kExitPartial;
  }
  return code;
}

// --dry-run: what would go up, where, and the first frames in order (stdout).
void PrintDryRun(const upload::UploadJob& job, const upload::UploadOutcome& out) {
  const UploadPlan& plan = *out.plan;
  const uint64_t user_files = UserFiles(plan);
  std::printf("dry run: would upload %llu file%s (%s) to %s\n",
              static_cast<unsigned long long>(user_files), user_files == 1 ? "" : "s",
              FormatBytes(plan.total_bytes).c_str(),
              out.task_id ? ("task " + std::to_string(*out.task_id)).c_str()
                          : ("a new task '" + job.task.name + "'").c_str());
  if (plan.zip) {
    std::printf("  packed: the images go up as one zip '%s' of %zu members, %llu bytes\n",
                plan.zip->name.c_str(), plan.zip->layout.member_count(),
                static_cast<unsigned long long>(plan.zip->layout.total_size()));
  }
  for (size_t i = 0; i < plan.frame_order.size() && i < 10; ++i) {
    std::printf("  frame %zu: %s\n", i, std::string(plan.frame_order[i]).c_str());
  }
  if (plan.frame_order.size() > 10) std::printf("  ... %zu frames\n", plan.frame_order.size());
}

// A task ready: what was sent (stderr), the task and its URL (stderr), and its id, or with
// --json the summary document (stdout).
void PrintReady(const upload::UploadOutcome& out, const upload::TransferCounters& counters,
                bool json_summary) {
  const UploadPlan& plan = *out.plan;
  if (out.upload_seconds == 0) {
    std::fprintf(stderr, "nothing was left to send\n");
  } else {
    std::fprintf(stderr, "%s\n", SentSummary(plan, counters, out.upload_seconds).c_str());
  }
  if (!out.order.ok()) std::fprintf(stderr, "warning: %s\n", out.order.message().c_str());
  std::string url = out.server;
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += "/tasks/" + std::to_string(*out.task_id);
  std::fprintf(stderr, "task %lld is ready: %lld frame%s, %s\n",
               static_cast<long long>(*out.task_id), static_cast<long long>(out.task.size),
               out.task.size == 1 ? "" : "s", url.c_str());
  if (json_summary) {
    std::string u;
    manifest::AppendJsonString(url, &u);
    std::printf(
        "{\"task_id\":%lld,\"url\":%s,\"frames\":%lld,\"files\":%zu,\"bytes\":%llu,"
        "\"upload_seconds\":%.3f,\"total_seconds\":%.3f,\"retries\":%llu,"
        "\"bytes_sent\":%llu,\"bytes_resent\":%llu,\"requests\":%llu,\"order_ok\":%s}\n",
        static_cast<long long>(*out.task_id), u.c_str(), static_cast<long long>(out.task.size),
        plan.files.size(), static_cast<unsigned long long>(plan.total_bytes), out.upload_seconds,
        out.total_seconds, static_cast<unsigned long long>(counters.retries.load()),
        static_cast<unsigned long long>(counters.bytes_sent.load()),
        static_cast<unsigned long long>(counters.bytes_resent.load()),
        static_cast<unsigned long long>(counters.requests.load()),
        out.order.ok() ? "true" : "false");
  } else {
    std::printf("%lld\n", static_cast<long long>(*out.task_id));
  }
}

}  // namespace

int ExecuteJob(upload::UploadJob job, const std::string& resume_journal,
               const std::string& progress_mode, bool json_summary, const char* command,
               const JobReporting& reporting) {
  const std::string& problems_file = reporting.problems_file;
  const std::atomic<bool>* cancel = InstallInterruptFlag();
  upload::TransferCounters counters;
  UploadProgress progress(progress_mode, counters, job.task.name);
  upload::UploadEvents events = progress.Events();

  upload::UploadOutcome out =
      resume_journal.empty()
          ? upload::RunUploadJob(job, events, &counters, cancel)
          : upload::ResumeUploadJob(resume_journal, job, events, &counters, cancel);
  progress.Stop();
  const bool skipped_bad = job.skip_bad && !out.scan_errors.empty();
  ReportProblems(out, job.skip_bad, problems_file);
  for (const std::string& note : out.notes) std::fprintf(stderr, "note: %s\n", note.c_str());
  if (!out.status.ok()) return ReportFailure(job, out, resume_journal, command, reporting);
  const UploadPlan& plan = *out.plan;
  if (job.dry_run) {
    PrintDryRun(job, out);
    return kExitOk;
  }
  PrintReady(out, counters, json_summary);
  if (!out.order.ok()) return kExitFailed;
  // The upload is done: its journal goes, a line in the run log stays.
  const std::string journal = resume_journal.empty() ? job.journal_path : resume_journal;
  if (!journal.empty()) {
    FinishedUpload done{*out.task_id, out.task.name, out.server, UserFiles(plan),
                        plan.total_bytes};
    if (Status s = RetireFinishedJournal(journal, done); !s.ok()) {
      std::fprintf(stderr, "warning: the journal %s is kept: %s\n", journal.c_str(),
                   s.message().c_str());
    }
  }
  return skipped_bad ? kExitPartial : kExitOk;
}

int RunUpload(Args args) {
  Result<ParsedArgs> parsed = ParseArgs(args, kUploadOptions);
  if (!parsed) return UsageError("upload", parsed.error());
  const ParsedArgs& opt = *parsed;
  if (opt.Has("help")) {
    PrintHelp("cvat-ingest upload PATH... --server URL (--task ID | --create NAME "
              "(--labels JSON|@FILE | --project-id N)) [OPTIONS]",
              kDescription, kUploadOptions);
    return kExitOk;
  }
  auto usage = [](const std::string& msg) {
    return UsageError("upload", Status::InvalidArgument(msg));
  };
  if (opt.Has("plan")) return RunPlannedUpload(args, opt, kUploadOptions);
  if (opt.Has("shard") || opt.Has("shards")) return usage("--shard goes with --plan RUN.plan");
  if (opt.positional.empty() && !HasServerSourceOptions(opt)) return usage("no PATH given");
  if (!opt.Has("server")) return usage("--server URL is required");
  Result<std::string> server = upload::ParseServerUrl(opt.Get("server"));
  if (!server) return UsageError("upload", server.error());
  if (opt.Has("task") == opt.Has("create")) return usage("give --task ID or --create NAME");
  if (opt.Has("task") && opt.Has("assignee")) {
    return usage("--assignee is a field of the task --create makes; --task ID names a task that "
                 "exists (assign it in CVAT)");
  }
  if (HasServerSourceOptions(opt)) return RunServerSourceUpload(args, opt, *server);
  UploadSettings settings;
  if (Status s = ReadUploadSettings(opt, false, &settings); !s.ok()) {
    return UsageError("upload", s);
  }
  Credentials creds;
  if (Status c = ReadCredentials(opt, &creds); !c.ok()) return UsageError("upload", c);
  upload::UploadJob& job = settings.job;
  const upload::TaskSpec& spec = job.task;
  upload::RunOptions& run = settings.run;
  const std::string& selection_key = settings.selection_key;
  const std::string& progress_mode = settings.progress_mode;
  job.server = *server;
  job.auth_headers = creds.headers;
  job.login = creds.login;
  job.org = opt.Get("org");
  job.sources = opt.positional;
  if (opt.Has("task")) {
    Result<uint64_t> id = opt.GetUint("task", 0);
    if (!id) return UsageError("upload", id.error());
    job.task_id = static_cast<int64_t>(*id);
  }
  if (Status s = CheckSelectionFits(*settings.selection, job); !s.ok()) {
    return UsageError("upload", s);
  }
  ScratchDir temp(TempParent(), "cvat-ingest");  // a generated manifest
  job.temp_dir = temp.path();
  if (upload::UsesTemplate(run.units)) {
    if (opt.Has("task")) {
      return usage("--task ID names one task; --task-per and --split-every make a run of many "
                   "(use --create TEMPLATE)");
    }
    if (!opt.Has("no-journal") && !job.dry_run) {
      std::string key = spec.name + "\n" + opt.Get("task-per") + "\n" + opt.Get("split-every") +
                        selection_key;
      job.journal_path = opt.Has("journal") ? opt.Get("journal")
                                            : upload::DefaultJournalDir() + "/" +
                                                  upload::UploadKey(job.server, job.sources, key) +
                                                  ".journal";
    }
    std::string run_dir;
    if (!job.journal_path.empty()) {
      // The command, so that `cvat-ingest resume` can go on without it.
      Result<std::string> dir =
          BeginRunRecord(job.journal_path, std::vector<std::string>(args.begin(), args.end()));
      if (!dir) return RunError("upload", dir.error());
      run_dir = *dir;
    }
    int code = ExecuteRun(std::move(job), run, progress_mode, opt.Has("json"), run_dir);
    if (code == kExitOk && !run_dir.empty()) {
      if (Status s = MarkRunDone(run_dir); !s.ok()) return RunError("upload", s);
    }
    return code;
  }

  // One journal per upload: running the same command again finds it and goes on.
  if (!opt.Has("no-journal") && !job.dry_run) {
    job.journal_path = opt.Has("journal")
                           ? opt.Get("journal")
                           : upload::DefaultJournalDir() + "/" +
                                 upload::UploadKey(job.server, job.sources,
                                                   (opt.Has("task") ? opt.Get("task")
                                                                    : spec.name) +
                                                       selection_key) +
                                 ".journal";
    if (opt.Has("fresh") && ::access(job.journal_path.c_str(), F_OK) == 0) {
      if (Status s = RetireJournal(job.journal_path); !s.ok()) return RunError("upload", s);
    }
    if (::access(job.journal_path.c_str(), F_OK) != 0 && !opt.Has("fresh")) {
      if (std::optional<std::string> line = FinishedLine(job.journal_path)) {
        std::fprintf(stderr,
                     "this upload was done before (%s):\n  %s\nto upload it again into a new "
                     "task, run the same command with --fresh\n",
                     RunLogPath(job.journal_path).c_str(), line->c_str());
        return kExitOk;
      }
    }
    if (::access(job.journal_path.c_str(), F_OK) == 0) {
      std::string journal = job.journal_path;
      std::fprintf(stderr, "resuming the upload recorded in %s\n", journal.c_str());
      return ExecuteJob(std::move(job), journal, progress_mode, opt.Has("json"), "upload",
                        JobReporting{opt.Get("problems"), MakeResumeHint(opt)});
    }
  }
  return ExecuteJob(std::move(job), "", progress_mode, opt.Has("json"), "upload",
                    JobReporting{opt.Get("problems"), MakeResumeHint(opt)});
}

}  // namespace ingest::cli
