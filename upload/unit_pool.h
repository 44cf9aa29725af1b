// What a run of many tasks does the same way whoever holds the files (local files,
// upload/upload_run.h; files CVAT reads itself, upload/server_run.h): K workers over the
// units in plan order, tasks created in plan order (creation turns), the run's events with
// the count of tasks the server is building, a unit's journal in the run's folder, a unit
// an earlier run finished, and a unit's report from its outcome.
#ifndef INGEST_UPLOAD_UNIT_POOL_H_
#define INGEST_UPLOAD_UNIT_POOL_H_

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "upload/cvat_api.h"
#include "upload/http_client.h"
#include "upload/upload_job.h"
#include "upload/upload_run.h"

namespace ingest::upload {

// Units create their tasks in plan order: unit i may look for or create its task once every
// unit before it has passed that point (or ended). Workers take units in increasing order,
// so the unit a waiter waits for is always being worked on.
class CreationTurns {
 public:
  explicit CreationTurns(size_t units) : passed_(units, false) {}

  // Blocks until every unit before `index` passed; returns early when `cancel` is set.
  void Wait(size_t index, const std::atomic<bool>* cancel);
  // Unit `index` is past its creation point. Idempotent.
  void Pass(size_t index);

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<bool> passed_;  // GUARDED_BY(mu_)
  size_t next_ = 0;           // GUARDED_BY(mu_): the first unit not passed
};

// The run's events (RunEvents), one call at a time, with the phase counts.
class RunReporter {
 public:
  RunReporter(const RunEvents& events, bool dry_run) : events_(events), dry_run_(dry_run) {}

  // A milestone of unit `r`; `building_delta` +1 when the server starts building its task.
  void Emit(const UnitReport& r, std::string_view event, int building_delta = 0);
  // The unit's --annotations bytes on the server.
  void AnnotationBytes(const UnitReport& r, uint64_t done, uint64_t total);
  // The unit ended (r.state set): its last milestone, its outcome, the phase counts.
  // `building` when the server was building its task.
  void End(const UnitReport& r, const UploadOutcome& out, bool building);

 private:
  const RunEvents& events_;
  const bool dry_run_;
  std::mutex mu_;
  size_t building_ = 0;  // GUARDED_BY(mu_)
  size_t finished_ = 0;  // GUARDED_BY(mu_)
};

// The one-task events of unit `index` (report `r`) as the run's: its creation turn, the
// "created" and "finishing" milestones, its --annotations bytes; `*building` becomes true
// at "finishing".
UploadEvents UnitTurnEvents(CreationTurns& turns, RunReporter& reporter, size_t index,
                            UnitReport& r, bool* building, const std::atomic<bool>* cancel);

// Runs `fn(index, api, http)` for units [0, n) on min(k, n) workers (at least one), each with
// its own connection to job.server sending `headers`; a worker takes the next unit in plan
// order, and stops taking units once `cancel` is set. Returns when every worker is done.
void RunOnWorkers(const UploadJob& job, const std::vector<std::string>& headers, size_t n, int k,
                  const std::atomic<bool>* cancel,
                  const std::function<void(size_t, CvatApi&, HttpClient&)>& fn);

// The journal of the unit named `name` in the run's journal folder `dir`; "" when the run
// keeps none (`dir` empty).
std::string UnitJournalPath(const std::string& dir, const UploadJob& job, const std::string& name);

// What the journal `journal_path` of a unit says of an earlier run.
enum class EarlierRun {
  kNone,        // no journal (none kept, or none left): the unit starts afresh
  kUnfinished,  // the unit was interrupted: resume it from its journal
  kFinished,    // done, its task is on the server with data: `out` holds it (skipped), or
                // out.status the server's error when it could not be asked
  kGone,        // done, but its task is gone from the server (deleted, or without data):
                // the journal was set aside (*.gone), a note in `out` says the task is made
                // again; the unit starts afresh
};
EarlierRun CheckEarlierRun(CvatApi& api, const std::string& journal_path, UploadOutcome& out);

// Fills the report of a unit from its outcome (state, task, frames, error). A unit whose
// build the server failed has its task deleted (it can get no other data) and its journal
// set aside (*.failed), so that a rerun makes it again; the error says so.
void SettleUnit(CvatApi& api, const std::string& journal_path, const UploadOutcome& out,
                UnitReport& r);

}  // namespace ingest::upload

#endif  // INGEST_UPLOAD_UNIT_POOL_H_
