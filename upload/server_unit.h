// One task of files CVAT reads itself (share, remote URLs, a bucket), with the unit's
// journal when the run keeps one: find or create the task -> one data request (POST /data/
// naming the files) -> wait for the build -> check the frames against the order asked.
//
// The journal is the one-task journal (upload/journal.h) with no files: its task request,
// its data request (the header's finish_json), the frames asked (frame_order), and the
// states a local upload records: "creating" before POST /api/tasks, the task's id once
// made, "finishing" before the data request is sent (its intent, written at once), its
// rq_id once accepted, "done". So a rerun after an interruption, whenever it came:
// - before the task was known: takes the task the interrupted run made (AcquireTask: the
//   newest of the name without data, made since the journal) instead of making another;
// - with the task known and no data request sent: sends it;
// - after "finishing": never sends the request again. The task with data is done; else the
//   server's creation request for the task (GET /api/requests/create:task.id=N..., before
//   CVAT 2.16 GET /api/tasks/N/status) says whether one is queued, running or finished (it
//   is waited for) or was never received (only then is the request sent);
// - with an rq_id: waits for it.
#ifndef INGEST_UPLOAD_SERVER_UNIT_H_
#define INGEST_UPLOAD_SERVER_UNIT_H_

#include <atomic>
#include <string>
#include <vector>

#include "upload/cvat_api.h"
#include "upload/upload_job.h"

namespace ingest::upload {

// The journal value that marks a unit journal of files CVAT reads itself (it lists no files):
// `resume` of it as a local upload is refused.
inline constexpr char kServerSourcesJournalKey[] = "server_sources";

// What a unit sends, planned by the run (upload/server_run.h).
struct ServerUnitPlan {
  std::string request_json;         // the data request
  std::vector<std::string> frames;  // the frame names in the order asked ({}: not checked)
};

// The frames task `task_id` reports (GET /data/meta) against `frames`, the order asked (names
// may be longer paths: a suffix match, as CVAT matches manifests). OK for no frames.
Status CheckServerFrames(CvatApi& api, int64_t task_id, const std::vector<std::string>& frames);

// Runs the unit's task: job.task names it (job.task_id: an existing task without data),
// job.journal_path is its journal ("" for none; created when missing, resumed when there),
// job.skip_existing looks for a task of the name first (AcquireTask). Fills `out`: the
// task, out.order the frame check (a failed check fails the unit: out.status says so).
// A task this call made that got no data request is deleted again on a failure.
void RunServerUnit(CvatApi& api, const UploadJob& job, const ServerUnitPlan& plan,
                   const UploadEvents& events, const std::atomic<bool>* cancel,
                   UploadOutcome& out);

}  // namespace ingest::upload

#endif  // INGEST_UPLOAD_SERVER_UNIT_H_
