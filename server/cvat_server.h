// CvatServer: a local receiver that speaks CVAT's task-data protocol as CVAT behaves, quirks
// included (../shared/reference/cvat_protocol.md sections 1, 2, 3, 5.3, 7): tasks, TUS
// uploads in CVAT's dialect, Upload-Multiple batches, Upload-Start/Finish, background
// creation requests, auth tokens and seeded fault injection. Built on cpp-httplib.
//
// It shares no code with upload/, so client and server cannot share a bug. It never prints:
// events (faults that fired, internal errors) go to ServerOptions::log.
//
// The caller must ignore SIGPIPE (a client that goes away mid-response must not kill the
// process); the cli and the test fixture do.
#ifndef INGEST_SERVER_CVAT_SERVER_H_
#define INGEST_SERVER_CVAT_SERVER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/result.h"
#include "server/auth.h"

namespace ingest::server {

class MediaInspector;

inline constexpr uint64_t kCvatTusMaxFileSize = 26843545600ULL;  // 25 GiB, settings/base.py

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;           // 0: the OS picks one; see CvatServer::port()
  std::string data_dir;   // required
  // Known users; the first one gets any generated token. Each must have a token.
  std::vector<User> users;
  // Users GET /api/users lists besides `users` (possible assignees); they cannot sign in
  // (their tokens are ignored). Their ids must differ from those of `users`.
  std::vector<User> listed_users;
  // The share server_files name (server/server_sources.h); "" for none.
  std::string share_dir;
  // Emulated cloud storages: id -> the folder that plays the bucket.
  std::map<int64_t, std::string> cloud_dirs;
  bool discard = false;   // count and hash bodies instead of storing them (manifests are kept)
  std::string faults;     // FaultPlan spec, see fault_plan.h
  uint64_t max_file_size = kCvatTusMaxFileSize;
  // The CVAT release to behave as ("X.Y.Z", reported by /api/server/about). Before 2.16.0
  // Upload-Finish answers 202 without an rq_id and /api/requests does not exist (poll
  // /api/tasks/<id>/status); before 2.4.6 upload_file_order is ignored and a manifest with
  // predefined or random sorting, or without use_cache, fails the task; before 2.20.0 a
  // manifest needs use_cache or predefined sorting (engine/cvat_version.h).
  std::string cvat_version = "2.40.0";
  int64_t request_ttl_seconds = 500;
  // A real server's build time after Upload-Finish, modelled: each finish's request stays
  // `started` for build_delay_seconds + build_delay_per_frame * frames, on one of
  // build_workers workers (requests beyond them wait `queued`).
  double build_delay_seconds = 0;
  double build_delay_per_frame = 0;
  int build_workers = 1;
  // A real server's annotation import time, modelled: each import request stays `started`
  // this long (on the build workers) before it finishes.
  double import_delay_seconds = 0;
  int idle_timeout_seconds = 30;      // read/write timeout of a connection
  int keep_alive_timeout_seconds = 5;
  size_t max_threads = 512;           // one thread per live connection, grown on demand
  int listen_backlog = 1024;
  // Bounds on what one client may make the receiver hold (issue 15). The request head
  // (request line and headers) past max_head_bytes or max_header_count is answered 431;
  // a head not complete head_timeout_seconds after its first byte closes the connection.
  size_t max_head_bytes = 64 << 10;
  size_t max_header_count = 100;
  int head_timeout_seconds = 10;
  // Live connections from one client address; more are answered 503 and closed. 0: no cap.
  size_t max_connections_per_client = 256;
  // Multipart bodies: the bytes of the plain fields, names included (Django's
  // DATA_UPLOAD_MAX_MEMORY_SIZE), and the number of parts (fields and files). Past either: 400.
  uint64_t max_form_field_bytes = 100 << 20;
  size_t max_form_parts = 10000;
  // Failed logins from one address within login_window_seconds before it gets 429 (DRF's
  // throttle reply) until the window has passed. 0: no limit.
  size_t login_max_failures = 10;
  int login_window_seconds = 60;
  // Receives one line per event (fault fired, internal error). May be called from any thread.
  std::function<void(std::string_view)> log;
  // Tests: called with "task-created", "finish-accepted" and "request-read" once the server
  // did that and before it replies (a client killed then never sees the reply). May be
  // called from any thread.
  std::function<void(std::string_view)> on_milestone;
  // Tests: called with "METHOD /path?query" for every request a
  // route takes, before anything else is done with it. May be called from any thread.
  std::function<void(std::string_view)> on_request;
  // Replaces the built-in media inspector (tests); not owned.
  MediaInspector* inspector = nullptr;
};

class CvatServer {
 public:
  // Opens the data directory (loading tasks and unfinished uploads), binds and starts serving
  // on background threads. Returns once the port is listening.
  static Result<std::unique_ptr<CvatServer>> Start(ServerOptions options);
  ~CvatServer();  // Stop()s
  CvatServer(const CvatServer&) = delete;
  CvatServer& operator=(const CvatServer&) = delete;

  int port() const;
  // "http://HOST:PORT"
  std::string url() const;
  // Stops accepting, wakes stalled requests, waits for connections and the job worker.
  // Idempotent.
  void Stop();
  // Every fault that fired so far, one line each: "fault=<name> request=<n> <METHOD> <path>".
  std::vector<std::string> FaultLog() const;
  // File bytes received so far in PATCH and Upload-Multiple bodies (kept or not), for tests
  // that count what a client sent again after an interruption.
  uint64_t BodyBytesReceived() const;

  class Impl;

 private:
  explicit CvatServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ingest::server

#endif  // INGEST_SERVER_CVAT_SERVER_H_
