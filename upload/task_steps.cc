// A task's steps, the same for a fresh unit (RunUnit), a resumed upload (ResumeUploadJob)
// and a run of many tasks: acquire the task, send its data, finish, wait, complete
// (upload/unit_steps.h).
#include <chrono>

#include <simdjson.h>

#include "upload/sent_prefix.h"
#include "upload/task_claim.h"
#include "upload/unit_steps.h"

namespace ingest::upload {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

void CompleteTask(CvatApi& api, Journal* journal, const UploadJob& job,
                  const UploadEvents& events, const std::atomic<bool>* cancel, const TaskInfo& task,
                  UploadOutcome& out, Clock::time_point t0) {
  out.task = task;
  // Without a plan (files CVAT reads itself) the caller has checked the frames.
  if (out.plan) out.order = CheckFrameOrder(api, task.id, *out.plan);
  if (Status s = ImportOnArrival(api, journal, job.annotations, task.id, events.on_request,
                                 cancel, &out.notes, events.on_annotation_bytes);
      !s.ok()) {
    out.status = s;
  } else if (journal) {
    if (Status d = journal->SetState(JobState::kDone); !d.ok()) out.status = d;
  }
  out.total_seconds = Since(t0);
}

namespace {

// A task this upload created before it was interrupted, between POST /api/tasks and the
// journal's record of the reply: the newest task with the planned name that has no data and
// was created after the journal (less a margin for the clocks of client and server).
Result<std::optional<TaskInfo>> FindInterruptedTask(CvatApi& api, const Journal& journal,
                                                    const std::string& task_body) {
  constexpr int64_t kClockMargin = 120;
  simdjson::dom::parser parser;
  std::string_view name;
  if (parser.parse(task_body).get_object()["name"].get(name) != simdjson::SUCCESS) {
    return Status::Corruption("journal " + journal.path() + ": the task request has no name");
  }
  INGEST_ASSIGN_OR_RETURN(std::vector<TaskInfo> tasks, api.FindTasks(std::string(name)));
  for (const TaskInfo& t : tasks) {  // newest first
    if (t.size == 0 && t.created_unix >= journal.header().created_unix - kClockMargin) {
      return std::optional<TaskInfo>(t);
    }
  }
  return std::optional<TaskInfo>();
}

// The server's Tus-Max-Size, learned from the task the run has just created (the plan
// assumed CVAT's default): when a planned file is over it, the task is deleted again and the
// run fails with each such file in out->refusals.
Status CheckNewTaskLimit(CvatApi& api, int64_t task_id, const UploadPlan& plan,
                         UploadOutcome* out) {
  Result<ServerLimits> limits = api.DataLimits(task_id);
  if (!limits) return Status();  // not answered: the default stands, as before the task
  const uint64_t max = limits->tus_max_size;
  std::vector<Refusal> over;
  for (const PlannedFile& f : plan.files) {
    if (f.size > max) {
      over.push_back({std::string(f.name), "larger than the server's limit of " +
                                               std::to_string(max) + " bytes (" +
                                               std::to_string(f.size) + " bytes)"});
    }
  }
  if (over.empty()) return Status();
  std::string what = std::to_string(over.size()) + (over.size() == 1 ? " file is" : " files are") +
                     " over the server's Tus-Max-Size of " + std::to_string(max) +
                     " bytes, learned from task " + std::to_string(task_id) + " just created";
  if (Status s = api.DeleteTask(task_id); s.ok()) {
    what += "; the task was deleted";
  } else {
    what += "; the task could not be deleted (" + s.message() + "): delete it";
  }
  out->refusals.insert(out->refusals.end(), over.begin(), over.end());
  return Status::InvalidArgument(what);
}

}  // namespace

bool AcquireTask(CvatApi& api, const UploadJob& job, Journal* journal,
                 const std::string& task_body, UploadOutcome& out, const UploadEvents& events,
                 const std::atomic<bool>* cancel) {
  auto fail = [&](Status s) {
    if (journal) journal->Flush().ok();
    out.status = std::move(s);
    return false;
  };
  // A run of many tasks creates them in plan order: this unit's turn starts here and ends
  // once its task is known (or the unit failed before that).
  struct Turn {
    const UploadEvents& events;
    bool held = false;
    explicit Turn(const UploadEvents& e) : events(e) {
      if (events.before_task) {
        events.before_task();
        held = true;
      }
    }
    void Release() {
      if (held && events.after_task) events.after_task();
      held = false;
    }
    ~Turn() { Release(); }
  } turn(events);
  const bool no_journal_state = !(journal && journal->header().state == JobState::kCreating);
  if (!out.task_id && job.skip_existing && no_journal_state) {
    // A rerun without the journal: a task of this name with data is this unit, done; one
    // without data is used rather than duplicated. A shard (claim_tasks) claims the task
    // so that a twin cannot make it too (a task without data is then made again).
    Result<Claim> found = job.claim_tasks ? ClaimByName(api, job.task.name, cancel, &out.notes)
                                          : FindExistingTask(api, job.task.name);
    if (!found) return fail(found.error());
    if (found->done) {
      out.task_id = found->task.id;
      out.task = found->task;
      out.skipped = true;
      if (journal) {
        if (Status s = journal->SetTask(found->task.id); !s.ok()) return fail(s);
        if (Status s = journal->SetState(JobState::kDone); !s.ok()) return fail(s);
      }
      return false;
    }
    if (found->task.id != 0) {
      out.task_id = found->task.id;
      if (journal) {
        if (Status s = journal->SetTask(*out.task_id); !s.ok()) return fail(s);
      }
      out.notes.push_back("task " + std::to_string(*out.task_id) + " '" + job.task.name +
                          "' exists without data: it is used");
    }
  }
  if (!out.task_id && journal && journal->header().state == JobState::kCreating) {
    // The last run was stopped after sending POST /api/tasks: the task may exist.
    Result<std::optional<TaskInfo>> found = FindInterruptedTask(api, *journal, task_body);
    if (!found) return fail(found.error());
    if (*found) {
      out.task_id = (*found)->id;
      if (Status s = journal->SetTask((*found)->id); !s.ok()) return fail(s);
      out.notes.push_back("task " + std::to_string((*found)->id) +
                          " was created before the interruption: it is used");
    }
  }
  if (!out.task_id) {
    if (journal) {
      if (Status s = journal->SetState(JobState::kCreating); !s.ok()) return fail(s);
    }
    Result<TaskInfo> task = api.CreateTask(task_body);
    if (!task) return fail(task.error());
    if (job.claim_tasks && job.skip_existing) {
      if (Status s = ConfirmCreated(api, job.task.name, task->id); !s.ok()) return fail(s);
    }
    if (out.plan) {
      if (Status s = CheckNewTaskLimit(api, task->id, *out.plan, &out); !s.ok()) return fail(s);
    }
    out.task_id = task->id;
    out.created_task = true;
    if (journal) {
      if (Status s = journal->SetTask(task->id); !s.ok()) return fail(s);
    }
    if (events.on_task_created) events.on_task_created(task->id);
  }
  return true;
}

void ExecuteTask(CvatApi& api, HttpClient& http, UploadJob& job, Journal* journal,
                 FileSource& files, std::vector<FileStart> start, const std::string& task_body,
                 const std::string& finish_body, std::string rq_id, UploadOutcome& out,
                 const UploadEvents& events, TransferCounters* counters,
                 const std::atomic<bool>* cancel, Clock::time_point t0) {
  auto fail = [&](Status s) {
    if (journal) journal->Flush().ok();
    out.status = std::move(s);
  };
  if (!AcquireTask(api, job, journal, task_body, out, events, cancel)) return;
  if (rq_id.empty() && journal && journal->header().state == JobState::kFinishing) {
    // The last run was stopped after sending Upload-Finish (every file was on the server):
    // a task with data means the finish was accepted and the task is ready.
    Result<TaskInfo> task = api.GetTask(*out.task_id);
    if (!task) return fail(task.error());
    if (task->size > 0) return CompleteTask(api, journal, job, events, cancel, *task, out, t0);
  } else if (rq_id.empty()) {
    if (Status s = api.StartUpload(*out.task_id); !s.ok()) return fail(s);
    if (journal) {
      if (Status s = journal->SetState(JobState::kUploading); !s.ok()) return fail(s);
    }
    job.transfer.data_url = api.DataUrl(*out.task_id);
    job.transfer.origin = api.Origin();
    job.transfer.headers = http.common_headers();
    job.transfer.image_quality = job.data.image_quality;
    TransferEngine engine(job.transfer, *out.plan, &files, journal, counters);
    if (!start.empty()) engine.SetStart(std::move(start));
    if (events.on_transfer_start) events.on_transfer_start();
    auto t_upload = Clock::now();
    // Counters may be shared with other tasks of a run: what moved meanwhile may be theirs,
    // and then this task is taken to hold data (it is never deleted on a guess).
    const uint64_t files_before = counters->files_done.load();
    const uint64_t bytes_before = counters->bytes_done.load();
    Status sent = engine.Run(cancel);
    out.data_reached_task = counters->files_done.load() != files_before ||
                            counters->bytes_done.load() != bytes_before;
    out.upload_seconds = Since(t_upload);
    out.failures = engine.failures();
    out.notes.insert(out.notes.end(), engine.notes().begin(), engine.notes().end());
    if (journal && !sent.ok()) {
      RecordStopHashes(*journal, files, *out.plan, engine.partly_sent(), &out.notes);
    }
    if (journal) {
      Status flushed = journal->Flush();
      if (sent.ok() && !journal->error().ok()) sent = journal->error();
      if (sent.ok() && !flushed.ok()) sent = flushed;
    }
    if (!sent.ok()) return fail(sent);
    out.data_reached_task = true;
    if (journal) {
      if (Status s = journal->SetState(JobState::kFinishing); !s.ok()) return fail(s);
    }
  }
  if (rq_id.empty()) {
    // The twin check once more before the point of no return: a server numbers tasks in
    // creation order but may list one later than a newer one (a twin's task committed after
    // ours), so the check right after creating can miss an older twin.
    if (out.created_task && job.claim_tasks && job.skip_existing) {
      if (Status s = ConfirmCreated(api, job.task.name, *out.task_id); !s.ok()) return fail(s);
    }
    Result<std::string> accepted = api.FinishUpload(*out.task_id, finish_body);
    if (!accepted) return fail(accepted.error());
    rq_id = *accepted;
    if (journal) {
      if (Status s = journal->SetRequest(rq_id); !s.ok()) return fail(s);
    }
  }
  if (events.on_finishing) events.on_finishing();
  Result<TaskInfo> task = WaitForTask(api, *out.task_id, rq_id, events.on_request, cancel);
  if (!task) return fail(task.error());
  CompleteTask(api, journal, job, events, cancel, *task, out, t0);
}

}  // namespace ingest::upload
