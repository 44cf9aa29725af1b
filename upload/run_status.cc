#include "upload/run_status.h"

#include <cctype>
#include <utility>

namespace ingest::upload {
namespace {

// The state of a unit whose one task has no data, from its creation request.
Status ClassifyEmpty(CvatApi& api, UnitServerState* u) {
  const int64_t id = u->tasks.front().id;
  Result<RequestState> rq = api.has_requests_api() ? api.GetRequest(TaskCreationRequestId(id))
                                                   : api.GetTaskStatus(id);
  u->state = UnitServerState::State::kEmpty;
  if (!rq) {
    // No such request: nothing was finished (or it expired); the task is still empty.
    if (rq.error().code() == Status::Code::kNotFound) return Status();
    return rq.error();
  }
  std::string s = rq->status;
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (s == "failed") {
    u->state = UnitServerState::State::kFailed;
    u->message = rq->message;
  } else if (s == "queued" || s == "started") {
    u->state = UnitServerState::State::kBuilding;
  }
  return Status();
}

}  // namespace

std::string_view StateName(UnitServerState::State state) {
  switch (state) {
    case UnitServerState::State::kDone:
      return "done";
    case UnitServerState::State::kMissing:
      return "missing";
    case UnitServerState::State::kDuplicated:
      return "duplicated";
    case UnitServerState::State::kFailed:
      return "failed";
    case UnitServerState::State::kBuilding:
      return "building";
    case UnitServerState::State::kEmpty:
      return "empty";
  }
  return "?";
}

std::string TaskCreationRequestId(int64_t task_id) {
  return "action=create&target=task&target_id=" + std::to_string(task_id);
}

Result<std::vector<UnitServerState>> ReadRunStatus(
    CvatApi& api, const std::vector<TaskUnit>& units,
    const std::function<void(size_t, size_t)>& progress) {
  std::vector<UnitServerState> out;
  out.reserve(units.size());
  for (size_t i = 0; i < units.size(); ++i) {
    UnitServerState u;
    u.index = i;
    u.name = units[i].name;
    u.planned_frames = units[i].frames;
    u.planned_files = units[i].records.size();
    INGEST_ASSIGN_OR_RETURN(u.tasks, api.FindTasks(u.name));
    if (u.tasks.size() > 1) {
      u.state = UnitServerState::State::kDuplicated;
    } else if (u.tasks.size() == 1 && u.tasks.front().size > 0) {
      u.state = UnitServerState::State::kDone;
      u.frames = u.tasks.front().size;
    } else if (u.tasks.size() == 1) {
      INGEST_RETURN_IF_ERROR(ClassifyEmpty(api, &u));
    }
    out.push_back(std::move(u));
    if (progress) progress(i + 1, units.size());
  }
  return out;
}

}  // namespace ingest::upload
