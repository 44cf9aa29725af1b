// cvat-ingest plan: scan once and list a run's tasks, or write the run's plan for shards on
// many hosts (-o RUN.plan; upload --plan RUN.plan --shard K/N runs one shard of it).
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/options.h"
#include "cli/progress.h"
#include "cli/report.h"
#include "cli/run_output.h"
#include "cli/selection_options.h"
#include "cli/upload_options.h"
#include "upload/plan_check.h"
#include "upload/run_plan.h"
#include "upload/unit_steps.h"

namespace ingest::cli {
namespace {

constexpr OptionSpec kPlanOwnOptions[] = {
    {"output", "RUN.plan", "write the plan to this file (without it: list the tasks)", 'o'},
};
constexpr auto kPlanOptions = JoinOptions(kPlanOwnOptions, kRunPlanOptions, kSelectionOptions);

constexpr std::string_view kDescription =
    "Scans the sources once and groups them into tasks as `upload` would with the same\n"
    "options. Without -o: lists the tasks (a line per task and the totals on stdout).\n"
    "With -o RUN.plan: writes the run's plan, one zstd-compressed file holding the options,\n"
    "the sources (absolute paths), every file (size, mtime, XXH3 where the scan hashed it,\n"
    "probe results) and the tasks. Hosts that see the sources at the same paths then run\n"
    "one shard each, without scanning and without talking to each other:\n"
    "  cvat-ingest upload --plan RUN.plan --shard K/N --server URL\n"
    "(--shard auto in a Slurm job array or a Kubernetes Indexed Job).\n"
    "Exit status: 0 planned, 1 failed, 2 usage error, 3 planned without files left out\n"
    "by --skip-bad.";

// Absolute and without trailing slashes, so that any host with the same mounts finds it.
std::string AbsolutePath(const std::string& path) {
  std::error_code ec;
  std::string abs = std::filesystem::absolute(path, ec).lexically_normal().string();
  if (ec) abs = path;
  while (abs.size() > 1 && abs.back() == '/') abs.pop_back();
  return abs;
}

Result<std::vector<upload::TaskUnit>> Group(const ScanResult& scan, const UploadSettings& s) {
  upload::UnitOptions unit_options = s.run.units;
  unit_options.name_template = s.job.task.name;
  unit_options.sorting = s.job.plan.sorting;
  unit_options.seed = s.job.plan.seed;
  return upload::GroupIntoUnits(scan, unit_options);
}

// Writes the plan; prints what was written.
int Write(const std::string& path, const ParsedArgs& opt, const UploadSettings& s,
          const ScanResult& scan, const std::vector<upload::TaskUnit>& units, double scan_secs) {
  upload::PlanInfo info;
  info.tool = std::string("cvat-ingest ") + INGEST_VERSION;
  info.created_unix = static_cast<int64_t>(std::time(nullptr));
  if (!s.selection->empty()) info.selection = s.selection->Describe();
  Result<std::vector<std::pair<std::string, std::string>>> options = PlanOptionsOf(opt);
  if (!options) return UsageError("plan", options.error());
  info.options = std::move(*options);
  std::vector<ScanSource> sources = scan.sources;
  if (Status st = upload::StampArchiveSources(&sources); !st.ok()) return RunError("plan", st);
  auto t0 = std::chrono::steady_clock::now();
  if (Status st = upload::WritePlanFile(path, info, sources, scan.files, units); !st.ok()) {
    return RunError("plan", st);
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::error_code ec;
  uint64_t size = std::filesystem::file_size(path, ec);
  std::fprintf(stderr, "wrote %s (%s): scanned in %.1f s, written in %.2f s\n", path.c_str(),
               FormatBytes(size).c_str(), scan_secs, secs);
  return kExitOk;
}

}  // namespace

int RunPlan(Args args) {
  Result<ParsedArgs> parsed = ParseArgs(args, kPlanOptions);
  if (!parsed) return UsageError("plan", parsed.error());
  const ParsedArgs& opt = *parsed;
  if (opt.Has("help")) {
    PrintHelp("cvat-ingest plan PATH... --create NAME|TEMPLATE [-o RUN.plan] [OPTIONS]",
              kDescription, kPlanOptions);
    return kExitOk;
  }
  auto usage = [](const std::string& msg) {
    return UsageError("plan", Status::InvalidArgument(msg));
  };
  if (opt.positional.empty()) return usage("no PATH given");
  if (!opt.Has("create")) {
    return usage(
        "give --create NAME (a template with --task-per or --split-every): a plan's "
        "tasks are found and made by name");
  }
  UploadSettings s;
  if (Status st = ReadUploadSettings(opt, false, &s); !st.ok()) return UsageError("plan", st);
  for (const std::string& p : opt.positional) s.job.sources.push_back(AbsolutePath(p));
  if (Status st = CheckSelectionFits(*s.selection, s.job); !st.ok()) return UsageError("plan", st);
  s.job.hash_small_files = opt.Has("output");  // for the shards' change check

  auto t0 = std::chrono::steady_clock::now();
  upload::UploadOutcome prep;
  Result<std::shared_ptr<const ScanResult>> scan =
      upload::ScanForUpload(s.job, InstallInterruptFlag(), &prep);
  for (const ScanProblem& p : prep.scan_errors) {
    std::fprintf(stderr, "%s: %s\n", scan ? "skipped" : "error", p.status.message().c_str());
  }
  if (!scan) return RunError("plan", scan.error());
  double scan_secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  Result<std::vector<upload::TaskUnit>> units = Group(**scan, s);
  if (!units) return RunError("plan", units.error());
  PrintRunPlan(*units, !opt.Has("output"));
  int code = kExitOk;
  if (opt.Has("output")) code = Write(opt.Get("output"), opt, s, **scan, *units, scan_secs);
  return code == kExitOk && !prep.scan_errors.empty() ? kExitPartial : code;
}

}  // namespace ingest::cli
