#include "upload/server_unit.h"

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <memory>

#include "upload/annotation_import.h"
#include "upload/journal.h"
#include "upload/run_status.h"
#include "upload/task_options.h"
#include "upload/unit_steps.h"
#include "upload/uploader.h"

namespace ingest::upload {
namespace {

// The unit's journal: opened when an earlier run left it (its requests and frames replace
// `plan`'s: they are what that run may have sent), else created.
Result<std::unique_ptr<Journal>> OpenUnitJournal(const UploadJob& job, const std::string& task_body,
                                                 ServerUnitPlan& plan) {
  if (::access(job.journal_path.c_str(), F_OK) == 0) {
    INGEST_ASSIGN_OR_RETURN(std::unique_ptr<Journal> j, Journal::Open(job.journal_path));
    if (j->GetValue(kServerSourcesJournalKey).empty()) {
      return Status::Corruption("journal " + job.journal_path +
                                " records an upload of local files, not of files CVAT reads "
                                "itself");
    }
    plan.request_json = j->header().finish_json;
    plan.frames.clear();
    for (std::string_view name : SplitFrameOrder(j->frame_order())) plan.frames.emplace_back(name);
    return j;
  }
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(job.journal_path).parent_path(), ec);
  JournalHeader h;
  h.server = job.server;
  h.key = UploadKey(job.server, job.sources, job.task.name);
  h.task_json = task_body;
  h.finish_json = plan.request_json;
  h.state = JobState::kPlanned;
  h.frame_order = JoinFrameOrder(plan.frames);
  h.created_unix = std::time(nullptr);
  INGEST_ASSIGN_OR_RETURN(std::unique_ptr<Journal> j,
                          Journal::Create(job.journal_path, h, std::vector<JournalFile>{}));
  if (job.annotations) INGEST_RETURN_IF_ERROR(RecordAnnotations(*j, *job.annotations));
  INGEST_RETURN_IF_ERROR(j->SetValue(kServerSourcesJournalKey, "1", kJournalFormatServerSources));
  return j;
}

// After an interruption past "finishing": the data request may have reached the server.
// Returns the request to wait for ("" before CVAT 2.16: the task's status), or nullopt when
// the server never received one (it may be sent). The caller has seen the task without data.
Result<std::optional<std::string>> SentBefore(CvatApi& api, int64_t task_id) {
  const bool requests = api.has_requests_api();
  Result<RequestState> rq = requests ? api.GetRequest(TaskCreationRequestId(task_id))
                                     : api.GetTaskStatus(task_id);
  if (!rq) {
    if (rq.error().code() != Status::Code::kNotFound) return rq.error();
    return std::optional<std::string>();
  }
  if (!requests && rq->status != "queued" && rq->status != "started" &&
      rq->status != "finished" && rq->status != "failed") {
    return std::optional<std::string>();  // "unknown": no build of this task
  }
  return std::optional<std::string>(requests ? TaskCreationRequestId(task_id) : "");
}

// The task is built: its frames against the order asked, then as for any task (CompleteTask:
// the annotations on arrival, the journal's "done").
void CheckBuilt(CvatApi& api, Journal* journal, const UploadJob& job, const ServerUnitPlan& plan,
                const UploadEvents& events, const std::atomic<bool>* cancel,
                const TaskInfo& task, UploadOutcome& out) {
  out.task = task;
  out.order = CheckServerFrames(api, task.id, plan.frames);
  if (!out.order.ok()) {
    out.status = Status::Remote("the frames are not in the order asked: " + out.order.message());
    return;
  }
  CompleteTask(api, journal, job, events, cancel, task, out, std::chrono::steady_clock::now());
}

}  // namespace

void RunServerUnit(CvatApi& api, const UploadJob& job, const ServerUnitPlan& given,
                   const UploadEvents& events, const std::atomic<bool>* cancel,
                   UploadOutcome& out) {
  ServerUnitPlan plan = given;
  Result<std::string> body = out.task_id ? Result<std::string>("") : BuildTaskBody(job.task);
  if (!body) {
    out.status = body.error();
    return;
  }
  const std::string& task_body = *body;
  std::unique_ptr<Journal> journal;
  if (!job.journal_path.empty()) {
    Result<std::unique_ptr<Journal>> opened = OpenUnitJournal(job, task_body, plan);
    if (!opened) {
      out.status = opened.error();
      return;
    }
    journal = std::move(*opened);
    if (journal->header().task_id) out.task_id = journal->header().task_id;
  }
  auto fail = [&](Status s) {
    out.status = std::move(s);
    journal.reset();  // closed before it may be set aside
    DropEmptyTask(api, job.journal_path, out);
  };
  if (!AcquireTask(api, job, journal.get(), task_body, out, events, cancel)) {
    if (!out.status.ok()) fail(out.status);
    return;
  }
  const int64_t id = *out.task_id;
  std::optional<std::string> rq_id;
  if (journal && !journal->header().rq_id.empty()) rq_id = journal->header().rq_id;
  if (!rq_id && journal && journal->header().state == JobState::kFinishing) {
    Result<TaskInfo> task = api.GetTask(id);
    if (!task) return fail(task.error());
    if (task->size > 0) return CheckBuilt(api, journal.get(), job, plan, events, cancel, *task, out);
    Result<std::optional<std::string>> sent = SentBefore(api, id);
    if (!sent) return fail(sent.error());
    rq_id = *sent;
    out.data_reached_task = rq_id.has_value();
  }
  if (!rq_id) {
    if (journal) {
      if (Status s = journal->SetState(JobState::kFinishing); !s.ok()) return fail(s);
    }
    Result<std::string> accepted = api.SubmitData(id, plan.request_json);
    if (!accepted) return fail(accepted.error());
    rq_id = *accepted;
    if (journal) {
      if (Status s = journal->SetRequest(*rq_id); !s.ok()) return fail(s);
    }
  }
  out.data_reached_task = true;
  if (events.on_finishing) events.on_finishing();
  Result<TaskInfo> built = WaitForTask(api, id, *rq_id, events.on_request, cancel);
  if (!built) return fail(built.error());
  CheckBuilt(api, journal.get(), job, plan, events, cancel, *built, out);
}

}  // namespace ingest::upload
