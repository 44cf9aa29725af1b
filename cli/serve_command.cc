// cvat-ingest serve: runs the local CVAT-compatible receiver (server/) until SIGINT/SIGTERM.
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/options.h"
#include "cli/report.h"
#include "engine/unique_fd.h"
#include "server/auth.h"
#include "server/client_limits.h"
#include "engine/cvat_version.h"
#include "server/cvat_server.h"
#include "server/fault_plan.h"
#include "server/task_store.h"
#include "server/wire_text.h"

namespace ingest::cli {
namespace {

constexpr OptionSpec kServeOptions[] = {
    {"host", "ADDR", "address to listen on (default 127.0.0.1)"},
    {"port", "N", "port; 0 lets the OS pick one (default 0)"},
    {"data", "DIR", "where tasks and uploads are kept (required)"},
    {"token-file", "FILE",
     "access token file; created (mode 0600) unless it holds one (default DIR/token)"},
    {"port-file", "FILE", "write the port here once listening"},
    {"discard", "", "count and hash bodies instead of storing them"},
    {"faults", "SPEC", "inject faults, e.g. 'status=503@p=0.02,seed=7' (see above)"},
    {"max-file-size", "BYTES", "largest TUS upload (default 25GiB, as CVAT)"},
    {"cvat-version", "X.Y.Z",
     "behave as that CVAT release (default 2.40.0): before 2.16.0 no requests API, before "
     "2.6.0 a bucket's /content, before 2.5.0 no /content-v2, before 2.4.6 no "
     "upload_file_order"},
    {"request-ttl", "SECONDS", "how long a finished request stays visible (default 500)"},
    {"build-delay", "S[,F]",
     "model a real server's build time: each finish's request stays 'started' S seconds plus "
     "F seconds per frame (default 0)"},
    {"build-workers", "N", "requests built at once, as a CVAT's import workers (default 1)"},
    {"import-delay", "S",
     "model a real server's annotation import: each import request stays 'started' S seconds "
     "(default 0)"},
    {"idle-timeout", "SECONDS", "read/write timeout of a connection (default 30)"},
    {"head-timeout", "SECONDS",
     "time a client has to send a request's whole head, from its first byte (default 10); "
     "then the connection is closed"},
    {"max-connections-per-client", "N",
     "live connections one client address may hold; more get 503 (default 256; 0: no cap)"},
    {"login-attempts", "N",
     "failed logins one address may make in a minute before it gets 429 for the rest of that "
     "minute (default 10; 0: no limit)"},
    {"user", "NAME", "a user who may log in (POST /api/auth/login); default admin"},
    {"password-env", "VAR", "read that user's password from environment variable VAR"},
    {"password-file", "FILE", "read that user's password from FILE (first line)"},
    {"share", "DIR",
     "the share that data requests' server_files name (paths that leave it are refused)"},
    {"cloud-storage", "ID=DIR",
     "emulate cloud storage ID with the bucket DIR (its manifest among the files); "
     "repeatable"},
    {"list-user", "NAME[:FIRST[:LAST]]",
     "one more user GET /api/users lists (ids 2, 3, ... in order; a possible --assignee), who "
     "cannot sign in; repeatable"},
};

constexpr std::string_view kServeDescription =
    "Runs a local receiver that speaks CVAT's task-data protocol (tasks, TUS uploads,\n"
    "Upload-Multiple batches, Upload-Finish, /api/requests) with CVAT's quirks.\n"
    "Requests need 'Authorization: Token KEY' or 'Bearer KEY' with the token file's key.\n"
    "An existing token file must be yours and mode 0600. The receiver speaks plain HTTP:\n"
    "a --host other than loopback sends tokens and files unencrypted (a warning says so).\n"
    "A request head over 64 KiB or 100 headers gets 431; a multipart body may hold 10,000\n"
    "parts and 100 MiB of fields.\n"
    "Faults: reset-after=SIZE@p=P, status=CODE@p=P, stall=DUR@every=N, offset-409@p=P,\n"
    "slow=RATE, proxy-413-over=SIZE, gateway-504@p=P, fail-build=N, seed=N.\n"
    "The first stdout line is 'listening on http://HOST:PORT'. Stops on SIGINT/SIGTERM.";

struct ServeSettings {
  server::ServerOptions opts;
  std::string token_file, port_file, user_name = "admin", password_env, password_file;
};

Status BadValue(std::string_view name, const std::string& value, std::string_view expected) {
  return Status::InvalidArgument("bad --" + std::string(name) + " '" + value + "'" +
                                 std::string(expected));
}

// The numeric options: port, timeouts and limits.
Status ReadServeNumbers(const ParsedArgs& opt, server::ServerOptions* opts) {
  for (std::string_view name : {"port", "request-ttl", "idle-timeout", "head-timeout",
                                "max-connections-per-client", "login-attempts"}) {
    if (!opt.Has(name)) continue;
    std::string v = opt.Get(name);
    std::optional<uint64_t> n = server::ParseDecimal(v);
    if (!n || (name == "port" && *n > 65535) || *n > (1u << 30) ||
        (name == "head-timeout" && (*n == 0 || *n > 86400))) {
      return BadValue(name, v, "");
    }
    if (name == "port") opts->port = static_cast<int>(*n);
    if (name == "request-ttl") opts->request_ttl_seconds = static_cast<int64_t>(*n);
    if (name == "idle-timeout") opts->idle_timeout_seconds = static_cast<int>(*n);
    if (name == "head-timeout") opts->head_timeout_seconds = static_cast<int>(*n);
    if (name == "max-connections-per-client") opts->max_connections_per_client = *n;
    if (name == "login-attempts") opts->login_max_failures = *n;
  }
  if (opt.Has("build-workers")) {
    std::optional<uint64_t> n = server::ParseDecimal(opt.Get("build-workers"));
    if (!n || *n == 0 || *n > 64) {
      return BadValue("build-workers", opt.Get("build-workers"), " (1 to 64)");
    }
    opts->build_workers = static_cast<int>(*n);
  }
  if (opt.Has("max-file-size")) {
    Result<uint64_t> n = server::ParseByteSize(opt.Get("max-file-size"));
    if (!n || *n == 0) return BadValue("max-file-size", opt.Get("max-file-size"), "");
    opts->max_file_size = *n;
  }
  if (opt.Has("cvat-version")) {
    if (!ParseCvatVersion(opt.Get("cvat-version"))) {
      return BadValue("cvat-version", opt.Get("cvat-version"), " (X.Y.Z)");
    }
    opts->cvat_version = opt.Get("cvat-version");
  }
  return Status();
}

// --build-delay SECONDS[,PER_FRAME].
Status ReadBuildDelay(const std::string& text, server::ServerOptions* opts) {
  size_t comma = text.find(',');
  char* end = nullptr;
  std::string first(text.substr(0, comma));
  double seconds = std::strtod(first.c_str(), &end);
  bool ok = end != first.c_str() && *end == '\0' && seconds >= 0 && seconds <= 3600;
  double per_frame = 0;
  if (ok && comma != std::string::npos) {
    std::string second(text.substr(comma + 1));
    per_frame = std::strtod(second.c_str(), &end);
    ok = end != second.c_str() && *end == '\0' && per_frame >= 0 && per_frame <= 60;
  }
  if (!ok) return BadValue("build-delay", text, " (SECONDS[,PER_FRAME])");
  opts->build_delay_seconds = seconds;
  opts->build_delay_per_frame = per_frame;
  return Status();
}

Status ReadServeOptions(const ParsedArgs& opt, ServeSettings* s) {
  if (!opt.positional.empty()) {
    return Status::InvalidArgument("unexpected argument '" + opt.positional[0] + "'");
  }
  s->opts.discard = opt.Has("discard");
  if (opt.Has("host")) s->opts.host = opt.Get("host");
  if (Status st = ReadServeNumbers(opt, &s->opts); !st.ok()) return st;
  if (opt.Has("build-delay")) {
    if (Status st = ReadBuildDelay(opt.Get("build-delay"), &s->opts); !st.ok()) return st;
  }
  if (opt.Has("import-delay")) {
    std::string text = opt.Get("import-delay");
    char* end = nullptr;
    double seconds = std::strtod(text.c_str(), &end);
    if (end == text.c_str() || *end != '\0' || !(seconds >= 0 && seconds <= 3600)) {
      return BadValue("import-delay", text, " (SECONDS, 0 to 3600)");
    }
    s->opts.import_delay_seconds = seconds;
  }
  s->opts.data_dir = opt.Get("data");
  s->opts.faults = opt.Get("faults");
  s->token_file = opt.Get("token-file");
  s->port_file = opt.Get("port-file");
  s->user_name = opt.Get("user", "admin");
  s->password_env = opt.Get("password-env");
  s->password_file = opt.Get("password-file");
  if (s->opts.data_dir.empty()) return Status::InvalidArgument("--data DIR is required");
  s->opts.share_dir = opt.Get("share");
  for (const std::string& spec : opt.GetAll("cloud-storage")) {
    size_t eq = spec.find('=');
    std::optional<uint64_t> id;
    if (eq != std::string::npos) id = server::ParseDecimal(std::string_view(spec).substr(0, eq));
    if (!id || *id == 0 || eq + 1 >= spec.size() || *id > (uint64_t{1} << 62)) {
      return Status::InvalidArgument("--cloud-storage '" + spec + "': ID=DIR, ID from 1");
    }
    s->opts.cloud_dirs[static_cast<int64_t>(*id)] = spec.substr(eq + 1);
  }
  int64_t next_id = 2;
  for (const std::string& spec : opt.GetAll("list-user")) {
    server::User u;
    u.id = next_id++;
    size_t colon = spec.find(':');
    u.name = spec.substr(0, colon);
    if (colon != std::string::npos) {
      std::string rest = spec.substr(colon + 1);
      size_t second = rest.find(':');
      u.first_name = rest.substr(0, second);
      if (second != std::string::npos) u.last_name = rest.substr(second + 1);
    }
    if (u.name.empty() || u.name == s->user_name) {
      return Status::InvalidArgument("--list-user '" + spec + "': a new, non-empty username");
    }
    s->opts.listed_users.push_back(std::move(u));
  }
  return Status();
}

bool ReadFirstLine(const std::string& path, std::string* out) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return false;
  char buf[4096];
  bool ok = std::fgets(buf, sizeof buf, f) != nullptr;
  std::fclose(f);
  if (!ok) return false;
  *out = buf;
  while (!out->empty() && (out->back() == '\n' || out->back() == '\r')) out->pop_back();
  return true;
}

}  // namespace

int RunServe(Args args) {
  Result<ParsedArgs> parsed = ParseArgs(args, kServeOptions);
  if (!parsed) return UsageError("serve", parsed.error());
  if (parsed->Has("help")) {
    PrintHelp("cvat-ingest serve --data DIR [OPTIONS]", kServeDescription, kServeOptions);
    return kExitOk;
  }
  ServeSettings settings;
  if (Status s = ReadServeOptions(*parsed, &settings); !s.ok()) return UsageError("serve", s);
  server::ServerOptions& opts = settings.opts;
  std::string& token_file = settings.token_file;
  const std::string& port_file = settings.port_file;
  const std::string& user_name = settings.user_name;
  const std::string& password_env = settings.password_env;
  const std::string& password_file = settings.password_file;
  if (Result<std::unique_ptr<server::FaultPlan>> plan = server::FaultPlan::Parse(opts.faults);
      !plan) {
    std::fprintf(stderr, "cvat-ingest serve: --faults: %s\n", plan.error().message().c_str());
    return kExitUsage;
  }
  server::User user;
  user.id = 1;
  user.name = user_name;
  if (!password_env.empty()) {
    const char* pw = std::getenv(password_env.c_str());
    if (pw == nullptr || *pw == '\0') {
      std::fprintf(stderr, "cvat-ingest serve: environment variable %s is not set\n",
                   password_env.c_str());
      return kExitUsage;
    }
    user.password = pw;
  } else if (!password_file.empty() && !ReadFirstLine(password_file, &user.password)) {
    std::fprintf(stderr, "cvat-ingest serve: cannot read %s\n", password_file.c_str());
    return kExitUsage;
  }
  if (::mkdir(opts.data_dir.c_str(), 0755) != 0 && errno != EEXIST) {
    std::fprintf(stderr, "cvat-ingest serve: mkdir %s: %s\n", opts.data_dir.c_str(),
                 std::strerror(errno));
    return kExitFailed;
  }
  if (!server::IsLoopbackHost(opts.host)) {
    std::fprintf(stderr,
                 "cvat-ingest serve: warning: --host %s can be reached from other machines, and "
                 "this receiver speaks plain HTTP: the token, passwords and every file travel "
                 "unencrypted. Put a TLS proxy in front of it, or listen on 127.0.0.1.\n",
                 opts.host.c_str());
  }
  if (token_file.empty()) token_file = opts.data_dir + "/token";
  Result<std::string> token = server::LoadOrCreateToken(token_file);
  if (!token) {
    std::fprintf(stderr, "cvat-ingest serve: %s\n", token.error().ToString().c_str());
    return kExitFailed;
  }
  user.token = *token;
  opts.users.push_back(std::move(user));
  opts.log = [](std::string_view line) {
    std::fprintf(stderr, "cvat-ingest serve: %.*s\n", static_cast<int>(line.size()), line.data());
  };

  // Block the stop signals before any thread starts, then wait for them here.
  ::signal(SIGPIPE, SIG_IGN);
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  Result<std::unique_ptr<server::CvatServer>> srv = server::CvatServer::Start(opts);
  if (!srv) {
    std::fprintf(stderr, "cvat-ingest serve: %s\n", srv.error().ToString().c_str());
    return kExitFailed;
  }
  std::printf("listening on %s\n", (*srv)->url().c_str());
  std::fflush(stdout);
  if (!port_file.empty()) {
    Status s = server::WriteFileAtomically(port_file, std::to_string((*srv)->port()) + "\n");
    if (!s.ok()) {
      std::fprintf(stderr, "cvat-ingest serve: %s\n", s.ToString().c_str());
      return kExitFailed;
    }
  }
  std::fprintf(stderr, "cvat-ingest serve: data in %s, token in %s%s\n", opts.data_dir.c_str(),
               token_file.c_str(), opts.discard ? ", discarding bodies" : "");
  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::fprintf(stderr, "cvat-ingest serve: stopping (%s)\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
  (*srv)->Stop();
  return kExitOk;
}

}  // namespace ingest::cli
