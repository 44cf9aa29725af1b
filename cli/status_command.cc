// cvat-ingest status --plan RUN.plan --server URL [--json]: the server's view of a planned
// run (upload/run_status.h), the check a workflow runs after a Slurm array or a Kubernetes
// Indexed Job, since no single shard's journal sees every task.
#include <cstdio>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/credentials.h"
#include "cli/exit_codes.h"
#include "cli/options.h"
#include "cli/report.h"
#include "manifest/jsonl_encoder.h"
#include "upload/curl_util.h"
#include "upload/run_plan.h"
#include "upload/run_status.h"
#include "upload/unit_steps.h"

namespace ingest::cli {
namespace {

using upload::UnitServerState;

constexpr OptionSpec kStatusOwnOptions[] = {
    {"plan", "RUN.plan", "the run's plan, written by `cvat-ingest plan -o` (required)"},
    {"server", "URL", "CVAT server, e.g. https://cvat.example.com (required)"},
    {"json", "", "print the units and the totals as JSON on stdout"},
};
constexpr auto kStatusOptions = JoinOptions(kStatusOwnOptions, kServerAccessOptions);

constexpr std::string_view kDescription =
    "Asks the server about every task of a planned run, by name: the check to run once\n"
    "every shard of a Slurm job array or a Kubernetes Indexed Job has ended, since no\n"
    "shard's journal sees the whole run. Each task is one of:\n"
    "  done        one task of its name, with data (its frames as the server counts them)\n"
    "  missing     no task of its name\n"
    "  duplicated  more than one task of its name\n"
    "  failed      one task without data whose build failed on the server\n"
    "  building    one task without data whose build is queued or running\n"
    "  empty       one task without data and no build: an upload in progress or stopped\n"
    "Without --json: one line per task that is not done (state, name, task ids), then the\n"
    "totals; --json lists every task with its ids, frames and planned frames and files.\n"
    "Exit status: 0 when every task is done exactly once, 1 when the plan or the server\n"
    "could not be read, 2 usage error, 3 when some task is missing, failed, building or\n"
    "empty (run the shards again: they skip what is done), 4 when some task was made more\n"
    "than once (duplicated: a person decides which to keep; 4 wins over 3).";

struct Totals {
  size_t count[6] = {};
  int64_t frames = 0;
};

std::string Ids(const UnitServerState& u) {
  std::string out;
  for (const upload::TaskInfo& t : u.tasks) {
    if (!out.empty()) out += ',';
    out += std::to_string(t.id);
  }
  return out.empty() ? "-" : out;
}

void PrintJson(const std::string& plan, const std::vector<UnitServerState>& units,
               const Totals& totals) {
  std::string out = "{\"plan\":";
  manifest::AppendJsonString(plan, &out);
  out += ",\"tasks\":[";
  for (size_t i = 0; i < units.size(); ++i) {
    const UnitServerState& u = units[i];
    if (i) out += ',';
    out += "{\"index\":" + std::to_string(u.index) + ",\"name\":";
    manifest::AppendJsonString(u.name, &out);
    out += ",\"state\":\"" + std::string(upload::StateName(u.state)) + "\",\"task_ids\":[";
    for (size_t k = 0; k < u.tasks.size(); ++k) {
      out += (k ? "," : "") + std::to_string(u.tasks[k].id);
    }
    out += "],\"frames\":" + std::to_string(u.frames) +
           ",\"planned_frames\":" + std::to_string(u.planned_frames) +
           ",\"planned_files\":" + std::to_string(u.planned_files) + ",\"message\":";
    manifest::AppendJsonString(u.message, &out);
    out += '}';
  }
  out += "],\"totals\":{\"tasks\":" + std::to_string(units.size());
  for (int s = 0; s < 6; ++s) {
    out += ",\"" + std::string(upload::StateName(static_cast<UnitServerState::State>(s))) +
           "\":" + std::to_string(totals.count[s]);
  }
  out += ",\"frames\":" + std::to_string(totals.frames) + "}}\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
}

void PrintText(const std::vector<UnitServerState>& units, const Totals& totals) {
  for (const UnitServerState& u : units) {
    if (u.state == UnitServerState::State::kDone) continue;
    std::string line = std::string(upload::StateName(u.state)) + "\t" + u.name + "\ttask " +
                       Ids(u);
    if (!u.message.empty()) line += "\t" + u.message;
    std::printf("%s\n", line.c_str());
  }
  std::string line = std::to_string(units.size()) + " tasks:";
  for (int s = 0; s < 6; ++s) {
    line += " " + std::to_string(totals.count[s]) + " " +
            std::string(upload::StateName(static_cast<UnitServerState::State>(s))) +
            (s < 5 ? "," : "");
  }
  std::printf("%s; %lld frames\n", line.c_str(), static_cast<long long>(totals.frames));
}

}  // namespace

int RunStatus(Args args) {
  Result<ParsedArgs> parsed = ParseArgs(args, kStatusOptions);
  if (!parsed) return UsageError("status", parsed.error());
  const ParsedArgs& opt = *parsed;
  if (opt.Has("help")) {
    PrintHelp("cvat-ingest status --plan RUN.plan --server URL [--json] [OPTIONS]", kDescription,
              kStatusOptions);
    return kExitOk;
  }
  auto usage = [](const std::string& msg) {
    return UsageError("status", Status::InvalidArgument(msg));
  };
  if (!opt.positional.empty()) return usage("status takes no PATH: the plan names the tasks");
  if (!opt.Has("plan")) return usage("--plan RUN.plan is required");
  if (!opt.Has("server")) return usage("--server URL is required");
  Result<std::string> server = upload::ParseServerUrl(opt.Get("server"));
  if (!server) return UsageError("status", server.error());
  upload::UploadJob job;
  job.server = *server;
  if (Status s = ReadConnectionOptions(opt, &job.transfer.connection); !s.ok()) {
    return UsageError("status", s);
  }
  Credentials creds;
  if (Status c = ReadCredentials(opt, &creds); !c.ok()) return UsageError("status", c);
  job.auth_headers = creds.headers;
  job.login = creds.login;
  job.org = opt.Get("org");

  const std::string path = opt.Get("plan");
  Result<upload::RunPlan> plan = upload::ReadPlanFile(path);
  if (!plan) return RunError("status", plan.error());
  upload::HttpClient http(job.transfer.connection, job.auth_headers);
  upload::CvatApi api(job.server, &http);
  if (Status s = upload::ConnectToServer(job, api, &http); !s.ok()) return RunError("status", s);
  Result<std::vector<UnitServerState>> units = upload::ReadRunStatus(api, plan->units, nullptr);
  if (!units) return RunError("status", units.error());
  Totals totals;
  for (const UnitServerState& u : *units) {
    ++totals.count[static_cast<int>(u.state)];
    totals.frames += u.frames;
  }
  if (opt.Has("json")) {
    PrintJson(path, *units, totals);
  } else {
    PrintText(*units, totals);
  }
  if (totals.count[static_cast<int>(UnitServerState::State::kDuplicated)] > 0) {
    return kExitDuplicated;
  }
  return totals.count[0] == units->size() ? kExitOk : kExitPartial;
}

}  // namespace ingest::cli
