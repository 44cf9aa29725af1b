// Claiming a unit's task by name when no journal says which task is the unit's (a shard the
// scheduler started again on another host, or the same shard started twice at once), so
// that two instances never both make, or both fill, the task of one unit.
//
// CVAT has no unique names and no compare-and-swap, but two of its requests are decided
// once, under the server's own lock: creating a task gives ids in creation order, and of
// several DELETEs of one task exactly one gets 204 (the others 404). The protocol:
//   1. List the tasks of the name. One with data: the unit is done (skipped).
//   2. One without data whose build is queued or running: wait for that build (a twin sent
//      its finish); finished: done; failed: go on as for a task without data.
//   3. Each task without data is claimed by deleting it. A DELETE that finds it gone means
//      another instance claimed it at the same moment: this one refuses the unit.
//      (An instance still uploading into a task deleted this way fails that unit with the
//      server's 404: a unit is never made twice, and the survivor makes it.)
//   4. Create the task, then list the name again: an older task of the name without data
//      (made by a twin between steps 1 and 4) wins; this one deletes its own and refuses.
//      The same check runs again before Upload-Finish: a server may list a twin's older task
//      only after ours (ids are handed out before the task is stored), so the first check
//      can miss it; by the end of the upload it cannot.
// A refusal fails the unit with a message saying why; `cvat-ingest status` then shows
// whether the twin made it.
#ifndef INGEST_UPLOAD_TASK_CLAIM_H_
#define INGEST_UPLOAD_TASK_CLAIM_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/result.h"
#include "upload/cvat_api.h"

namespace ingest::upload {

struct Claim {
  bool done = false;  // a task of the name has data: `task`
  TaskInfo task;
};

// Steps 1-3 for the unit named `name`. Refusal: Status::Remote naming the task and the
// twin. `notes` gets a line per task taken over. Stops (Cancelled) when `cancel` is set
// while waiting for a build.
Result<Claim> ClaimByName(CvatApi& api, const std::string& name, const std::atomic<bool>* cancel,
                          std::vector<std::string>* notes);

// --skip-existing without a claim (a rerun without the journal): the tasks named `name`. One
// with data: done, `task` is it. Else the newest without data, to be used rather than
// duplicated: `task` is it, done false. None: task.id is 0.
Result<Claim> FindExistingTask(CvatApi& api, const std::string& name);

// Step 4, after task `id` was created for `name`, and again before its Upload-Finish.
// Refusal (the new task is deleted): Status::Remote naming both tasks.
Status ConfirmCreated(CvatApi& api, const std::string& name, int64_t id);

}  // namespace ingest::upload

#endif  // INGEST_UPLOAD_TASK_CLAIM_H_
