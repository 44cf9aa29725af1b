// UploadJob: one whole upload, from source paths to a created task:
//   scan -> (task: create or check) -> plan -> Upload-Start -> transfer -> Upload-Finish ->
//   wait -> check the frame order.
// The CLI fills an UploadJob from its options and prints what the events and the outcome
// tell; tests drive it directly against the local receiver.
#ifndef INGEST_UPLOAD_UPLOAD_JOB_H_
#define INGEST_UPLOAD_UPLOAD_JOB_H_

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/name_arena.h"
#include "engine/scanner.h"
#include "upload/annotation_import.h"
#include "upload/journal.h"
#include "upload/transfer_engine.h"
#include "upload/upload_plan.h"
#include "upload/uploader.h"

namespace ingest::upload {

struct UploadJob {
  std::string server;                     // base URL
  std::vector<std::string> auth_headers;  // "Authorization: ..." (+ X-Organization)
  // --auth USER without --basic: log in first (the password is never logged).
  std::optional<std::pair<std::string, std::string>> login;
  std::string org;  // X-Organization after a login
  std::vector<std::string> sources;
  std::optional<int64_t> task_id;  // upload into this task; else create one from `task`
  TaskSpec task;
  DataOptions data;
  UploadPlanOptions plan;
  std::string manifest_mode = "auto";  // auto, none, or a manifest file
  std::string temp_dir;                // where a generated manifest is written
  TransferOptions transfer;            // data_url, origin and headers are filled in
  ScanOptions scan;
  bool dry_run = false;
  // Archive sources are expanded: their image members go up as individual files, streamed
  // out of the archive (instead of the archive as one file with a manifest).
  bool extract = false;
  // Resume: files that changed since they were planned and are not on the server yet are
  // sent as they are now (instead of stopping the resume).
  bool allow_changed = false;
  // The crash-safe journal of this upload ("" for none). An upload with a journal can be
  // continued by ResumeUploadJob after any interruption.
  std::string journal_path;
  // A task of the same name that already has data means this upload is done (a rerun without
  // the journal): nothing is sent (UploadOutcome::skipped). One without data is used.
  bool skip_existing = false;
  // With skip_existing: claim the unit's task by name safely against a twin (the same shard
  // running twice at once, upload/task_claim.h) instead of using a task without data as it
  // is. A task without data is deleted and made again; a twin's claim fails the unit.
  bool claim_tasks = false;
  // Files that cannot be read or probed are left out (each stays in
  // UploadOutcome::scan_errors) and the upload goes on; without it, one stops the upload.
  // Plan refusals (clashing base names, ...) are not affected.
  bool skip_bad = false;
  // Files small enough for batches are hashed by the scan even without a journal: a run's
  // plan file (upload/run_plan.h) records their XXH3 for its shards' change check.
  bool hash_small_files = false;
  // --annotations: imported once the task is ready (upload/annotation_import.h). The path is
  // a {field} template in a run of many tasks until the run expands it for each unit.
  std::optional<AnnotationSpec> annotations;
};

struct UploadEvents {
  std::function<void(const UploadPlan&)> on_plan;       // before any byte
  std::function<void(int64_t task_id)> on_task_created;
  std::function<void()> on_transfer_start;
  std::function<void(const RequestState&)> on_request;  // while waiting for the task
  // Runs of many tasks, which create their tasks in plan order: before_task is called before
  // the task is looked for or created (it may block until the earlier units have theirs),
  // after_task once it is known, or the unit failed before that.
  std::function<void()> before_task;
  std::function<void()> after_task;
  // Once Upload-Finish was accepted (the server builds the task).
  std::function<void()> on_finishing;
  // The --annotations file's upload once the task is ready: `done` of `total` bytes.
  std::function<void(uint64_t done, uint64_t total)> on_annotation_bytes;
};

struct UploadOutcome {
  Status status;  // OK: the task was created (or, dry run, planned)
  std::string server;  // the server's base URL (for a resume: the journal's)
  std::vector<ScanProblem> scan_errors;  // files that could not be read or probed
  std::vector<Refusal> refusals;         // files refused by the plan
  // The scans the plan's names point into.
  std::shared_ptr<const ScanResult> scan;
  std::shared_ptr<const ScanResult> members;
  std::optional<UploadPlan> plan;
  std::shared_ptr<const NameArena> plan_names;  // resume: the plan's file names
  std::optional<int64_t> task_id;
  TaskInfo task;
  std::vector<FileFailure> failures;  // files the transfer could not send
  std::vector<std::string> notes;
  Status order;  // the frame order check
  double upload_seconds = 0;
  double total_seconds = 0;
  bool skipped = false;  // skip_existing found the task done
  // This process created the task (POST /api/tasks), and whether any data reached it (a file
  // completed, or bytes confirmed by the server); a failure with a task created and no data
  // deletes the task (see RunUploadJob).
  bool created_task = false;
  bool data_reached_task = false;
};

// Runs the job. `counters` (optional) shows transfer progress to another thread. A failure
// (not an interruption) after this run created the task and before any data reached it
// deletes the empty task and retires the journal (*.failed), so a failed run leaves nothing
// behind; the status says so, or why the task could not be deleted.
UploadOutcome RunUploadJob(UploadJob job, const UploadEvents& events, TransferCounters* counters,
                           const std::atomic<bool>* cancel);

// Continues the upload recorded in `journal_path`: the task, plan and data request come from
// the journal; credentials and connection settings from `job`. Finished files are skipped,
// TUS uploads resume at the offset the server reports, batches that may have been sent are
// settled through TUS creations (never resent), and an accepted finish is only polled.
// A source file that changed since it was planned (size; then mtime, and when only the time
// moved, XXH3) stops the resume, named, unless job.allow_changed.
UploadOutcome ResumeUploadJob(const std::string& journal_path, UploadJob job,
                              const UploadEvents& events, TransferCounters* counters,
                              const std::atomic<bool>* cancel);

// Moves an upload's journal (and its WAL, shared memory and manifest) aside under `suffix`.
void RetireJournal(const std::string& path, const std::string& suffix);

}  // namespace ingest::upload

#endif  // INGEST_UPLOAD_UPLOAD_JOB_H_
