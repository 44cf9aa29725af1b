// `upload --share|--remote|--cloud-storage-id` when the client lists and orders the files
// (upload/server_run.h): a run of many tasks, or one task in the client's order. Printed as
// a run of local files is (cli/run_output.h: a line per task, --progress json task events,
// --json, the summary, exit 0 / 3 / 130), with the plan of files CVAT reads itself (--dry-run:
// each task's data request).
#include <cstdio>

#include "cli/exit_codes.h"
#include "cli/options.h"
#include "cli/report.h"
#include "cli/run_output.h"
#include "cli/server_source_command.h"
#include "upload/server_run.h"

namespace ingest::cli {
namespace {

const char* Plural(size_t n, const char* one, const char* many) { return n == 1 ? one : many; }

}  // namespace

int RunServerUnits(upload::UploadJob job, const upload::ServerSources& src,
                   const upload::RunOptions& options, const ServerRunPrinting& how) {
  RunPrinting printing;
  printing.server = job.server;
  printing.dry_run = job.dry_run;
  printing.progress_mode = how.progress_mode;
  printing.json_summary = how.json_summary;
  printing.run_dir = how.run_dir;
  printing.refusal_is_usage = true;
  printing.print_plan = [&](const std::vector<upload::TaskUnit>& list,
                            const std::vector<std::string>&) {
    size_t files = 0;
    for (const upload::TaskUnit& u : list) files += u.records.size();
    std::fprintf(stderr, "plan: %zu task%s, %zu file%s CVAT reads itself (%s), sorting %s here\n",
                 list.size(), Plural(list.size(), "", "s"), files, Plural(files, "", "s"),
                 src.cloud_storage_id ? "cloud storage" : (src.share.empty() ? "remote" : "share"),
                 std::string(SortingMethodName(options.units.sorting)).c_str());
  };
  upload::ServerRunOutcome out;
  printing.after_run = [&] {
    for (const std::string& note : out.notes) std::fprintf(stderr, "note: %s\n", note.c_str());
    if (out.skipped_files) {
      std::fprintf(stderr, "note: %zu listed file%s not an image, video or archive (CVAT skips "
                   "%s)\n", out.skipped_files, Plural(out.skipped_files, " is", "s are"),
                   Plural(out.skipped_files, "it", "them"));
    }
  };
  const bool one_task = !upload::UsesTemplate(options.units);
  int code = ReportRun(printing, [&](const upload::RunEvents& events, upload::TransferCounters*,
                                     const std::atomic<bool>* cancel) {
    upload::ServerRunEvents server_events;
    server_events.run = events;
    server_events.on_planned = [](const upload::UnitReport& r, const std::string& request) {
      std::printf("%zu\t%s\t%zu file%s\n  %s\n", r.index + 1, r.name.c_str(), r.files,
                  Plural(r.files, "", "s"), request.c_str());
    };
    out = upload::RunServerSourceUnits(std::move(job), src, options, server_events, cancel);
    return std::move(out.run);
  });
  // One task in the client's order (no --task-per, --split-every) fails as a task fails.
  return one_task && code == kExitPartial ? kExitFailed : code;
}

}  // namespace ingest::cli
