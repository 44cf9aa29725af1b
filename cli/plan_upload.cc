// cvat-ingest upload --plan RUN.plan [--shard K/N|auto]: one shard of a planned run.
//
// The plan fixes the run (its options, files and tasks); the command line adds what is the
// host's: the server, credentials, connections, journal, progress. The shard's units are a
// pure function of the plan and N (upload/shard_split.h), so hosts agree without talking.
// Shards always behave as with --skip-existing: a shard the scheduler starts again elsewhere,
// without its journal, skips the units whose task exists with data and takes over one that
// exists without data (deleted and made again), so no task is made twice; the claim is safe
// against the same shard running twice at once (upload/task_claim.h).
#include "cli/plan_upload.h"

#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "cli/credentials.h"
#include "cli/exit_codes.h"
#include "cli/report.h"
#include "cli/run_output.h"
#include "cli/run_record.h"
#include "cli/scratch_dir.h"
#include "cli/selection_options.h"
#include "cli/upload_options.h"
#include "upload/journal.h"
#include "upload/run_plan.h"
#include "upload/shard_split.h"

namespace ingest::cli {
namespace {

// A usage error for options that the plan fixes or that make no sense with it.
Status CheckPlanCommandLine(const ParsedArgs& opt) {
  if (!opt.positional.empty()) {
    return Status::InvalidArgument("--plan takes no PATH: the plan names its sources");
  }
  if (opt.Has("task")) {
    return Status::InvalidArgument("--task ID names one task; a plan's tasks are made by name");
  }
  for (std::span<const OptionSpec> table : {std::span<const OptionSpec>(kRunPlanOptions),
                                            std::span<const OptionSpec>(kSelectionOptions)}) {
    for (const OptionSpec& spec : table) {
      if (!opt.Has(spec.name)) continue;
      return Status::InvalidArgument("--" + std::string(spec.name) +
                                     " is fixed by the plan (written by cvat-ingest plan with "
                                     "the run's options): write a new plan to change it");
    }
  }
  if (!opt.Has("server")) return Status::InvalidArgument("--server URL is required");
  return Status();
}

// The command line with the plan's options added, parsed as upload's.
Result<ParsedArgs> WithPlanOptions(Args args, const upload::RunPlan& plan,
                                   std::span<const OptionSpec> table, const std::string& path) {
  std::vector<std::string> argv(args.begin(), args.end());
  for (const auto& [name, value] : plan.info.options) {
    const OptionSpec* spec = nullptr;
    for (const OptionSpec& s : kRunPlanOptions) {
      if (s.name == name) spec = &s;
    }
    if (spec == nullptr) {
      return Status::InvalidArgument(path + ": the plan holds the option --" + name +
                                     ", which this cvat-ingest does not know (" + plan.info.tool +
                                     " wrote it)");
    }
    argv.push_back("--" + name + (spec->value.empty() ? "" : "=" + value));
  }
  std::vector<const char*> ptrs;
  for (const std::string& a : argv) ptrs.push_back(a.c_str());
  return ParseArgs(Args(ptrs.data(), ptrs.size()), table);
}

// The arguments recorded for `resume`: --shard auto becomes the shard it was resolved to
// (another host's environment must not pick another one).
std::vector<std::string> RecordedArgs(Args args, upload::Shard shard) {
  std::vector<std::string> out;
  std::string resolved = std::to_string(shard.index + 1) + "/" + std::to_string(shard.count);
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    if (a == "--shard" && i + 1 < args.size()) {
      out.push_back(a);
      out.push_back(resolved);
      ++i;
    } else if (a.starts_with("--shard=")) {
      out.push_back("--shard=" + resolved);
    } else if (a == "--shards" && i + 1 < args.size()) {
      ++i;
    } else if (!a.starts_with("--shards=")) {
      out.push_back(a);
    }
  }
  return out;
}

}  // namespace

int RunPlannedUpload(Args args, const ParsedArgs& opt, std::span<const OptionSpec> table) {
  if (Status s = CheckPlanCommandLine(opt); !s.ok()) return UsageError("upload", s);
  Result<std::string> server = upload::ParseServerUrl(opt.Get("server"));
  if (!server) return UsageError("upload", server.error());
  Result<uint64_t> shards = opt.GetUint("shards", 0);
  if (!shards || *shards > UINT32_MAX || (opt.Has("shards") && *shards == 0)) {
    return UsageError("upload", Status::InvalidArgument("--shards: N >= 1"));
  }
  Result<upload::Shard> shard =
      upload::ResolveShard(opt.Get("shard", "1/1"), static_cast<uint32_t>(*shards),
                           [](const char* name) -> const char* { return std::getenv(name); });
  if (!shard) return UsageError("upload", shard.error());
  const std::string path = opt.Get("plan");
  Result<upload::RunPlan> plan = upload::ReadPlanFile(path);
  if (!plan) return RunError("upload", plan.error());
  Result<ParsedArgs> merged = WithPlanOptions(args, *plan, table, path);
  if (!merged) return RunError("upload", merged.error());
  UploadSettings settings;
  if (Status s = ReadUploadSettings(*merged, true, &settings); !s.ok()) {
    return UsageError("upload", s);
  }
  Credentials creds;
  if (Status c = ReadCredentials(opt, &creds); !c.ok()) return UsageError("upload", c);
  upload::UploadJob& job = settings.job;
  job.server = *server;
  job.auth_headers = creds.headers;
  job.login = creds.login;
  job.org = opt.Get("org");
  for (const ScanSource& s : plan->scan.sources) job.sources.push_back(s.path);
  job.skip_existing = true;
  job.claim_tasks = true;
  ScratchDir temp(TempParent(), "cvat-ingest");
  job.temp_dir = temp.path();

  PlannedUnits planned;
  planned.plan_index = upload::ShardUnits(plan->units, *shard);
  for (size_t i : planned.plan_index) planned.units.push_back(std::move(plan->units[i]));
  std::fprintf(stderr, "shard %u/%u of %s: %zu of %zu tasks\n", shard->index + 1, shard->count,
               path.c_str(), planned.units.size(), plan->units.size());
  planned.scan = std::make_shared<const ScanResult>(std::move(plan->scan));

  std::string run_dir;
  if (!opt.Has("no-journal") && !job.dry_run) {
    char id[17];
    std::snprintf(id, sizeof id, "%016llx", static_cast<unsigned long long>(plan->id));
    std::string key = std::string("plan ") + id + "\nshard " + std::to_string(shard->index + 1) +
                      "/" + std::to_string(shard->count);
    job.journal_path = opt.Has("journal")
                           ? opt.Get("journal")
                           : upload::DefaultJournalDir() + "/" +
                                 upload::UploadKey(job.server, job.sources, key) + ".journal";
    Result<std::string> dir = BeginRunRecord(job.journal_path, RecordedArgs(args, *shard));
    if (!dir) return RunError("upload", dir.error());
    run_dir = *dir;
  }
  int code = ExecuteRun(std::move(job), settings.run, settings.progress_mode, opt.Has("json"),
                        run_dir, &planned);
  if (code == kExitOk && !run_dir.empty()) {
    if (Status s = MarkRunDone(run_dir); !s.ok()) return RunError("upload", s);
  }
  return code;
}

}  // namespace ingest::cli
