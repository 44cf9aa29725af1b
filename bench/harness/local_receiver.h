// LocalReceiver: a `cvat-ingest serve` child process on 127.0.0.1 and a port the OS picks,
// the default target of `cvat-ingest bench`. A separate process, so the client's CPU time and
// memory are measured without the server's, and the server's CPU time on its own.
//
// The child runs in its own process group (a Ctrl-C in the terminal reaches the benchmark,
// which stops cleanly and then stops the receiver) and gets SIGTERM if the benchmark dies.
#ifndef INGEST_BENCH_HARNESS_LOCAL_RECEIVER_H_
#define INGEST_BENCH_HARNESS_LOCAL_RECEIVER_H_

#include <memory>
#include <string>

#include "engine/result.h"

namespace ingest::bench {

struct LocalReceiverOptions {
  std::string executable;  // the cvat-ingest binary
  std::string data_dir;    // created; tasks, token, port file and serve.log go here
  bool discard = false;    // serve --discard
  std::string build_delay;  // serve --build-delay S[,F] ("" for none)
  int build_workers = 0;    // serve --build-workers N (0: its default)
  double start_timeout_seconds = 20;
};

class LocalReceiver {
 public:
  // Starts the child and waits until it listens. Errors name the binary or quote its log.
  static Result<std::unique_ptr<LocalReceiver>> Start(const LocalReceiverOptions& options);
  ~LocalReceiver();  // Stop()s
  LocalReceiver(const LocalReceiver&) = delete;
  LocalReceiver& operator=(const LocalReceiver&) = delete;

  const std::string& url() const { return url_; }
  // "Authorization: Token <key>": the key the child wrote to DATA/token.
  const std::string& auth_header() const { return auth_header_; }
  int pid() const { return pid_; }
  // SIGTERM, then waits (SIGKILL after 10 s). Idempotent.
  void Stop();

 private:
  LocalReceiver() = default;
  int pid_ = -1;
  std::string url_;
  std::string auth_header_;
};

}  // namespace ingest::bench

#endif  // INGEST_BENCH_HARNESS_LOCAL_RECEIVER_H_
