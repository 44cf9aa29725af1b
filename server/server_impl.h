// Internal to server/: the state and handlers behind CvatServer. cvat_server.cc holds setup,
// routing, auth, faults and the task/request endpoints; data_endpoint.cc holds everything
// under /api/tasks/{id}/data/ (routing by header, TUS, bulk, start, finish).
#ifndef INGEST_SERVER_SERVER_IMPL_H_
#define INGEST_SERVER_SERVER_IMPL_H_

#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engine/cvat_version.h"
#include "server/annotations.h"
#include "server/auth.h"
#include "server/client_limits.h"
#include "server/cvat_server.h"
#include "server/fault_plan.h"
#include "server/http_server.h"
#include "server/media_inspector.h"
#include "server/request_registry.h"
#include "server/task_store.h"

namespace ingest::server {

// One request being handled.
struct Call {
  const httplib::Request& req;
  httplib::Response& res;
  const httplib::ContentReader* reader;  // null for GET/HEAD/OPTIONS
  const User* user = nullptr;
  uint64_t number = 0;          // arrival order, for the fault log
  bool body_consumed = false;   // the body was read (or there is none to read)
  bool reset = false;           // a reset-after fault fired: kill the connection
};

class CvatServer::Impl {
 public:
  explicit Impl(ServerOptions options);
  ~Impl();

  Status Init();
  void Stop();
  int port() const { return port_; }
  const ServerOptions& options() const { return opts_; }
  std::vector<std::string> FaultLog() const;
  uint64_t BodyBytesReceived() const { return body_bytes_.load(); }

  // --- cvat_server.cc ---
  void InstallRoutes();
  // The handler of a /api/tasks/<id>/... route: `method` with the task id, or CVAT's 404 when
  // the id is no number it can hold.
  std::function<void(Call&)> TaskRoute(void (Impl::*method)(Call&, int64_t));
  // The handler of a TUS upload's URL (/api/tasks/<id>/<resource>/<upload id>): CVAT's 404
  // unless `route` (the upload id has CVAT's form) and the task id is a number, 405 for a
  // GET where only HEAD is served (`head_only`), else `method` with the task and upload ids.
  std::function<void(Call&)> UploadRoute(
      bool route, bool head_only, void (Impl::*method)(Call&, int64_t, const std::string&));
  // Runs `fn` with auth (unless !need_auth), pre-faults, post-faults and body clean-up.
  template <class Fn>
  void Serve(const httplib::Request& req, httplib::Response& res,
             const httplib::ContentReader* reader, bool need_auth, Fn&& fn);
  void LogFault(const Call& call, std::string_view what);
  // Sleeps up to `ms`, returning early when the server stops.
  void InterruptibleSleep(uint64_t ms);
  void HandleLogin(Call& call);
  void HandleCreateTask(Call& call);
  void HandleListTasks(Call& call);
  void HandleGetTask(Call& call, int64_t id);
  void HandleDeleteTask(Call& call, int64_t id);
  void HandleTaskStatus(Call& call, int64_t id);
  void HandleDataMeta(Call& call, int64_t id);
  void HandleGetRequest(Call& call, const std::string& rq_id);
  // A request as GET /api/requests/{rq_id} shows it.
  std::string RequestJson(const RequestRecord& r) const;
  // POST /api/requests/{rq_id}/cancel: 200 while queued, 400 once started or ended.
  void HandleCancelRequest(Call& call, const std::string& rq_id);

  // --- data_endpoint.cc ---
  void HandleDataPost(Call& call, int64_t task_id);

  // --- tus_endpoint.cc ---
  // OPTIONS on /data/: 400 once the task has data, else a Data row and the TUS headers.
  void HandleDataOptions(Call& call, int64_t task_id);
  void HandleTusHead(Call& call, int64_t task_id, const std::string& file_id);
  void HandleTusPatch(Call& call, int64_t task_id, const std::string& file_id);

  // --- annotations.cc ---
  // POST /api/tasks/{id}/annotations/: Upload-Start, TUS creation or Upload-Finish.
  void HandleAnnotationsPost(Call& call, int64_t task_id);
  // HEAD or PATCH of an annotation file's TUS upload.
  void HandleAnnotationsTus(Call& call, int64_t task_id, const std::string& file_id);
  // PUT /api/tasks/{id}/annotations/?format=..&rq_id=..: the import's status (CVAT < 2.16).
  void HandleAnnotationsPut(Call& call, int64_t task_id);
  // GET /api/requests?task_id=&action=&subresource=: this user's requests, newest first.
  void HandleRequestList(Call& call);

  // Reads a whole (small) body into *out: 413 past `limit`; no Content-Length and not chunked
  // means an empty body (never wait for the peer to close). False when a reply was set.
  bool ReadSmallBody(Call& call, size_t limit, std::string* out);
  // After a handler: a body nobody read is drained when small, else the connection closes.
  void FinishBody(Call& call);

 private:
  // The upload named by a TUS URL, after the 403/404 checks; null when a reply was set.
  std::shared_ptr<Upload> FindUploadFor(Call& call, int64_t task_id, const std::string& file_id);
  // Marks the task as having CVAT's Data row (persisted).
  void NoteDataRow(Task& task);
  void TusCreate(Call& call, Task& task);
  // The end of a TUS creation whose checks passed: Location, the upload, its client file.
  void CreateTusUpload(Call& call, Task& task, const std::string& filename,
                       const std::string& filetype, const std::string& message_id,
                       uint64_t length);
  // Streams a PATCH body into `up` from its offset; `length` is the Content-Length (none
  // for a de-chunked body). REQUIRES: up.mu held.
  void ReceiveChunk(Call& call, Upload& up, std::optional<uint64_t> length);
  // Stores the offset reached, completes the upload at its end, replies. REQUIRES: up.mu.
  void EndChunk(Call& call, Upload& up, uint64_t pos, Status write_status, bool complete_body);
  void BulkAppend(Call& call, Task& task);
  // Upload-Finish of an annotation file: queues its import.
  void FinishAnnotations(Call& call, int64_t task_id);
  void Finish(Call& call, Task& task);
  // Streams multipart parts: client_files[i] go to temp files, fields to *fields. Returns the
  // temp files by index; false when a reply was set.
  struct PartFile {
    std::string name;      // basename of the part's filename
    std::string temp_name; // in the task's tmp/; empty with --discard (not stored)
    uint64_t size = 0;
    uint64_t hash = 0;
  };
  bool ReadMultipart(Call& call, Task& task, std::map<int64_t, PartFile>* files,
                     std::multimap<std::string, std::string>* fields);
  // Removes the parts' temporary files.
  void RemoveTempFiles(Task& task, const std::map<int64_t, PartFile>& files);
  // Appends the parts to raw/<name> and registers them. False when a reply was set.
  bool AppendParts(Call& call, Task& task, std::map<int64_t, PartFile>& files);
  // Resets (RST) the connection of the request this thread is handling.
  void ResetConnection();

  ServerOptions opts_;
  CvatVersion version_;  // opts_.cvat_version, parsed by Init()
  TaskStore store_;
  Authenticator auth_;
  LoginThrottle login_throttle_;
  std::unique_ptr<FaultPlan> faults_;
  std::unique_ptr<MediaInspector> own_inspector_;
  MediaInspector* inspector_ = nullptr;
  std::unique_ptr<RequestRegistry> registry_;
  std::unique_ptr<AnnotationUploads> annotation_uploads_ = std::make_unique<AnnotationUploads>();
  HttpServer http_;
  std::thread listen_thread_;
  int port_ = 0;
  std::atomic<uint64_t> request_counter_{0};
  std::atomic<uint64_t> body_bytes_{0};  // PATCH and Upload-Multiple file bytes received

  mutable std::mutex fault_mu_;
  std::vector<std::string> fault_log_;  // GUARDED_BY(fault_mu_)

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;  // GUARDED_BY(stop_mu_)
};

// Helpers shared by both .cc files.
void SendJson(Call& call, int status, std::string body);
void SendText(Call& call, int status, std::string body);
// Django's reply to an exception its view did not handle (DEBUG off): 500, its HTML page, and
// none of the TUS headers a handler may have set.
void SendServerError(Call& call);
// The headers of CVAT's _tus_response (Tus-Resumable, Tus-Max-Size, CORS, ...), and their
// removal.
void AddTusHeaders(httplib::Response& res, uint64_t max_size);
void ClearTusHeaders(httplib::Response& res);

}  // namespace ingest::server

#endif  // INGEST_SERVER_SERVER_IMPL_H_
