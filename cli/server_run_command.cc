// `upload --share|--remote|--cloud-storage-id` when the client lists and orders the files
// (upload/server_run.h): a run of many tasks, or one task in the client's order. Prints the
// plan (--dry-run: each task's data request), a line per task, the summary.
#include <cstdio>

#include "cli/exit_codes.h"
#include "cli/options.h"
#include "cli/report.h"
#include "cli/server_source_command.h"
#include "upload/server_run.h"

namespace ingest::cli {
namespace {

const char* Plural(size_t n, const char* one, const char* many) { return n == 1 ? one : many; }

std::string TaskUrl(std::string server, int64_t id) {
  while (!server.empty() && server.back() == '/') server.pop_back();
  return server + "/tasks/" + std::to_string(id);
}

// A unit's end: its line on stderr (its id on stdout); returns false when it failed.
bool PrintUnit(const upload::ServerUnitReport& r, const std::string& server, bool dry_run) {
  if (dry_run) {
    std::printf("%zu\t%s\t%zu file%s\n  %s\n", r.index + 1, r.name.c_str(), r.files,
                Plural(r.files, "", "s"), r.request_json.c_str());
    return true;
  }
  const upload::ServerSourceOutcome& o = r.outcome;
  if (!o.status.ok()) {
    std::fprintf(stderr, "task '%s' failed: %s\n", r.name.c_str(), o.status.message().c_str());
    if (o.task_deleted) {
      std::fprintf(stderr, "task %lld was deleted again (CVAT gives a task its data once)\n",
                   static_cast<long long>(*o.task_id));
    }
    return false;
  }
  std::fprintf(stderr, "task %lld '%s' is ready: %lld frame%s, %s\n",
               static_cast<long long>(o.task.id), r.name.c_str(),
               static_cast<long long>(o.task.size), Plural(o.task.size, "", "s"),
               TaskUrl(server, o.task.id).c_str());
  std::printf("%lld\n", static_cast<long long>(o.task.id));
  if (!r.order.ok()) {
    std::fprintf(stderr, "error: %s: the frames are not in the order asked: %s\n", r.name.c_str(),
                 r.order.message().c_str());
    return false;
  }
  return true;
}

}  // namespace

int RunServerUnits(upload::UploadJob job, const upload::ServerSources& src,
                   const upload::UnitOptions& units) {
  const std::string server = job.server;
  const bool dry_run = job.dry_run;
  size_t failed = 0;
  upload::ServerRunEvents events;
  events.on_units = [&](const std::vector<upload::TaskUnit>& list) {
    size_t files = 0;
    for (const upload::TaskUnit& u : list) files += u.records.size();
    std::fprintf(stderr, "plan: %zu task%s, %zu file%s CVAT reads itself (%s), sorting %s here\n",
                 list.size(), Plural(list.size(), "", "s"), files, Plural(files, "", "s"),
                 src.cloud_storage_id ? "cloud storage" : (src.share.empty() ? "remote" : "share"),
                 std::string(SortingMethodName(units.sorting)).c_str());
  };
  events.on_unit_end = [&](const upload::ServerUnitReport& r) {
    failed += !PrintUnit(r, server, dry_run);
  };
  upload::ServerRunOutcome out =
      upload::RunServerSourceUnits(std::move(job), src, units, events, InstallInterruptFlag());
  for (const std::string& note : out.notes) std::fprintf(stderr, "note: %s\n", note.c_str());
  if (out.skipped_files) {
    std::fprintf(stderr, "note: %zu listed file%s not an image, video or archive (CVAT skips "
                 "%s)\n", out.skipped_files, Plural(out.skipped_files, " is", "s are"),
                 Plural(out.skipped_files, "it", "them"));
  }
  if (!out.status.ok() && !out.cancelled) {
    return out.status.code() == Status::Code::kInvalidArgument ? UsageError("upload", out.status)
                                                                : RunError("upload", out.status);
  }
  if (dry_run) return kExitOk;
  std::fprintf(stderr, "%zu task%s: %zu done, %zu failed%s\n", out.units.size(),
               Plural(out.units.size(), "", "s"), out.units.size() - failed, failed,
               out.cancelled ? ", interrupted" : "");
  if (out.cancelled) return kExitInterrupted;
  if (failed == 0) return kExitOk;
  return out.units.size() == 1 ? kExitFailed : kExitPartial;
}

}  // namespace ingest::cli
