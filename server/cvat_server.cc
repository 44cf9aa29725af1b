#include "server/cvat_server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <regex>

#include "manifest/jsonl_encoder.h"
#include "server/server_impl.h"
#include "server/source_listing.h"
#include "server/task_fields.h"
#include "server/user_list.h"
#include "server/wire_text.h"

namespace ingest::server {
namespace {

// cpp-httplib runs each connection to its end on one pool thread, so the pool must be at
// least as large as the number of live keep-alive connections (0.11.4's default is 8
// threads). This pool starts a thread whenever a job arrives and none is idle, up to `max`.
class GrowingPool final : public httplib::TaskQueue {
 public:
  explicit GrowingPool(size_t max) : max_(max) {}
  ~GrowingPool() override = default;

  void enqueue(std::function<void()> fn) override {
    std::lock_guard lock(mu_);
    jobs_.push_back(std::move(fn));
    // A notified thread counts as idle until it wakes, so compare with the queued jobs:
    // testing idle_ == 0 left a burst of new connections queued behind one idle thread,
    // each waiting for a whole keep-alive connection to end (5 s stalls at 4 connections).
    if (jobs_.size() > idle_ && threads_.size() < max_) {
      threads_.emplace_back([this] { Work(); });
    } else {
      cv_.notify_one();
    }
  }

  void shutdown() override {
    {
      std::lock_guard lock(mu_);
      shutdown_ = true;
    }
    cv_.notify_all();
    for (std::thread& t : threads_) t.join();
  }

 private:
  void Work() {
    std::unique_lock lock(mu_);
    for (;;) {
      ++idle_;
      cv_.wait(lock, [&] { return shutdown_ || !jobs_.empty(); });
      --idle_;
      if (jobs_.empty()) return;  // shutting down and nothing left
      std::function<void()> fn = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      fn();
      lock.lock();
    }
  }

  const size_t max_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;  // GUARDED_BY(mu_)
  std::vector<std::thread> threads_;        // GUARDED_BY(mu_) (joined after shutdown)
  size_t idle_ = 0;                         // GUARDED_BY(mu_)
  bool shutdown_ = false;                   // GUARDED_BY(mu_)
};

std::optional<int64_t> MatchId(const httplib::Request& req, size_t i = 1) {
  std::optional<uint64_t> v = ParseDecimal(req.matches[static_cast<int>(i)].str());
  if (!v || *v > (1ULL << 53)) return std::nullopt;
  return static_cast<int64_t>(*v);
}

// DRF's reply to a method the route does not serve.
void MethodNotAllowed(Call& call) {
  SendJson(call, 405, DetailJson("Method \"" + call.req.method + "\" not allowed."));
}

// True when the last segment of an upload URL is an upload id of CVAT's form; else Django's
// URL resolver answers 404 (no TUS headers), before any authentication.
bool IsUploadRoute(const httplib::Request& req) {
  int owner = 0;
  return IsValidUploadId(req.matches[2].str(), &owner);
}

void RouteNotFound(Call& call) { SendJson(call, 404, DetailJson("Not found.")); }

bool HasBody(const httplib::Request& req) {
  if (req.has_header("Transfer-Encoding")) return true;
  if (!req.has_header("Content-Length")) return false;
  std::optional<uint64_t> len = ParseDecimal(req.get_header_value("Content-Length"));
  return !len || *len > 0;
}

std::string TaskJson(TaskStore& store, Task& t, const std::string& base_url) {
  (void)store;
  std::lock_guard lock(t.mu);
  std::string out = "{";
  AppendStringField("url", base_url + "/api/tasks/" + std::to_string(t.id), &out);
  AppendIntField("id", t.id, &out);
  AppendStringField("name", t.name, &out);
  AppendRawField("project_id", t.project_id ? std::to_string(*t.project_id) : "null", &out);
  AppendStringField("mode", t.mode, &out);
  std::string owner = "{";
  AppendIntField("id", t.owner_id, &owner);
  AppendStringField("username", t.owner_name, &owner);
  owner += "}";
  AppendRawField("owner", owner, &out);
  AppendRawField("assignee", t.assignee_id ? "{\"id\":" + std::to_string(*t.assignee_id) + "}"
                                          : std::string("null"),
                 &out);
  AppendStringField("bug_tracker", t.bug_tracker, &out);
  AppendStringField("created_date", t.created_date, &out);
  AppendStringField("updated_date", t.updated_date, &out);
  AppendIntField("overlap", t.overlap, &out);
  AppendIntField("segment_size", t.segment_size, &out);
  AppendStringField("status", "annotation", &out);
  std::string labels = "{";
  AppendStringField("url", base_url + "/api/labels?task_id=" + std::to_string(t.id), &labels);
  labels += "}";
  AppendRawField("labels", labels, &out);
  std::string jobs = "{";
  AppendIntField("count", t.jobs, &jobs);
  AppendIntField("completed", 0, &jobs);
  AppendIntField("validation", 0, &jobs);
  AppendStringField("url", base_url + "/api/jobs?task_id=" + std::to_string(t.id), &jobs);
  jobs += "}";
  AppendRawField("jobs", jobs, &out);
  AppendRawField("data_chunk_size", t.chunk_size ? std::to_string(t.chunk_size) : "null", &out);
  AppendRawField("data_compressed_chunk_type", t.size ? "\"imageset\"" : "null", &out);
  AppendRawField("data_original_chunk_type", t.size ? "\"imageset\"" : "null", &out);
  AppendIntField("image_quality", t.image_quality, &out);
  AppendRawField("data", t.has_data ? std::to_string(t.id) : "null", &out);
  AppendIntField("size", t.size, &out);
  AppendStringField("subset", t.subset, &out);
  AppendRawField("organization", "null", &out);
  AppendRawField("source_storage", t.source_storage_json, &out);
  AppendRawField("target_storage", t.target_storage_json, &out);
  AppendRawField("validation_mode",
                 t.validation_mode.empty() ? std::string("null") : "\"" + t.validation_mode + "\"",
                 &out);
  AppendRawField("consensus_enabled", t.consensus_replicas > 0 ? "true" : "false", &out);
  AppendStringField("dimension", "2d", &out);
  out += "}";
  return out;
}

}  // namespace

void SendJson(Call& call, int status, std::string body) {
  call.res.status = status;
  call.res.set_content(std::move(body), "application/json");
}

void SendText(Call& call, int status, std::string body) {
  call.res.status = status;
  call.res.set_content(std::move(body), "text/plain");
}

namespace {
constexpr const char* kTusHeaderNames[] = {
    "Tus-Resumable",  "Tus-Version",   "Tus-Extension",
    "Tus-Max-Size",   "Access-Control-Allow-Origin",   "Access-Control-Allow-Methods",
    "Access-Control-Expose-Headers", "Access-Control-Allow-Headers", "Cache-Control"};
}  // namespace

void ClearTusHeaders(httplib::Response& res) {
  for (const char* name : kTusHeaderNames) res.headers.erase(name);
}

void SendServerError(Call& call) {
  ClearTusHeaders(call.res);
  for (const char* name : {"Location", "Upload-Offset", "Upload-Length", "Upload-Filename"}) {
    call.res.headers.erase(name);
  }
  call.res.status = 500;
  call.res.set_content("<h1>Server Error (500)</h1>", "text/html");
}

void AddTusHeaders(httplib::Response& res, uint64_t max_size) {
  res.set_header("Tus-Resumable", "1.0.0");
  res.set_header("Tus-Version", "1.0.0");
  res.set_header("Tus-Extension", "");
  res.set_header("Tus-Max-Size", std::to_string(max_size));
  res.set_header("Access-Control-Allow-Origin", "*");
  res.set_header("Access-Control-Allow-Methods", "PATCH,HEAD,GET,POST,OPTIONS");
  res.set_header("Access-Control-Expose-Headers",
                 "Tus-Resumable,upload-length,upload-metadata,Location,Upload-Offset");
  res.set_header("Access-Control-Allow-Headers",
                 "Tus-Resumable,upload-length,upload-metadata,Location,Upload-Offset,content-type");
  res.set_header("Cache-Control", "no-store");
}

CvatServer::Impl::Impl(ServerOptions options)
    : opts_(std::move(options)),
      store_(opts_.data_dir, opts_.discard),
      auth_(opts_.users),
      login_throttle_(opts_.login_max_failures,
                      std::chrono::seconds(std::max(1, opts_.login_window_seconds))) {}

CvatServer::Impl::~Impl() { Stop(); }

Status CvatServer::Impl::Init() {
  if (opts_.data_dir.empty()) return Status::InvalidArgument("no data directory given");
  std::optional<CvatVersion> version = ParseCvatVersion(opts_.cvat_version);
  if (!version) {
    return Status::InvalidArgument("CVAT version '" + opts_.cvat_version + "' is not X.Y.Z");
  }
  version_ = *version;
  for (const User& u : opts_.users) {
    if (u.token.empty()) return Status::InvalidArgument("user " + u.name + " has no token");
  }
  INGEST_ASSIGN_OR_RETURN(faults_, FaultPlan::Parse(opts_.faults));
  INGEST_RETURN_IF_ERROR(store_.Open());
  for (const std::string& w : store_.TakeLoadWarnings()) {
    if (opts_.log) opts_.log("load: " + w);
  }
  if (opts_.inspector == nullptr) {
    own_inspector_ = NewEngineMediaInspector();
    inspector_ = own_inspector_.get();
  } else {
    inspector_ = opts_.inspector;
  }
  registry_ = std::make_unique<RequestRegistry>(opts_.request_ttl_seconds, opts_.build_workers);

  size_t max_threads = opts_.max_threads;
  http_.new_task_queue = [max_threads] { return new GrowingPool(max_threads); };
  http_.set_keep_alive_max_count(1u << 30);
  http_.set_keep_alive_timeout(opts_.keep_alive_timeout_seconds);
  http_.set_read_timeout(opts_.idle_timeout_seconds);
  http_.set_write_timeout(opts_.idle_timeout_seconds);
  http_.set_tcp_nodelay(true);
  ConnectionLimits limits;
  limits.head.max_bytes = std::min(opts_.max_head_bytes, ConnectionStream::kReadBuffer);
  limits.head.max_headers = opts_.max_header_count;
  limits.head_timeout_ms = std::clamp(opts_.head_timeout_seconds, 1, 86400) * 1000;
  limits.max_per_client = opts_.max_connections_per_client;
  http_.set_connection_limits(limits);
  InstallRoutes();
  int port = opts_.port;
  if (port == 0) {
    port = http_.bind_to_any_port(opts_.host);
    if (port < 0) return Status::IoError("cannot bind " + opts_.host + " (any port)");
  } else if (!http_.bind_to_port(opts_.host, port)) {
    return Status::IoError("cannot bind " + opts_.host + ":" + std::to_string(port));
  }
  port_ = port;
  // 0.11.4 listens with a backlog of 5; listening again only changes the backlog.
  ::listen(http_.listening_socket(), opts_.listen_backlog);
  listen_thread_ = std::thread([this] { http_.listen_after_bind(); });
  // stop() is a no-op until the loop runs, so return only once it does.
  while (!http_.is_running()) std::this_thread::sleep_for(std::chrono::microseconds(200));
  return Status::Ok();
}

void CvatServer::Impl::Stop() {
  {
    std::lock_guard lock(stop_mu_);
    if (stopping_ && !listen_thread_.joinable()) return;
    stopping_ = true;
  }
  stop_cv_.notify_all();
  http_.stop();
  if (listen_thread_.joinable()) listen_thread_.join();
  if (registry_) registry_->Stop();
}

std::vector<std::string> CvatServer::Impl::FaultLog() const {
  std::lock_guard lock(fault_mu_);
  return fault_log_;
}

void CvatServer::Impl::LogFault(const Call& call, std::string_view what) {
  std::string line = "fault=" + std::string(what) + " request=" + std::to_string(call.number) +
                     " " + call.req.method + " " + call.req.path;
  {
    std::lock_guard lock(fault_mu_);
    fault_log_.push_back(line);
  }
  if (opts_.log) opts_.log(line);
}

void CvatServer::Impl::InterruptibleSleep(uint64_t ms) {
  std::unique_lock lock(stop_mu_);
  stop_cv_.wait_for(lock, std::chrono::milliseconds(ms), [&] { return stopping_; });
}

void CvatServer::Impl::ResetConnection() {
  int fd = HttpServer::CurrentSocket();
  if (fd < 0) return;
  linger lg{1, 0};  // close() then sends RST instead of FIN
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  ::shutdown(fd, SHUT_RDWR);
}

bool CvatServer::Impl::ReadSmallBody(Call& call, size_t limit, std::string* out) {
  call.body_consumed = true;
  const httplib::Request& req = call.req;
  bool chunked = req.has_header("Transfer-Encoding");
  if (!chunked) {
    if (!req.has_header("Content-Length")) return true;
    std::optional<uint64_t> len = ParseDecimal(req.get_header_value("Content-Length"));
    if (!len) {
      call.body_consumed = false;
      SendJson(call, 400, DetailJson("Invalid Content-Length"));
      return false;
    }
    if (*len > limit) {
      call.body_consumed = false;
      SendJson(call, 413, DetailJson("Request body is too large"));
      return false;
    }
    if (*len == 0) return true;
    out->reserve(*len);
  }
  bool too_big = false;
  bool ok = (*call.reader)([&](const char* data, size_t n) {
    if (out->size() + n > limit) {
      too_big = true;
      return false;
    }
    out->append(data, n);
    return true;
  });
  if (too_big) {
    call.res.set_header("Connection", "close");
    SendJson(call, 413, DetailJson("Request body is too large"));
    return false;
  }
  if (!ok) {
    call.res.set_header("Connection", "close");
    SendJson(call, 400, DetailJson("Incomplete request body"));
    return false;
  }
  return true;
}

void CvatServer::Impl::FinishBody(Call& call) {
  if (call.reader == nullptr || call.body_consumed || call.reset || !HasBody(call.req)) return;
  constexpr uint64_t kDrainLimit = 1 << 20;
  std::optional<uint64_t> len;
  if (call.req.has_header("Content-Length")) {
    len = ParseDecimal(call.req.get_header_value("Content-Length"));
  }
  if (len && *len <= kDrainLimit && !call.req.has_header("Transfer-Encoding")) {
    if ((*call.reader)([](const char*, size_t) { return true; })) return;
  }
  call.res.set_header("Connection", "close");
}

template <class Fn>
void CvatServer::Impl::Serve(const httplib::Request& req, httplib::Response& res,
                             const httplib::ContentReader* reader, bool need_auth, Fn&& fn) {
  Call call{req, res, reader};
  call.number = request_counter_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (opts_.on_request) opts_.on_request(req.method + " " + req.target);
  if (!faults_->empty()) {
    if (uint64_t ms = faults_->DrawStallMs()) {
      LogFault(call, "stall");
      InterruptibleSleep(ms);
    }
    uint64_t over = faults_->proxy_413_over();
    if (over > 0 && reader != nullptr) {
      std::optional<uint64_t> len = ParseDecimal(req.get_header_value("Content-Length"));
      if (req.has_header("Transfer-Encoding") || (len && *len > over)) {
        LogFault(call, "proxy-413");
        res.status = 413;
        res.set_content(
            "<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n"
            "<center><h1>413 Request Entity Too Large</h1></center>\r\n"
            "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
            "text/html");
        FinishBody(call);
        return;
      }
    }
    int code = 0;
    if (need_auth && faults_->DrawStatus(&code)) {
      LogFault(call, "status=" + std::to_string(code));
      SendJson(call, code, DetailJson("injected fault"));
      FinishBody(call);
      return;
    }
  }
  if (need_auth) {
    call.user = auth_.Check(req.get_header_value("Authorization"));
    if (call.user == nullptr) {
      SendJson(call, 401,
               DetailJson(req.has_header("Authorization") ? "Invalid token."
                                                          : "Authentication credentials were "
                                                            "not provided."));
      res.set_header("WWW-Authenticate", "Token");
      FinishBody(call);
      return;
    }
  }
  fn(call);
  FinishBody(call);
  if (call.reset) {
    ResetConnection();
    return;
  }
  if (need_auth && !faults_->empty() && faults_->DrawGateway504()) {
    LogFault(call, "gateway-504");
    res.headers.clear();
    res.status = 504;
    res.set_content(
        "<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n"
        "<center><h1>504 Gateway Time-out</h1></center>\r\n<hr><center>nginx</center>\r\n"
        "</body>\r\n</html>\r\n",
        "text/html");
  }
}

std::function<void(Call&)> CvatServer::Impl::TaskRoute(void (Impl::*method)(Call&, int64_t)) {
  return [this, method](Call& c) {
    std::optional<int64_t> id = MatchId(c.req);
    if (!id) return SendJson(c, 404, DetailJson("Not found."));
    (this->*method)(c, *id);
  };
}

std::function<void(Call&)> CvatServer::Impl::UploadRoute(
    bool route, bool head_only, void (Impl::*method)(Call&, int64_t, const std::string&)) {
  return [this, route, head_only, method](Call& c) {
    if (!route) return RouteNotFound(c);
    if (head_only && c.req.method != "HEAD") return MethodNotAllowed(c);
    std::optional<int64_t> id = MatchId(c.req);
    if (!id) return RouteNotFound(c);
    (this->*method)(c, *id, c.req.matches[2].str());
  };
}

void CvatServer::Impl::InstallRoutes() {
  using httplib::ContentReader;
  using httplib::Request;
  using httplib::Response;
  auto& h = http_;
  h.Get("/api/server/about", [this](const Request& req, Response& res) {
    Serve(req, res, nullptr, false, [this](Call& c) {
      std::string out = "{";
      AppendStringField("name", "Computer Vision Annotation Tool", &out);
      AppendStringField("description", "cvat-ingest local receiver", &out);
      AppendStringField("version", opts_.cvat_version, &out);
      SendJson(c, 200, out + "}");
    });
  });
  h.Get("/api/users/self/?", [this](const Request& req, Response& res) {
    Serve(req, res, nullptr, true, [](Call& c) {
      std::string out = "{";
      AppendIntField("id", c.user->id, &out);
      AppendStringField("username", c.user->name, &out);
      out += "}";
      SendJson(c, 200, out);
    });
  });
  h.Get("/api/users/?", [this](const Request& req, Response& res) {
    Serve(req, res, nullptr, true, [this](Call& c) {
      std::vector<const User*> users;
      for (const User& u : auth_.users()) users.push_back(&u);
      for (const User& u : opts_.listed_users) users.push_back(&u);
      UserListReply r =
          ListUsers(users, c.req.params, "http://" + c.req.get_header_value("Host"));
      SendJson(c, r.status, std::move(r.body));
    });
  });
  // The receiver keeps no projects: it takes any project_id on task creation, so every
  // project id exists here.
  h.Get("/api/projects/(\\d+)/?", [this](const Request& req, Response& res) {
    Serve(req, res, nullptr, true, [](Call& c) {
      std::optional<int64_t> id = MatchId(c.req);
      if (!id) return SendJson(c, 404, DetailJson("Not found."));
      std::string out = "{";
      AppendIntField("id", *id, &out);
      out += "}";
      SendJson(c, 200, out);
    });
  });
  h.Post("/api/auth/login/?",
         [this](const Request& req, Response& res, const ContentReader& reader) {
           Serve(req, res, &reader, false, [this](Call& c) { HandleLogin(c); });
         });
  h.Post("/api/tasks/?", [this](const Request& req, Response& res, const ContentReader& reader) {
    Serve(req, res, &reader, true, [this](Call& c) { HandleCreateTask(c); });
  });
  h.Get("/api/tasks/?", [this](const Request& req, Response& res) {
    Serve(req, res, nullptr, true, [this](Call& c) { HandleListTasks(c); });
  });
  h.Get("/api/tasks/(\\d+)/?", [this](const Request& req, Response& res) {
    Serve(req, res, nullptr, true, TaskRoute(&Impl::HandleGetTask));
  });
  h.Delete("/api/tasks/(\\d+)/?",
           [this](const Request& req, Response& res, const ContentReader& reader) {
             Serve(req, res, &reader, true, TaskRoute(&Impl::HandleDeleteTask));
           });
  h.Get("/api/tasks/(\\d+)/status/?", [this](const Request& req, Response& res) {
    Serve(req, res, nullptr, true, TaskRoute(&Impl::HandleTaskStatus));
  });
  h.Get("/api/tasks/(\\d+)/data/meta/?", [this](const Request& req, Response& res) {
    Serve(req, res, nullptr, true, TaskRoute(&Impl::HandleDataMeta));
  });
  h.Post("/api/tasks/(\\d+)/data/?",
         [this](const Request& req, Response& res, const ContentReader& reader) {
           Serve(req, res, &reader, true, TaskRoute(&Impl::HandleDataPost));
         });
  h.Options("/api/tasks/(\\d+)/data/?", [this](const Request& req, Response& res) {
    Serve(req, res, nullptr, true, TaskRoute(&Impl::HandleDataOptions));
  });
  h.Delete("/api/tasks/(\\d+)/data/?",
           [this](const Request& req, Response& res, const ContentReader& reader) {
             Serve(req, res, &reader, true, [](Call& c) { MethodNotAllowed(c); });
           });
  // An upload's URL: CVAT routes only ids of its form ("<user id>_<uuid>"), before any
  // authentication; the route serves HEAD and PATCH, other methods are 405.
  // cpp-httplib routes HEAD to the Get handlers.
  static const char kUpload[] = "/api/tasks/(\\d+)/data/([^/]+)";
  h.Get(kUpload, [this](const Request& req, Response& res) {
    const bool route = IsUploadRoute(req);
    Serve(req, res, nullptr, route, UploadRoute(route, true, &Impl::HandleTusHead));
  });
  h.Patch(kUpload, [this](const Request& req, Response& res, const ContentReader& reader) {
    const bool route = IsUploadRoute(req);
    Serve(req, res, &reader, route, UploadRoute(route, false, &Impl::HandleTusPatch));
  });
  auto not_allowed = [this](const Request& req, Response& res, const ContentReader& reader) {
    const bool route = IsUploadRoute(req);
    Serve(req, res, &reader, route, [route](Call& c) {
      if (!route) return RouteNotFound(c);
      MethodNotAllowed(c);
    });
  };
  h.Delete(kUpload, not_allowed);
  h.Put(kUpload, not_allowed);
  h.Post(kUpload, not_allowed);
  h.Get("/api/server/share/?", [this](const Request& req, Response& res) {
    Serve(req, res, nullptr, true, [this](Call& c) {
      ListingReply r = ListShareDirectory(opts_.share_dir, c.req.get_param_value("directory"));
      SendJson(c, r.status, std::move(r.json));
    });
  });
  h.Get("/api/cloudstorages/(\\d+)/content/?", [this](const Request& req, Response& res) {
    Serve(req, res, nullptr, true, [this](Call& c) {
      std::optional<int64_t> id = MatchId(c.req);
      auto bucket = id ? opts_.cloud_dirs.find(*id) : opts_.cloud_dirs.end();
      if (bucket == opts_.cloud_dirs.end()) {
        return SendJson(c, 404, "\"Storage " + c.req.matches[1].str() + " does not exist\"");
      }
      std::string manifest = c.req.get_param_value("manifest_path");
      ListingReply r = ListBucketManifest(bucket->second,
                                          manifest.empty() ? "manifest.jsonl" : manifest);
      SendJson(c, r.status, std::move(r.json));
    });
  });
  h.Get("/api/server/annotation/formats/?", [this](const Request& req, Response& res) {
    Serve(req, res, nullptr, true,
          [](Call& c) { SendJson(c, 200, AnnotationFormatsJson()); });
  });
  h.Post("/api/tasks/(\\d+)/annotations/?",
         [this](const Request& req, Response& res, const ContentReader& reader) {
           Serve(req, res, &reader, true, TaskRoute(&Impl::HandleAnnotationsPost));
         });
  h.Put("/api/tasks/(\\d+)/annotations/?",
        [this](const Request& req, Response& res, const ContentReader& reader) {
          Serve(req, res, &reader, true, TaskRoute(&Impl::HandleAnnotationsPut));
        });
  static const char kAnnotationUpload[] = "/api/tasks/(\\d+)/annotations/([^/]+)";
  h.Get(kAnnotationUpload, [this](const Request& req, Response& res) {
    const bool route = IsUploadRoute(req);
    Serve(req, res, nullptr, route, UploadRoute(route, true, &Impl::HandleAnnotationsTus));
  });
  h.Patch(kAnnotationUpload,
          [this](const Request& req, Response& res, const ContentReader& reader) {
            const bool route = IsUploadRoute(req);
            Serve(req, res, &reader, route,
                  UploadRoute(route, false, &Impl::HandleAnnotationsTus));
          });
  h.Get("/api/requests/?", [this](const Request& req, Response& res) {
    Serve(req, res, nullptr, true, [this](Call& c) { HandleRequestList(c); });
  });
  h.Post("/api/requests/(.+)/cancel/?",
         [this](const Request& req, Response& res, const ContentReader& reader) {
           Serve(req, res, &reader, true, [this](Call& c) {
             if (version_ < kCvatRequestsApi) return SendJson(c, 404, DetailJson("Not found."));
             HandleCancelRequest(c, c.req.matches[1].str());
           });
         });
  h.Get("/api/requests/(.+)", [this](const Request& req, Response& res) {
    Serve(req, res, nullptr, true, [this](Call& c) {
      if (version_ < kCvatRequestsApi) return SendJson(c, 404, DetailJson("Not found."));
      HandleGetRequest(c, c.req.matches[1].str());
    });
  });
  h.set_error_handler([](const Request&, Response& res) {
    if (res.body.empty() && res.status == 404) {
      res.set_content(DetailJson("Not found."), "application/json");
    }
  });
}

void CvatServer::Impl::HandleLogin(Call& call) {
  // Throttled as DRF throttles (429, Retry-After), before the body is even read.
  const std::string& address = call.req.remote_addr;
  if (int64_t wait = login_throttle_.RetryAfterSeconds(address)) {
    call.res.set_header("Retry-After", std::to_string(wait));
    return SendJson(call, 429,
                    DetailJson("Request was throttled. Expected available in " +
                               std::to_string(wait) + " seconds."));
  }
  std::string body;
  if (!ReadSmallBody(call, 1 << 20, &body)) return;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string_view username, password;
  simdjson::padded_string padded(body);
  if (parser.parse(padded).get(doc) != simdjson::SUCCESS ||
      (doc["username"].get(username) != simdjson::SUCCESS &&
       doc["email"].get(username) != simdjson::SUCCESS) ||
      doc["password"].get(password) != simdjson::SUCCESS) {
    return SendJson(call, 400, "{\"password\":[\"This field is required.\"]}");
  }
  const User* user = auth_.Login(username, password);
  if (user == nullptr) {
    login_throttle_.RecordFailure(address);
    return SendJson(call, 400,
                    "{\"non_field_errors\":[\"Unable to log in with provided credentials.\"]}");
  }
  std::string out = "{";
  AppendStringField("key", user->token, &out);
  out += "}";
  SendJson(call, 200, out);
}

void CvatServer::Impl::HandleCreateTask(Call& call) {
  std::string body;
  if (!ReadSmallBody(call, 100 << 20, &body)) return;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  simdjson::padded_string padded(body);
  simdjson::dom::object obj;
  if (parser.parse(padded).get(doc) != simdjson::SUCCESS || doc.get(obj) != simdjson::SUCCESS) {
    return SendJson(call, 400, DetailJson("JSON parse error"));
  }
  Task spec;
  spec.owner_id = call.user->id;
  spec.owner_name = call.user->name;
  std::string_view name;
  if (doc["name"].get(name) != simdjson::SUCCESS || name.empty()) {
    return SendJson(call, 400, "{\"name\":[\"This field is required.\"]}");
  }
  spec.name = std::string(name);
  simdjson::dom::element labels;
  bool has_labels = doc["labels"].get(labels) == simdjson::SUCCESS && !labels.is_null();
  if (has_labels) {
    if (!labels.is_array()) return SendJson(call, 400, "{\"labels\":[\"Expected a list.\"]}");
    spec.labels_json = simdjson::minify(labels);
  }
  int64_t v = 0;
  if (doc["project_id"].get(v) == simdjson::SUCCESS) spec.project_id = v;
  if (has_labels && spec.project_id && spec.labels_json != "[]") {
    return SendJson(call, 400,
                    "{\"project_id\":[\"Task must have only one of Label set or project_id\"]}");
  }
  if (doc["segment_size"].get(v) == simdjson::SUCCESS) {
    if (v < 0) return SendJson(call, 400, "{\"segment_size\":[\"Ensure this value is >= 0.\"]}");
    spec.segment_size = v;
  }
  if (doc["overlap"].get(v) == simdjson::SUCCESS) {
    if (v < 0) return SendJson(call, 400, "{\"overlap\":[\"Ensure this value is >= 0.\"]}");
    spec.overlap = v;
  }
  std::string_view subset;
  if (doc["subset"].get(subset) == simdjson::SUCCESS) spec.subset = std::string(subset);
  if (Status s = ReadTaskExtras(doc, &spec); !s.ok()) return SendJson(call, 400, s.message());
  Result<std::shared_ptr<Task>> task = store_.Create(spec);
  if (!task) {
    if (opts_.log) opts_.log("internal error: " + task.error().ToString());
    return SendJson(call, 500, DetailJson("cannot create the task"));
  }
  if (opts_.on_milestone) opts_.on_milestone("task-created");
  SendJson(call, 201, TaskJson(store_, **task, "http://" + call.req.get_header_value("Host")));
}

void CvatServer::Impl::HandleListTasks(Call& call) {
  std::vector<std::shared_ptr<Task>> tasks = store_.List();
  // CVAT's simple equality filter on the name, and sort=-id (newest first).
  if (call.req.has_param("name")) {
    std::string name = call.req.get_param_value("name");
    std::erase_if(tasks, [&](const std::shared_ptr<Task>& t) { return t->name != name; });
  }
  if (call.req.get_param_value("sort") == "-id") {
    std::sort(tasks.begin(), tasks.end(),
              [](const auto& a, const auto& b) { return a->id > b->id; });
  }
  uint64_t page = ParseDecimal(call.req.get_param_value("page")).value_or(1);
  uint64_t page_size = ParseDecimal(call.req.get_param_value("page_size")).value_or(10);
  if (page == 0) page = 1;
  if (page_size == 0 || page_size > 1000) page_size = 10;
  std::string base = "http://" + call.req.get_header_value("Host");
  std::string out = "{";
  AppendIntField("count", static_cast<int64_t>(tasks.size()), &out);
  uint64_t first = (page - 1) * page_size;
  bool has_next = first + page_size < tasks.size();
  AppendRawField("next",
                 has_next ? "\"" + base + "/api/tasks?page=" + std::to_string(page + 1) +
                                "&page_size=" + std::to_string(page_size) + "\""
                          : "null",
                 &out);
  AppendRawField("previous",
                 page > 1 ? "\"" + base + "/api/tasks?page=" + std::to_string(page - 1) +
                                "&page_size=" + std::to_string(page_size) + "\""
                          : "null",
                 &out);
  AppendKey("results", &out);
  out += "[";
  for (uint64_t i = first; i < tasks.size() && i < first + page_size; ++i) {
    if (i != first) out += ",";
    out += TaskJson(store_, *tasks[i], base);
  }
  out += "]}";
  SendJson(call, 200, out);
}

void CvatServer::Impl::HandleGetTask(Call& call, int64_t id) {
  std::shared_ptr<Task> task = store_.Find(id);
  if (!task) return SendJson(call, 404, DetailJson("Not found."));
  SendJson(call, 200, TaskJson(store_, *task, "http://" + call.req.get_header_value("Host")));
}

void CvatServer::Impl::HandleDeleteTask(Call& call, int64_t id) {
  std::shared_ptr<Task> task = store_.Find(id);
  if (!task) return SendJson(call, 404, DetailJson("Not found."));
  std::lock_guard data_lock(task->data_mu);
  Status s = store_.Delete(id);
  if (!s.ok()) {
    if (opts_.log) opts_.log("internal error: " + s.ToString());
    return SendJson(call, 500, DetailJson("cannot delete the task"));
  }
  call.res.status = 204;
}

void CvatServer::Impl::HandleTaskStatus(Call& call, int64_t id) {
  if (!store_.Find(id)) return SendJson(call, 404, DetailJson("Not found."));
  std::optional<RequestRecord> r = registry_->Get(RequestRegistry::TaskCreationId(id));
  std::string state = "Finished";  // CVAT answers Finished when no job exists
  std::string message;
  double progress = 0;
  if (r) {
    state = r->status == "queued"    ? "Queued"
            : r->status == "started" ? "Started"
            : r->status == "failed"  ? "Failed"
                                     : "Finished";
    message = r->message;
    progress = r->progress;
  }
  std::string out = "{";
  AppendStringField("state", state, &out);
  AppendStringField("message", message, &out);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", progress);
  AppendRawField("progress", buf, &out);
  out += "}";
  call.res.set_header("Deprecation", "true");
  SendJson(call, 200, out);
}

void CvatServer::Impl::HandleDataMeta(Call& call, int64_t id) {
  std::shared_ptr<Task> task = store_.Find(id);
  if (!task) return SendJson(call, 404, DetailJson("Not found."));
  std::lock_guard lock(task->mu);
  std::string out = "{";
  AppendIntField("chunk_size", task->chunk_size, &out);
  AppendIntField("size", task->size, &out);
  AppendIntField("image_quality", task->image_quality, &out);
  AppendIntField("start_frame", task->start_frame, &out);
  AppendIntField("stop_frame", task->stop_frame, &out);
  AppendStringField("frame_filter", task->frame_filter, &out);
  AppendStringField("storage_method", task->storage_method, &out);
  AppendStringField("storage", "local", &out);
  AppendStringField("sorting_method", task->sorting_method, &out);
  AppendRawField("deleted_frames", "[]", &out);
  AppendKey("frames", &out);
  out += "[";
  for (size_t i = 0; i < task->frames.size(); ++i) {
    const Frame& f = task->frames[i];
    if (i) out += ",";
    out += "{";
    AppendIntField("width", f.width, &out);
    AppendIntField("height", f.height, &out);
    AppendStringField("name", f.name, &out);
    AppendIntField("related_files", 0, &out);
    out += "}";
  }
  out += "]}";
  SendJson(call, 200, out);
}

void CvatServer::Impl::HandleGetRequest(Call& call, const std::string& rq_id) {
  std::optional<RequestRecord> r = registry_->Get(rq_id);
  if (!r) return SendJson(call, 404, DetailJson("There is no request with specified id"));
  if (opts_.on_milestone) opts_.on_milestone("request-read");
  SendJson(call, 200, RequestJson(*r));
}

std::string CvatServer::Impl::RequestJson(const RequestRecord& r) const {
  auto date = [](int64_t us) { return us ? "\"" + IsoTime(us) + "\"" : std::string("null"); };
  std::string out = "{";
  AppendStringField("status", r.status, &out);
  AppendStringField("message", r.message, &out);
  AppendStringField("id", r.id, &out);
  std::string op = "{";
  AppendStringField("type", r.type, &op);
  AppendStringField("target", "task", &op);
  AppendRawField("project_id", "null", &op);
  AppendIntField("task_id", r.task_id, &op);
  AppendRawField("job_id", "null", &op);
  if (r.format.empty()) {
    AppendRawField("format", "null", &op);
  } else {
    AppendStringField("format", r.format, &op);
  }
  op += "}";
  AppendRawField("operation", op, &out);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", r.progress);
  AppendRawField("progress", buf, &out);
  AppendRawField("created_date", date(r.created_us), &out);
  AppendRawField("started_date", date(r.started_us), &out);
  AppendRawField("finished_date", date(r.finished_us), &out);
  int64_t ttl_us = opts_.request_ttl_seconds * 1000000;
  AppendRawField("expiry_date", date(r.finished_us ? r.finished_us + ttl_us : 0), &out);
  std::string owner = "{";
  AppendIntField("id", r.owner_id, &owner);
  AppendStringField("username", r.owner_name, &owner);
  owner += "}";
  AppendRawField("owner", owner, &out);
  AppendRawField("result_url", "null", &out);
  const bool created = r.status == "finished" && r.type == "create:task";
  AppendRawField("result_id", created ? std::to_string(r.task_id) : "null", &out);
  out += "}";
  return out;
}

void CvatServer::Impl::HandleCancelRequest(Call& call, const std::string& rq_id) {
  // The owner is checked before anything changes (CVAT's check_object_permissions).
  std::optional<RequestRecord> r = registry_->Get(rq_id);
  if (!r) return SendJson(call, 404, DetailJson("There is no request with specified id"));
  if (r->owner_id != call.user->id) {
    return SendJson(call, 403, DetailJson("You do not have permission to perform this action."));
  }
  switch (registry_->Cancel(rq_id)) {
    case RequestRegistry::CancelResult::kCancelled:
      call.res.status = 200;
      return;
    case RequestRegistry::CancelResult::kNotFound:
      return SendJson(call, 404, DetailJson("There is no request with specified id"));
    case RequestRegistry::CancelResult::kNotQueued:
      return SendText(call, 400, "Only requests that have not yet been started can be cancelled");
  }
}

// --- CvatServer ---

CvatServer::CvatServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CvatServer::~CvatServer() { Stop(); }

Result<std::unique_ptr<CvatServer>> CvatServer::Start(ServerOptions options) {
  auto impl = std::make_unique<Impl>(std::move(options));
  INGEST_RETURN_IF_ERROR(impl->Init());
  return std::unique_ptr<CvatServer>(new CvatServer(std::move(impl)));
}

int CvatServer::port() const { return impl_->port(); }

std::string CvatServer::url() const {
  return "http://" + impl_->options().host + ":" + std::to_string(impl_->port());
}

void CvatServer::Stop() {
  if (impl_) impl_->Stop();
}

std::vector<std::string> CvatServer::FaultLog() const { return impl_->FaultLog(); }

uint64_t CvatServer::BodyBytesReceived() const { return impl_->BodyBytesReceived(); }

}  // namespace ingest::server
