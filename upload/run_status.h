// The server's view of a planned run (cvat-ingest status --plan RUN.plan): for each unit of
// the plan, the tasks of its name on the server and what state they are in. No journal is
// read: the shards' journals are on other hosts, and the server is the source of truth.
//
// A unit is, from the server's tasks named exactly as the unit:
//   done        one task, with data (its frames as the server counts them)
//   missing     no task
//   duplicated  more than one task (whatever their data): a unit made twice
//   failed      one task without data whose creation request failed on the server
//   building    one task without data whose creation request is queued or running
//   empty       one task without data and no creation request the server still knows: an
//               upload in progress, or one that stopped before Upload-Finish
// Requests: GET /api/tasks?name=NAME per unit; for a task without data, GET
// /api/requests/<its creation request> (CVAT 2.16 and later) or GET /api/tasks/<id>/status.
#ifndef INGEST_UPLOAD_RUN_STATUS_H_
#define INGEST_UPLOAD_RUN_STATUS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/result.h"
#include "upload/cvat_api.h"
#include "upload/task_units.h"

namespace ingest::upload {

struct UnitServerState {
  enum class State : uint8_t { kDone, kMissing, kDuplicated, kFailed, kBuilding, kEmpty };
  size_t index = 0;  // in the plan, from 0
  std::string name;
  uint64_t planned_frames = 0;
  size_t planned_files = 0;
  State state = State::kMissing;
  std::vector<TaskInfo> tasks;  // of this name, newest first
  int64_t frames = 0;           // kDone: the task's frames
  std::string message;          // kFailed: the server's message
};

// "done", "missing", "duplicated", "failed", "building", "empty".
std::string_view StateName(UnitServerState::State state);

// The creation request id of a task as CVAT 2.16 and later name it.
std::string TaskCreationRequestId(int64_t task_id);

// Asks `api` (connected) about each of `units`; `progress(done, total)` after each unit.
// The first error of a request stops it (the server could not be asked: no partial view).
Result<std::vector<UnitServerState>> ReadRunStatus(
    CvatApi& api, const std::vector<TaskUnit>& units,
    const std::function<void(size_t, size_t)>& progress);

}  // namespace ingest::upload

#endif  // INGEST_UPLOAD_RUN_STATUS_H_
