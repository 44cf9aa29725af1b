// The steps of an upload that a one-task upload (upload_job) and a run of many tasks
// (upload_run) share: one code path for a task's work, whichever drives it.
//   ConnectToServer -> ScanForUpload -> ApplyServerLimits -> per unit: RunUnit
// (upload_job.cc), whose task steps AcquireTask -> ExecuteTask -> CompleteTask are in
// task_steps.cc (a resumed upload enters at ExecuteTask).
#ifndef INGEST_UPLOAD_UNIT_STEPS_H_
#define INGEST_UPLOAD_UNIT_STEPS_H_

#include <atomic>
#include <chrono>
#include <memory>

#include "engine/scanner.h"
#include "upload/cvat_api.h"
#include "upload/http_client.h"
#include "upload/journal.h"
#include "upload/transfer_engine.h"
#include "upload/upload_job.h"

namespace ingest::upload {

// With --auth USER (not Basic): logs in and makes `http` send the session's key. Then checks
// that the server answers as CVAT, and for a dry run that it takes the credentials (GET
// /api/users/self) and knows the project of task.project_id. Resolves task.assignee_name to
// task.assignee_id (GET /api/users?search=) before anything is created; a dry run adds a note
// saying which id it is to `notes` (when given).
Status ConnectToServer(UploadJob& job, CvatApi& api, HttpClient* http,
                       std::vector<std::string>* notes = nullptr);

// Scans job.sources as an upload needs them (archives stay one file unless --extract; small
// files hashed when there is a journal). Files that cannot be read or probed go to
// out->scan_errors and fail the scan with InvalidArgument.
Result<std::shared_ptr<const ScanResult>> ScanForUpload(const UploadJob& job,
                                                        const std::atomic<bool>* cancel,
                                                        UploadOutcome* out);

// The server's limits for the plan (Tus-Max-Size); with --task, checks that the task exists
// and is empty (sets out->task_id).
Status ApplyServerLimits(CvatApi& api, UploadJob* job, UploadOutcome* out);

// Plans and uploads one task from `scan` (the unit's records): members of an archive unit are
// scanned for its manifest, the plan is made (and the manifest written), the journal created,
// then task, Upload-Start, transfer, finish, wait. Fills `out`; out.status says how it went.
void RunUnit(CvatApi& api, HttpClient& http, UploadJob job, std::shared_ptr<const ScanResult> scan,
             UploadOutcome& out, const UploadEvents& events, TransferCounters* counters,
             const std::atomic<bool>* cancel, std::chrono::steady_clock::time_point t0);

// Creates the journal of a fresh upload (journal_setup.cc): the header, then the plan's rows
// one at a time. Takes *finish_body for the header and gives it back (not copied: 15 MB for
// 1M files).
Result<std::unique_ptr<Journal>> CreateJournal(const UploadJob& job, const ScanResult& scan,
                                               const UploadPlan& plan,
                                               std::optional<int64_t> task_id,
                                               const std::string& task_body,
                                               std::string* finish_body);

// The task of an upload, within the unit's creation turn (events.before_task, after_task):
// the one out.task_id names (the journal's, or --task); else with job.skip_existing and no
// creation pending in the journal, one of the name on the server (with data: the upload is
// done, out.skipped; without: used; with job.claim_tasks claimed, upload/task_claim.h); else
// the one an interrupted run created (the journal's state "creating": the newest task of the
// name without data made since the journal); else a new one from `task_body`, the journal's
// state "creating" recorded first. Records the task in the journal. Returns false when the
// upload stops here: out.status holds the failure, or out.skipped is set.
bool AcquireTask(CvatApi& api, const UploadJob& job, Journal* journal,
                 const std::string& task_body, UploadOutcome& out, const UploadEvents& events,
                 const std::atomic<bool>* cancel);

// After a failure (not an interruption) of an upload that created its task and sent it no
// data: deletes the task and sets the journal aside (*.failed); out.status says so, or why
// the task could not be deleted.
void DropEmptyTask(CvatApi& api, const std::string& journal_path, UploadOutcome& out);

// Task, Upload-Start, transfer, finish, wait, order check: the part of an upload that is the
// same for a fresh run (RunUnit) and a resumed one (ResumeUploadJob). `task_body` creates the
// task when out.task_id is not set; `start` says where each file stands (empty: nothing sent);
// `rq_id` is the finish request a resumed run polls again. Fills `out`.
void ExecuteTask(CvatApi& api, HttpClient& http, UploadJob& job, Journal* journal,
                 FileSource& files, std::vector<FileStart> start, const std::string& task_body,
                 const std::string& finish_body, std::string rq_id, UploadOutcome& out,
                 const UploadEvents& events, TransferCounters* counters,
                 const std::atomic<bool>* cancel, std::chrono::steady_clock::time_point t0);

// The task is ready: checks its frame order (against out.plan; without one, out.order is
// the caller's), imports its annotations (--annotations), and records the end in the journal.
// Fills out.task, out.order, out.status, out.total_seconds.
void CompleteTask(CvatApi& api, Journal* journal, const UploadJob& job,
                  const UploadEvents& events, const std::atomic<bool>* cancel, const TaskInfo& task,
                  UploadOutcome& out, std::chrono::steady_clock::time_point t0);

}  // namespace ingest::upload

#endif  // INGEST_UPLOAD_UNIT_STEPS_H_
