#include "upload/cvat_api.h"

#include <ctime>

#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "manifest/jsonl_encoder.h"
#include "upload/frame_names.h"

namespace ingest::upload {
namespace {

// The server's message from an error body: JSON "detail"/"message", a JSON list or object
// flattened, else the text; at most 500 bytes.
std::string ServerMessage(const std::string& body) {
  std::string text = body;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (!body.empty() && parser.parse(body).get(doc) == simdjson::SUCCESS) {
    std::string_view detail;
    if (doc.is_object() && doc["detail"].get(detail) == simdjson::SUCCESS) {
      text = std::string(detail);
    } else if (doc.is_object() && doc["message"].get(detail) == simdjson::SUCCESS) {
      text = std::string(detail);
    } else {
      text = simdjson::minify(doc);
    }
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  if (text.size() > 500) text = text.substr(0, 500) + "...";
  return text;
}

Result<simdjson::dom::element> ParseJson(simdjson::dom::parser& parser, const std::string& body,
                                         const std::string& what) {
  simdjson::dom::element doc;
  if (parser.parse(body).get(doc) != simdjson::SUCCESS) {
    return Status::Remote(what + ": the server's reply is not JSON: " +
                          body.substr(0, std::min<size_t>(body.size(), 200)));
  }
  return doc;
}

// "2026-11-28T18:23:15.123456Z" (CVAT's dates, UTC) -> seconds since the epoch; 0 if not.
int64_t ParseIsoTime(std::string_view text) {
  std::tm tm{};
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  std::string s(text.substr(0, 19));
  if (std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &sec) != 6) return 0;
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  return static_cast<int64_t>(::timegm(&tm));
}

Result<TaskInfo> ParseTaskElement(simdjson::dom::element doc, const std::string& what) {
  TaskInfo t;
  if (doc["id"].get(t.id) != simdjson::SUCCESS) {
    return Status::Remote(what + ": the reply has no task id");
  }
  std::string_view name;
  if (doc["name"].get(name) == simdjson::SUCCESS) t.name = std::string(name);
  int64_t size = 0;
  if (doc["size"].get(size) == simdjson::SUCCESS) t.size = size;
  simdjson::dom::element jobs;
  if (doc["jobs"].get(jobs) == simdjson::SUCCESS) {
    int64_t count = 0;
    if (jobs["count"].get(count) == simdjson::SUCCESS) t.jobs = count;
  }
  simdjson::dom::array segments;
  if (t.jobs == 0 && doc["segments"].get(segments) == simdjson::SUCCESS) {
    t.jobs = static_cast<int64_t>(segments.size());
  }
  std::string_view created;
  if (doc["created_date"].get(created) == simdjson::SUCCESS) t.created_unix = ParseIsoTime(created);
  return t;
}

Result<TaskInfo> ParseTask(const std::string& body, const std::string& what) {
  simdjson::dom::parser parser;
  INGEST_ASSIGN_OR_RETURN(simdjson::dom::element doc, ParseJson(parser, body, what));
  return ParseTaskElement(doc, what);
}

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
  simdjson::dom::parser parser;
  INGEST_ASSIGN_OR_RETURN(simdjson::dom::element doc, ParseJson(parser, r.body, "login"));
  std::string_view key;
  if (doc["key"].get(key) != simdjson::SUCCESS) {
    return Status::Remote("POST /api/auth/login: the reply has no key");
  }
  return std::string(key);
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
  return Call("GET", "/api/server/about", "", {}, {200}).status();
}

Result<TaskInfo> CvatApi::CreateTask(const std::string& json_body) {
  INGEST_ASSIGN_OR_RETURN(HttpResponse r, Call("POST", "/api/tasks", json_body, {}, {201}));
  return ParseTask(r.body, "POST /api/tasks");
}

Result<TaskInfo> CvatApi::GetTask(int64_t id) {
  std::string path = "/api/tasks/" + std::to_string(id);
  INGEST_ASSIGN_OR_RETURN(HttpResponse r, Call("GET", path, "", {}, {200}));
  return ParseTask(r.body, "GET " + path);
}

Result<std::vector<TaskInfo>> CvatApi::FindTasks(const std::string& name) {
  std::string path = "/api/tasks?name=" + PercentEncode(name) + "&sort=-id&page_size=100";
  INGEST_ASSIGN_OR_RETURN(HttpResponse r, Call("GET", path, "", {}, {200}));
  simdjson::dom::parser parser;
  INGEST_ASSIGN_OR_RETURN(simdjson::dom::element doc, ParseJson(parser, r.body, "GET " + path));
  simdjson::dom::array results;
  if (doc["results"].get(results) != simdjson::SUCCESS) {
    return Status::Remote("GET " + path + ": the reply has no results list");
  }
  std::vector<TaskInfo> out;
  for (simdjson::dom::element e : results) {
    INGEST_ASSIGN_OR_RETURN(TaskInfo t, ParseTaskElement(e, "GET " + path));
    if (t.name == name) out.push_back(std::move(t));
  }
  std::sort(out.begin(), out.end(), [](const TaskInfo& a, const TaskInfo& b) { return a.id > b.id; });
  return out;
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

Result<std::optional<ServerLimits>> CvatApi::ServerDataLimits() {
  std::string path = "/api/tasks?page_size=1";
  INGEST_ASSIGN_OR_RETURN(HttpResponse r, Call("GET", path, "", {}, {200}));
  simdjson::dom::parser parser;
  INGEST_ASSIGN_OR_RETURN(simdjson::dom::element doc, ParseJson(parser, r.body, "GET " + path));
  simdjson::dom::array results;
  int64_t id = 0;
  if (doc["results"].get(results) != simdjson::SUCCESS || results.size() == 0 ||
      results.at(0)["id"].get(id) != simdjson::SUCCESS) {
    return std::optional<ServerLimits>();
  }
  INGEST_ASSIGN_OR_RETURN(ServerLimits limits, DataLimits(id));
  return std::optional<ServerLimits>(limits);
}

Status CvatApi::StartUpload(int64_t task_id) {
  return Call("POST", DataUrl(task_id), "", {"Upload-Start: true"}, {202}).status();
}

Result<std::string> CvatApi::FinishUpload(int64_t task_id, const std::string& json_body) {
  INGEST_ASSIGN_OR_RETURN(HttpResponse r, Call("POST", DataUrl(task_id), json_body,
                                               {"Upload-Finish: true"}, {202, 409}));
  simdjson::dom::parser parser;
  INGEST_ASSIGN_OR_RETURN(simdjson::dom::element doc, ParseJson(parser, r.body, "Upload-Finish"));
  std::string_view rq_id;
  if (doc["rq_id"].get(rq_id) != simdjson::SUCCESS) {
    return Status::Remote("Upload-Finish: the reply has no rq_id: " + ServerMessage(r.body));
  }
  return std::string(rq_id);
}

Result<RequestState> CvatApi::GetRequest(const std::string& rq_id) {
  INGEST_ASSIGN_OR_RETURN(HttpResponse r,
                          Call("GET", "/api/requests/" + PercentEncode(rq_id), "", {}, {200}));
  simdjson::dom::parser parser;
  INGEST_ASSIGN_OR_RETURN(simdjson::dom::element doc, ParseJson(parser, r.body, "GET request"));
  RequestState s;
  std::string_view text;
  if (doc["status"].get(text) == simdjson::SUCCESS) s.status = std::string(text);
  if (doc["message"].get(text) == simdjson::SUCCESS) s.message = std::string(text);
  double progress = 0;
  if (doc["progress"].get(progress) == simdjson::SUCCESS) s.progress = progress;
  return s;
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
