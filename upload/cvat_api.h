// CvatApi: the CVAT REST calls around a data upload (see ../shared/reference/cvat_protocol.md
// section 1): login, tasks, Upload-Start, Upload-Finish and request polling. Blocking, on one
// HttpClient. Every error names the request and, for HTTP errors, the status and the server's
// message, with a hint for the usual causes (401: the token; 403: permissions; 404: the id).
#ifndef INGEST_UPLOAD_CVAT_API_H_
#define INGEST_UPLOAD_CVAT_API_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include "engine/result.h"
#include "upload/http_client.h"

namespace ingest::upload {

struct TaskInfo {
  int64_t id = 0;
  std::string name;
  int64_t size = 0;       // frames; 0 until data was created
  int64_t jobs = 0;       // number of jobs (segments), when the server reports them
  int64_t created_unix = 0;  // created_date, seconds since the epoch (0 when absent)
};

struct RequestState {
  std::string status;     // queued, started, finished, failed
  std::string message;
  double progress = 0;
};

struct ServerLimits {
  uint64_t tus_max_size = 25ull << 30;  // Tus-Max-Size from OPTIONS on /data/
};

class CvatApi {
 public:
  // `base_url` is the server root ("https://cvat.example.com"), without "/api".
  CvatApi(std::string base_url, HttpClient* http);

  const std::string& base_url() const { return base_; }
  // "<base>/api/tasks/<id>/data/" (with the trailing slash CVAT needs for TUS).
  std::string DataUrl(int64_t task_id) const;
  // The Origin header value: scheme://host[:port] of the base URL.
  std::string Origin() const;

  // POST /api/auth/login -> the key for "Authorization: Token <key>".
  Result<std::string> Login(const std::string& user, const std::string& password);
  // GET /api/server/about: a cheap check of the URL, and the server's version (kept; see
  // server_version()).
  Status CheckServer();
  // The version CheckServer read ("" before it, or when the server did not say).
  const std::string& server_version() const { return version_; }
  // True when the server tracks task creation as a request (CVAT 2.16.0 and later, or a
  // version it did not tell): Upload-Finish answers an rq_id to poll.
  bool has_requests_api() const;
  // GET /api/users/self: the credentials are accepted (401 says clearly that they are not).
  Status CheckCredentials();
  // GET /api/projects/<id>: the project exists and this user may see it.
  Status CheckProject(int64_t id);
  // POST /api/tasks with a TaskWriteSerializer JSON body.
  Result<TaskInfo> CreateTask(const std::string& json_body);
  Result<TaskInfo> GetTask(int64_t id);
  // GET /api/tasks?name=NAME&sort=-id: the newest tasks named exactly `name` (first page of
  // up to 100), newest first.
  Result<std::vector<TaskInfo>> FindTasks(const std::string& name);
  Status DeleteTask(int64_t id);
  // The id of the user named exactly `username` (case-sensitive, as CVAT's usernames are):
  // GET /api/users?search=USERNAME, page after page (search also matches parts of names and
  // first/last names; at most 20 pages of 100). InvalidArgument when no user or several
  // users have that name (naming the near matches seen).
  Result<int64_t> FindUserId(const std::string& username);
  // OPTIONS on the task's /data/ endpoint: TUS limits. Only for a task the run created or
  // was given: on CVAT this OPTIONS makes the task's Data row (and folders) when it has
  // none, and answers 400 once the task has data.
  Result<ServerLimits> DataLimits(int64_t task_id);
  // POST /data/ with Upload-Start (expects 202).
  Status StartUpload(int64_t task_id);
  // POST /data/ with Upload-Finish and the data request as JSON. Returns the rq_id (also on
  // 409, when a creation request for the task is already queued or running); "" from a
  // server without the requests API (poll GetTaskStatus then).
  Result<std::string> FinishUpload(int64_t task_id, const std::string& json_body);
  // POST /data/ with the data request as JSON and no Upload headers (a single-request
  // upload, as cvat-sdk sends share and remote files). Returns the rq_id, as FinishUpload.
  Result<std::string> SubmitData(int64_t task_id, const std::string& json_body);
  // GET /api/requests/<rq_id>. NotFound when the server no longer knows the request.
  Result<RequestState> GetRequest(const std::string& rq_id);
  // GET /api/tasks/<id>/status (CVAT before 2.16.0): its state as a request's status
  // (queued, started, finished, failed).
  Result<RequestState> GetTaskStatus(int64_t task_id);
  // GET /api/tasks/<id>/data/meta: calls `visit(i, name)` for the frames in the task's final
  // order, parsing as it goes (a million frames are not materialised); stops at the first
  // error `visit` returns (after a retried transfer, `visit` sees the frames again from 0).
  // Returns the number of frames.
  Result<size_t> VisitFrameNames(int64_t task_id,
                                 const std::function<Status(size_t, std::string_view)>& visit);

 // A call of the API: `path` below the base URL (or a whole URL), a JSON `body` when not
  // empty, `headers` added; retried on network errors and 5xx unless it is a POST (but
  // Upload-Start and Upload-Finish). Any status but `ok` is an error (HttpError).
  Result<HttpResponse> Request(const std::string& method, const std::string& path,
                               const std::string& body, std::vector<std::string> headers,
                               std::initializer_list<long> ok) {
    return Call(method, path, body, std::move(headers), ok);
  }
  HttpClient* http() const { return http_; }

 private:
  Result<HttpResponse> Call(const std::string& method, const std::string& path,
                            const std::string& body, std::vector<std::string> headers,
                            std::initializer_list<long> ok);

  std::string base_;
  HttpClient* http_;
  std::string version_;
};

// Logs in as `user` and returns the headers of the session: "Authorization: Token <key>",
// then "X-Organization: <org>" unless `org` is empty.
Result<std::vector<std::string>> SessionHeaders(CvatApi& api, const std::string& user,
                                                const std::string& password,
                                                const std::string& org);

// Builds the error for an unexpected HTTP status: "POST /api/tasks: 400 Bad Request: <server
// message>" plus a hint for 401/403/404/413.
Status HttpError(const std::string& what, const HttpResponse& response);

}  // namespace ingest::upload

#endif  // INGEST_UPLOAD_CVAT_API_H_
