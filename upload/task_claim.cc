#include "upload/task_claim.h"

#include <cctype>
#include <chrono>
#include <thread>

#include "upload/run_status.h"

namespace ingest::upload {
namespace {

std::string Named(int64_t id, const std::string& name) {
  return "task " + std::to_string(id) + " '" + name + "'";
}

// Waits while the build of task `id` is queued or running. Returns its end: true when it
// finished with data (`*task` then holds it).
Result<bool> WaitForBuild(CvatApi& api, int64_t id, const std::atomic<bool>* cancel,
                          TaskInfo* task) {
  for (;;) {
    Result<RequestState> rq = api.has_requests_api()
                                  ? api.GetRequest(TaskCreationRequestId(id))
                                  : api.GetTaskStatus(id);
    if (!rq) {
      if (rq.error().code() != Status::Code::kNotFound) return rq.error();
      return false;
    }
    std::string s = rq->status;
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (s != "queued" && s != "started") break;
    if (cancel && cancel->load()) return Status::Cancelled("interrupted");
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  Result<TaskInfo> now = api.GetTask(id);
  if (!now) return now.error().code() == Status::Code::kNotFound ? Result<bool>(false)
                                                                  : Result<bool>(now.error());
  *task = *now;
  return now->size > 0;
}

// Step 1: a task among `tasks` with data means the unit is done.
Claim DoneAmong(const std::vector<TaskInfo>& tasks) {
  Claim claim;
  for (const TaskInfo& t : tasks) {
    if (t.size > 0) {
      claim.done = true;
      claim.task = t;
      break;
    }
  }
  return claim;
}

}  // namespace

Result<Claim> ClaimByName(CvatApi& api, const std::string& name, const std::atomic<bool>* cancel,
                          std::vector<std::string>* notes) {
  INGEST_ASSIGN_OR_RETURN(std::vector<TaskInfo> tasks, api.FindTasks(name));
  Claim claim = DoneAmong(tasks);
  if (claim.done) return claim;
  for (const TaskInfo& t : tasks) {
    TaskInfo built;
    INGEST_ASSIGN_OR_RETURN(bool done, WaitForBuild(api, t.id, cancel, &built));
    if (done) {
      claim.done = true;
      claim.task = built;
      return claim;
    }
  }
  for (const TaskInfo& t : tasks) {
    Status s = api.DeleteTask(t.id);
    if (s.code() == Status::Code::kNotFound) {
      return Status::Remote(Named(t.id, name) +
                            " (without data) was taken over by another cvat-ingest at the same "
                            "moment (this shard running twice?): the task is left to it; "
                            "`cvat-ingest status` shows when it is done");
    }
    if (!s.ok()) return s;
    notes->push_back(Named(t.id, name) +
                     " existed without data (a stopped upload): it was deleted and is made "
                     "again");
  }
  return claim;
}

Result<Claim> FindExistingTask(CvatApi& api, const std::string& name) {
  INGEST_ASSIGN_OR_RETURN(std::vector<TaskInfo> tasks, api.FindTasks(name));
  Claim found = DoneAmong(tasks);
  if (!found.done && !tasks.empty()) found.task = tasks.front();  // newest first
  return found;
}

Status ConfirmCreated(CvatApi& api, const std::string& name, int64_t id) {
  INGEST_ASSIGN_OR_RETURN(std::vector<TaskInfo> tasks, api.FindTasks(name));
  int64_t oldest = id;
  for (const TaskInfo& t : tasks) {
    if (t.id < oldest) oldest = t.id;
  }
  if (oldest == id) return Status();
  std::string what = Named(oldest, name) +
                     " was made by another cvat-ingest at the same moment as " +
                     Named(id, name) + " (this shard running twice?): the unit is left to it";
  Status del = api.DeleteTask(id);
  what += del.ok() ? "; task " + std::to_string(id) + " was deleted"
                   : "; task " + std::to_string(id) + " could not be deleted (" + del.message() +
                         "): delete it";
  return Status::Remote(what);
}

}  // namespace ingest::upload
