#include "upload/cvat_api.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "engine/cvat_version.h"
#include "manifest/jsonl_encoder.h"
#include "upload/api_replies.h"
#include "upload/frame_names.h"

namespace ingest::upload {
namespace {

// Attempts of a request that is safe to repeat.
constexpr int kAttempts = 5;

// Whether attempt `attempt` of `attempts` failed in a way worth another try (a network
// error, 5xx, 429); if so, waits the backoff first.
bool RetryAfter(const Result<HttpResponse>& r, int attempt, int attempts) {
  bool transient = !r.has_value() ? r.error().code() == Status::Code::kNetwork
                                  : (r->status >= 500 || r->status == 429);
  if (!transient || attempt >= attempts) return false;
  std::this_thread::sleep_for(std::chrono::milliseconds(100 << attempt));
  return true;
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

Status HttpError(const std::string& what, const HttpResponse& r) {
  std::string msg = what + ": " + StatusLine(r.status);
  std::string server = ServerMessage(r.body);
  if (!server.empty()) msg += ": " + server;
  switch (r.status) {
    case 401:
      msg += " (the credentials were refused: check CVAT_ACCESS_TOKEN, --token-file or --auth)";
      break;
    case 403: msg += " (this user may not do that: check the task's owner and --org)"; break;
    case 404: msg += " (no such object: check the task id, the server URL and --org)"; break;
    case 413:
      msg += " (a proxy or the server refused the body size: lower --batch / --tus-chunk)";
      break;
    default: break;
  }
  if (r.status >= 500) return Status::Remote(msg);
  if (r.status == 404) return Status::NotFound(msg);
  return Status::Remote(msg);
}

CvatApi::CvatApi(std::string base_url, HttpClient* http) : base_(std::move(base_url)), http_(http) {
  while (!base_.empty() && base_.back() == '/') base_.pop_back();
}

std::string CvatApi::DataUrl(int64_t task_id) const {
  return base_ + "/api/tasks/" + std::to_string(task_id) + "/data/";
}

std::string CvatApi::Origin() const {
  size_t scheme = base_.find("://");
  size_t host_end = scheme == std::string::npos ? std::string::npos : base_.find('/', scheme + 3);
  return host_end == std::string::npos ? base_ : base_.substr(0, host_end);
}

Result<HttpResponse> CvatApi::Call(const std::string& method, const std::string& path,
                                   const std::string& body, std::vector<std::string> headers,
                                   std::initializer_list<long> ok) {
  HttpRequest req;
  req.method = method;
  req.url = path.starts_with("http") ? path : base_ + path;
  req.body = body;
  req.headers = std::move(headers);
  if (!body.empty()) req.headers.push_back("Content-Type: application/json");
  req.headers.push_back("Accept: application/json");
  // Requests that change nothing, or whose repetition the server recognises (Upload-Start
  // does nothing; a repeated Upload-Finish answers 409 with the same rq_id), are retried on
  // network errors and 5xx; creating a task is not (a lost reply would make a second task).
  bool idempotent = method != "POST" || Contains(req.headers, "Upload-Start: true") ||
                    Contains(req.headers, "Upload-Finish: true");
  const int attempts = idempotent ? kAttempts : 1;
  Result<HttpResponse> r = Status::Internal("no attempt");
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    r = http_->Send(req);
    if (!RetryAfter(r, attempt, attempts)) break;
  }
  if (!r) return r.error();
  for (long code : ok) {
    if (r->status == code) return r;
  }
  return HttpError(method + " " + req.url, *r);
}

Result<std::string> CvatApi::Login(const std::string& user, const std::string& password) {
  std::string body = "{\"username\":";
  manifest::AppendJsonString(user, &body);
  body += ",\"password\":";
  manifest::AppendJsonString(password, &body);
  body += '}';
  INGEST_ASSIGN_OR_RETURN(HttpResponse r, Call("POST", "/api/auth/login", body, {}, {200}));
  return ParseLoginReply(r.body, "POST /api/auth/login");
}

Result<std::vector<std::string>> SessionHeaders(CvatApi& api, const std::string& user,
                                                const std::string& password,
                                                const std::string& org) {
  INGEST_ASSIGN_OR_RETURN(std::string key, api.Login(user, password));
  std::vector<std::string> headers = {"Authorization: Token " + key};
  if (!org.empty()) headers.push_back("X-Organization: " + org);
  return headers;
}

Status CvatApi::CheckServer() {
  INGEST_ASSIGN_OR_RETURN(HttpResponse r, Call("GET", "/api/server/about", "", {}, {200}));
  version_ = ParseAboutVersion(r.body);
  return Status();
}

bool CvatApi::has_requests_api() const {
  std::optional<CvatVersion> v = ParseCvatVersion(version_);
  return !v || *v >= kCvatRequestsApi;
}

Result<RequestState> CvatApi::GetTaskStatus(int64_t task_id) {
  std::string path = "/api/tasks/" + std::to_string(task_id) + "/status";
  INGEST_ASSIGN_OR_RETURN(HttpResponse r, Call("GET", path, "", {}, {200}));
  return ParseTaskStatusReply(r.body, "GET " + path);
}

Status CvatApi::CheckCredentials() {
  return Call("GET", "/api/users/self", "", {}, {200}).status();
}

Status CvatApi::CheckProject(int64_t id) {
  Result<HttpResponse> r = Call("GET", "/api/projects/" + std::to_string(id), "", {}, {200});
  if (!r && r.error().code() == Status::Code::kNotFound) {
    return Status::NotFound("--project-id " + std::to_string(id) + ": no such project on " +
                            base_ + " (or it belongs to another --org)");
  }
  return r.status();
}

Result<TaskInfo> CvatApi::CreateTask(const std::string& json_body) {
  INGEST_ASSIGN_OR_RETURN(HttpResponse r, Call("POST", "/api/tasks", json_body, {}, {201}));
  return ParseTaskReply(r.body, "POST /api/tasks");
}

Result<TaskInfo> CvatApi::GetTask(int64_t id) {
  std::string path = "/api/tasks/" + std::to_string(id);
  INGEST_ASSIGN_OR_RETURN(HttpResponse r, Call("GET", path, "", {}, {200}));
  return ParseTaskReply(r.body, "GET " + path);
}

Result<std::vector<TaskInfo>> CvatApi::FindTasks(const std::string& name) {
  std::string path = "/api/tasks?name=" + PercentEncode(name) + "&sort=-id&page_size=100";
  INGEST_ASSIGN_OR_RETURN(HttpResponse r, Call("GET", path, "", {}, {200}));
  return ParseTaskListReply(r.body, "GET " + path, name);
}

Result<int64_t> CvatApi::FindUserId(const std::string& username) {
  constexpr int kMaxPages = 20;
  std::vector<int64_t> exact;
  std::vector<std::string> near;
  bool more = false;
  for (int page = 1; page <= kMaxPages; ++page) {
    std::string path = "/api/users?search=" + PercentEncode(username) +
                       "&page_size=100&page=" + std::to_string(page);
    INGEST_ASSIGN_OR_RETURN(HttpResponse r, Call("GET", path, "", {}, {200}));
    INGEST_ASSIGN_OR_RETURN(UserPage p, ParseUserListReply(r.body, "GET " + path));
    for (UserEntry& u : p.users) {
      if (u.username == username) {
        exact.push_back(u.id);
      } else if (near.size() < 5) {
        near.push_back(std::move(u.username));
      }
    }
    more = p.has_next;
    if (!more) break;
  }
  const std::string what = "--assignee " + username + ": ";
  if (exact.size() == 1) return exact[0];
  if (exact.size() > 1) {
    std::string ids;
    for (int64_t id : exact) ids += (ids.empty() ? "" : ", ") + std::to_string(id);
    return Status::InvalidArgument(what + std::to_string(exact.size()) +
                                   " users of " + base_ + " have this username (ids " + ids +
                                   "); nothing was created");
  }
  std::string msg = what + "no user of " + base_ + " has this username";
  if (!near.empty()) {
    msg += " (the search also found: ";
    for (size_t i = 0; i < near.size(); ++i) msg += (i ? ", " : "") + near[i];
    msg += more ? ", ...)" : ")";
  } else if (more) {
    msg += " among the first " + std::to_string(kMaxPages * 100) + " matches";
  }
  return Status::InvalidArgument(msg + "; nothing was created");
}

Status CvatApi::DeleteTask(int64_t id) {
  return Call("DELETE", "/api/tasks/" + std::to_string(id), "", {}, {200, 204}).status();
}

Result<ServerLimits> CvatApi::DataLimits(int64_t task_id) {
  INGEST_ASSIGN_OR_RETURN(HttpResponse r,
                          Call("OPTIONS", DataUrl(task_id), "", {"Tus-Resumable: 1.0.0"},
                               {200, 204}));
  ServerLimits limits;
  std::string max = r.Header("tus-max-size");
  if (!max.empty()) limits.tus_max_size = std::strtoull(max.c_str(), nullptr, 10);
  return limits;
}

Status CvatApi::StartUpload(int64_t task_id) {
  return Call("POST", DataUrl(task_id), "", {"Upload-Start: true"}, {202}).status();
}

Result<std::string> CvatApi::FinishUpload(int64_t task_id, const std::string& json_body) {
  INGEST_ASSIGN_OR_RETURN(HttpResponse r, Call("POST", DataUrl(task_id), json_body,
                                               {"Upload-Finish: true"}, {202, 409}));
  if (!has_requests_api() && r.status == 202) return std::string();  // nothing to poll by id
  return ParseRqIdReply(r.body, "Upload-Finish");
}

Result<std::string> CvatApi::SubmitData(int64_t task_id, const std::string& json_body) {
  INGEST_ASSIGN_OR_RETURN(HttpResponse r, Call("POST", DataUrl(task_id), json_body, {}, {202}));
  if (!has_requests_api()) return std::string();
  return ParseRqIdReply(r.body, "POST data");
}

Result<RequestState> CvatApi::GetRequest(const std::string& rq_id) {
  INGEST_ASSIGN_OR_RETURN(HttpResponse r,
                          Call("GET", "/api/requests/" + PercentEncode(rq_id), "", {}, {200}));
  return ParseRequestReply(r.body, "GET request");
}

Result<size_t> CvatApi::VisitFrameNames(
    int64_t task_id, const std::function<Status(size_t, std::string_view)>& visit) {
  std::string path = "/api/tasks/" + std::to_string(task_id) + "/data/meta";
  // Retried like any GET (each attempt parses from the start: visit may see the first frames
  // again).
  for (int attempt = 1;; ++attempt) {
    FrameNameStream stream(visit);
    Status failed;
    HttpRequest req;
    req.url = base_ + path;
    req.headers = {"Accept: application/json"};
    req.on_body = [&](std::string_view chunk) {
      failed = stream.Feed(chunk);
      return failed.ok();
    };
    Result<HttpResponse> r = http_->Send(req);
    if (!failed.ok()) return failed;
    if (RetryAfter(r, attempt, kAttempts)) continue;
    if (!r) return r.error();
    if (r->status != 200) return HttpError("GET " + req.url, *r);
    INGEST_RETURN_IF_ERROR(stream.Finish());
    return stream.count();
  }
}

}  // namespace ingest::upload
