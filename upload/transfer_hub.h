// TransferHub: the one thread and the one curl multi handle that carry every transfer of a
// run. The tasks of a run of many tasks hand their sessions to it while they upload, and
// share its connections: a task the server is building holds none, so the tasks still
// uploading get them all. Sessions started earlier come first when connections are short
// (the earliest task finishes first and its build overlaps the uploads of the others); each
// still has at most one POST to its /data/ in flight.
#ifndef INGEST_UPLOAD_TRANSFER_HUB_H_
#define INGEST_UPLOAD_TRANSFER_HUB_H_

#include <atomic>
#include <memory>

#include "engine/status.h"

namespace ingest::upload {

namespace transfer {
class TransferSession;
}  // namespace transfer

class TransferHub {
 public:
  // `connections`: the most requests in flight at once, over every session.
  explicit TransferHub(int connections);
  // Stops the thread. Every Run has returned before (the hub outlives the sessions).
  ~TransferHub();
  TransferHub(const TransferHub&) = delete;
  TransferHub& operator=(const TransferHub&) = delete;

  // Runs `session` on the hub's thread, beside the others, until it ends, and returns its
  // outcome; Cancelled when `cancel` was set (its requests in flight are cut). Blocks the
  // caller; safe to call from several threads at once.
  Status Run(transfer::TransferSession& session, const std::atomic<bool>* cancel);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ingest::upload

#endif  // INGEST_UPLOAD_TRANSFER_HUB_H_
