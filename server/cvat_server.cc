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

bool HasBody(const httplib::Request& req) {
  if (req.has_header("Transfer-Encoding")) return true;
  if (!req.has_header("Content-Length")) return false;
  std::optional<uint64_t> len = ParseDecimal(req.get_header_value("Content-Length"));
  return !len || *len > 0;
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
