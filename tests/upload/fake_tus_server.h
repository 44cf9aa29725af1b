// Test helpers for TransferEngine against servers that misbehave on purpose: a scriptable
// HTTP server (cpp-httplib) on 127.0.0.1 and a port the OS picks, that counts what reaches
// it, and an in-memory FileSource. The receiver (server/) is of no use here: it answers
// correctly.
#ifndef INGEST_TESTS_UPLOAD_FAKE_TUS_SERVER_H_
#define INGEST_TESTS_UPLOAD_FAKE_TUS_SERVER_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

#include "upload/transfer_engine.h"

namespace ingest::testing {

// An HTTP server whose every request goes to `handler` (after being counted by method).
class FakeServer {
 public:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;
  explicit FakeServer(Handler handler);
  ~FakeServer();
  FakeServer(const FakeServer&) = delete;
  FakeServer& operator=(const FakeServer&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // Requests received in all, and by method ("POST", "PATCH", ...).
  int requests() const { return total_.load(); }
  int requests(const std::string& method) const;
  // The Authorization headers seen (the token must never reach a stranger).
  std::vector<std::string> authorizations() const;

 private:
  httplib::Server server_;
  int port_ = 0;
  std::atomic<int> total_{0};
  mutable std::mutex mu_;
  std::map<std::string, int> by_method_;  // GUARDED_BY(mu_)
  std::vector<std::string> auth_;         // GUARDED_BY(mu_)
  std::thread thread_;
};

// Serves files from memory (name -> bytes) to a TransferEngine.
class MemorySource final : public upload::FileSource {
 public:
  explicit MemorySource(std::map<std::string, std::string> files) : files_(std::move(files)) {}
  Result<std::unique_ptr<upload::FileReader>> Open(const upload::PlannedFile& file) override;

 private:
  std::map<std::string, std::string> files_;
};

// A plan of the given files (name -> bytes), all through TUS; names point into `files`.
upload::UploadPlan TusPlan(const std::map<std::string, std::string>& files);

// Transfer options for `server_url` (task 1), with short backoffs and a token.
upload::TransferOptions FakeTransferOptions(const std::string& server_url, int retries);

// Runs `engine`, cancelling it after `limit` so that a client that loops for ever fails the
// test instead of hanging it; returns Run's status (Cancelled when the limit was hit).
Status RunBounded(upload::TransferEngine& engine, std::chrono::seconds limit);

}  // namespace ingest::testing

#endif  // INGEST_TESTS_UPLOAD_FAKE_TUS_SERVER_H_
