#include "bench/harness/local_receiver.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

namespace ingest::bench {
namespace {

std::string ReadTrimmed(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// The last lines of the child's log, for an error message.
std::string LogTail(const std::string& path) {
  std::string log = ReadTrimmed(path);
  if (log.size() > 600) log = "..." + log.substr(log.size() - 600);
  return log.empty() ? "(no output)" : log;
}

}  // namespace

Result<std::unique_ptr<LocalReceiver>> LocalReceiver::Start(const LocalReceiverOptions& o) {
  std::error_code ec;
  std::filesystem::create_directories(o.data_dir, ec);
  if (ec) return Status::IoError("create " + o.data_dir + ": " + ec.message());
  if (::access(o.executable.c_str(), X_OK) != 0) {
    return FromErrno("local receiver: " + o.executable, errno);
  }
  std::string port_file = o.data_dir + "/port";
  std::string log_file = o.data_dir + "/serve.log";
  std::string data = o.data_dir + "/data";
  std::vector<std::string> args = {o.executable, "serve", "--data", data, "--port", "0",
                                   "--port-file", port_file};
  if (o.discard) args.push_back("--discard");
  if (!o.build_delay.empty()) {
    args.push_back("--build-delay");
    args.push_back(o.build_delay);
  }
  if (o.build_workers > 0) {
    args.push_back("--build-workers");
    args.push_back(std::to_string(o.build_workers));
  }
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t parent = ::getpid();

  pid_t pid = ::fork();
  if (pid < 0) return FromErrno("fork", errno);
  if (pid == 0) {
    // The child: only async-signal-safe calls until exec.
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(127);
    int log = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int null_in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (log < 0 || null_in < 0) ::_exit(127);
    ::dup2(null_in, STDIN_FILENO);
    ::dup2(log, STDOUT_FILENO);
    ::dup2(log, STDERR_FILENO);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also here, so no Ctrl-C can reach it before the child's own call
  std::unique_ptr<LocalReceiver> r(new LocalReceiver());
  r->pid_ = pid;
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::duration<double>(o.start_timeout_seconds);
  std::string port;
  while (port.empty()) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      r->pid_ = -1;
      return Status::IoError("local receiver (" + o.executable + " serve) exited before "
                             "listening: " + LogTail(log_file));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return Status::IoError("local receiver did not listen within the timeout: " +
                             LogTail(log_file));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    port = ReadTrimmed(port_file);
  }
  r->url_ = "http://127.0.0.1:" + port;
  std::string token = ReadTrimmed(data + "/token");
  if (token.empty()) return Status::IoError("local receiver wrote no token to " + data + "/token");
  r->auth_header_ = "Authorization: Token " + token;
  return r;
}

void LocalReceiver::Stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  int status = 0;
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = -1;
}

LocalReceiver::~LocalReceiver() { Stop(); }

}  // namespace ingest::bench
