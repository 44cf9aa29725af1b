// RequestRegistry: background task-creation requests (CVAT's RQ jobs) and their status as
// `GET /api/requests/{rq_id}` reports it, plus the worker threads that run them in order of
// arrival (one by default; a CVAT deployment runs as many as it has import workers).
//
// A request is queued, then started, then finished or failed. Once it has ended it stays
// visible for the TTL (RQ's result_ttl, 500 s by default in CVAT) and then answers 404, as
// an expired RQ job does. Requests are kept in memory only: a restart forgets them, as a
// Redis flush would (GET /api/tasks/{id} still tells whether the task got its data).
#ifndef INGEST_SERVER_REQUEST_REGISTRY_H_
#define INGEST_SERVER_REQUEST_REGISTRY_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace ingest::server {

struct RequestRecord {
  std::string id;
  std::string type = "create:task";  // operation.type: create:task, import:annotations
  std::string format;                // operation.format ("" for none)
  int64_t task_id = 0;
  int owner_id = 0;
  std::string owner_name;
  std::string status;  // queued, started, finished, failed
  std::string message;
  double progress = 0;
  int64_t created_us = 0;
  int64_t started_us = 0;
  int64_t finished_us = 0;
};

class RequestRegistry {
 public:
  // Job: runs on the worker thread; reports progress through the callback and returns the
  // failure message, or nullopt on success.
  using Progress = std::function<void(double, const std::string&)>;
  using Job = std::function<std::optional<std::string>(const Progress&)>;

  explicit RequestRegistry(int64_t ttl_seconds, int workers = 1);
  ~RequestRegistry();  // stops the workers after their running jobs

  // "action=create&target=task&target_id=<id>" (the newest CVAT format).
  static std::string TaskCreationId(int64_t task_id);

  // Queues `job` under the task's id unless a request for it is queued or started; then
  // returns false and leaves *existing_id set.
  bool Enqueue(int64_t task_id, int owner_id, const std::string& owner_name, Job job,
               std::string* id);
  // Queues `job` under rec.id (with rec's type, task, owner and format) unless a request of
  // that id is queued or started; then returns false.
  bool EnqueueRecord(RequestRecord rec, Job job);
  // The live records of task `task_id` (every task when 0), newest first.
  std::vector<RequestRecord> List(int64_t task_id);
  enum class CancelResult { kCancelled, kNotFound, kNotQueued };
  // Cancels a queued request: it never runs and is forgotten (CVAT cancels and deletes the
  // RQ job, so a later GET is 404). A started or ended request is left alone (kNotQueued).
  CancelResult Cancel(const std::string& id);
  // A copy of the record, or nullopt when unknown or expired.
  std::optional<RequestRecord> Get(const std::string& id);
  void Stop();
  // Sleeps `seconds` on a worker (modelling a server's build time), returning early when the
  // registry stops.
  void Hold(double seconds);

 private:
  void Run();
  void ExpireLocked(int64_t now_us);  // REQUIRES: mu_ held

  const int64_t ttl_us_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, RequestRecord> records_;     // GUARDED_BY(mu_)
  std::deque<std::pair<std::string, Job>> queue_;    // GUARDED_BY(mu_)
  bool stopping_ = false;                            // GUARDED_BY(mu_)
  std::vector<std::thread> workers_;
};

}  // namespace ingest::server

#endif  // INGEST_SERVER_REQUEST_REGISTRY_H_
