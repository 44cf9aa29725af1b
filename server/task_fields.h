// The fields of POST /api/tasks beyond name, labels, project and segments, read and checked
// as CVAT's TaskWriteSerializer does (consensus_replicas, bug_tracker, subset, assignee_id,
// source_storage, target_storage), with its 400 bodies.
#ifndef INGEST_SERVER_TASK_FIELDS_H_
#define INGEST_SERVER_TASK_FIELDS_H_

#include <simdjson.h>

#include "engine/status.h"
#include "server/task_store.h"

namespace ingest::server {

// CVAT's MAX_CONSENSUS_REPLICAS default (cvat/settings/base.py).
inline constexpr int64_t kMaxConsensusReplicas = 11;

// Fills `task` from `doc`; InvalidArgument whose message is the 400 body.
Status ReadTaskExtras(simdjson::dom::element doc, Task* task);

}  // namespace ingest::server

#endif  // INGEST_SERVER_TASK_FIELDS_H_
