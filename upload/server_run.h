// Tasks from server-side sources whose files the client lists first (upload/server_listing.h):
// a run of many tasks (--task-per, --split-every) and every task whose order the client
// computes (natural, predefined, a seeded random), as for local files.
//
//   list (share folders, the bucket's manifest, the URLs) -> group into units and name them
//   (upload/task_units.h: the same templates, the same refusal of one name for two tasks) ->
//   per unit, in plan order: order its files (engine/file_order.h, on the names CVAT gives the
//   frames) -> create the task -> one data request naming the files in that order -> wait ->
//   check the frames (GET /data/meta) against the order asked; K units in flight, as for
//   local files, each with its journal (upload/server_unit.h).
//
// The request names the unit's files one by one in the final order: `lexicographical` when
// that is the method (CVAT sorts them the same way), else `predefined`, which CVAT keeps as
// the list's order for share, remote and bucket files (task.py; a bucket's manifest then only
// gives the sizes). With --job-file-mapping (one task): the mapping's files, job after job,
// with `lexicographical` (the only sorting CVAT takes with a mapping; its frames follow the
// mapping). Honeypots (--validation-mode gt_pool) need CVAT's own random: it is sent,
// and the order is not checked.
//
// What cannot mean anything is refused before any request: --task-per folder or archive for
// URLs (CVAT keeps a download's base name only: there are no folders, and each URL is one file
// already), --task-per video or archive for a bucket (its manifest lists images only), a
// manifest among the share or remote files of a run (it orders one task), --job-file-mapping
// in a run (it names one task's files).
#ifndef INGEST_UPLOAD_SERVER_RUN_H_
#define INGEST_UPLOAD_SERVER_RUN_H_

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "upload/server_sources.h"
#include "upload/task_units.h"
#include "upload/upload_job.h"
#include "upload/upload_run.h"

namespace ingest::upload {

struct ServerRunEvents {
  RunEvents run;  // as for a run of local files (upload/upload_run.h)
  // A dry run: each unit (in plan order) with the data request it would send.
  std::function<void(const UnitReport&, const std::string& request_json)> on_planned;
};

struct ServerRunOutcome {
  RunOutcome run;            // run.status OK when every unit ran (each has its state)
  size_t skipped_files = 0;  // listed files that are no media
  std::vector<std::string> notes;
};

// True when the client computes the order of these sources' files: a run (`units` uses a
// template), natural, predefined or seeded random sorting, or --job-file-mapping; never with
// a manifest among the share or remote files, nor with honeypots.
bool ClientOrdersServerFiles(const ServerSources& src, const DataOptions& data,
                             const UnitOptions& units);

// Lists, groups, and runs the units (see above) as a run of local files runs them
// (upload/unit_pool.h): options.parallel_tasks units in flight, tasks created in plan order,
// each unit with its journal in RunJournalDir(job.journal_path) when job.journal_path is set
// (upload/server_unit.h: a rerun resumes without a second task or a second data request),
// job.skip_existing as for local files. job.task.name is the name template.
ServerRunOutcome RunServerSourceUnits(UploadJob job, const ServerSources& src,
                                      const RunOptions& options, const ServerRunEvents& events,
                                      const std::atomic<bool>* cancel);

}  // namespace ingest::upload

#endif  // INGEST_UPLOAD_SERVER_RUN_H_
