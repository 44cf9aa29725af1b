// Tasks from server-side sources whose files the client lists first (upload/server_listing.h):
// a run of many tasks (--task-per, --split-every) and every task whose order the client
// computes (natural, predefined, a seeded random), as for local files.
//
//   list (share folders, the bucket's manifest, the URLs) -> group into units and name them
//   (upload/task_units.h: the same templates, the same refusal of one name for two tasks) ->
//   per unit, in plan order: order its files (engine/file_order.h, on the names CVAT gives the
//   frames) -> create the task -> one data request naming the files in that order -> wait ->
//   check the frames (GET /data/meta) against the order asked.
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

namespace ingest::upload {

struct ServerUnitReport {
  size_t index = 0;  // from 0, in plan order
  std::string name;
  size_t files = 0;
  std::string request_json;  // the data request (sent, or for a dry run, that would be)
  std::vector<std::string> frames;  // the frame names in the order asked ({} when unchecked)
  ServerSourceOutcome outcome;      // the task; outcome.status says how it went
  Status order;                     // the frames the server reports against `frames`
};

struct ServerRunEvents {
  // The units, named, before any task is made.
  std::function<void(const std::vector<TaskUnit>&)> on_units;
  // A unit ended (also for a dry run, with nothing sent).
  std::function<void(const ServerUnitReport&)> on_unit_end;
};

struct ServerRunOutcome {
  Status status;  // OK when the plan was made and every unit ran (each has its own status)
  std::vector<ServerUnitReport> units;
  size_t skipped_files = 0;  // listed files that are no media
  std::vector<std::string> notes;
  bool cancelled = false;
};

// True when the client computes the order of these sources' files: a run (`units` uses a
// template), natural, predefined or seeded random sorting, or --job-file-mapping; never with
// a manifest among the share or remote files, nor with honeypots.
bool ClientOrdersServerFiles(const ServerSources& src, const DataOptions& data,
                             const UnitOptions& units);

// Lists, groups, and runs the units (see above). job.task.name is the name template.
ServerRunOutcome RunServerSourceUnits(UploadJob job, const ServerSources& src,
                                      const UnitOptions& units, const ServerRunEvents& events,
                                      const std::atomic<bool>* cancel);

}  // namespace ingest::upload

#endif  // INGEST_UPLOAD_SERVER_RUN_H_
