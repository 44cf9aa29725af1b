#include "tests/upload/fake_tus_server.h"

#include <algorithm>
#include <cstring>

namespace ingest::testing {

FakeServer::FakeServer(Handler handler) {
  auto counted = [this, handler](const httplib::Request& req, httplib::Response& res) {
    ++total_;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++by_method_[req.method];
      if (req.has_header("Authorization")) auth_.push_back(req.get_header_value("Authorization"));
    }
    handler(req, res);
  };
  server_.Get(".*", counted);
  server_.Post(".*", counted);
  server_.Patch(".*", counted);
  server_.Put(".*", counted);
  server_.Delete(".*", counted);
  server_.Options(".*", counted);
  // cpp-httplib answers HEAD through the GET handlers.
  server_.set_keep_alive_max_count(1000);
  port_ = server_.bind_to_any_port("127.0.0.1");  // listening from here on
  thread_ = std::thread([this] { server_.listen_after_bind(); });
}

FakeServer::~FakeServer() {
  server_.stop();
  thread_.join();
}

int FakeServer::requests(const std::string& method) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_method_.find(method);
  return it == by_method_.end() ? 0 : it->second;
}

std::vector<std::string> FakeServer::authorizations() const {
  std::lock_guard<std::mutex> lock(mu_);
  return auth_;
}

namespace {

class StringReader final : public upload::FileReader {
 public:
  explicit StringReader(const std::string* bytes) : bytes_(bytes) {}
  Result<size_t> ReadAt(uint64_t offset, char* buf, size_t n) override {
    if (offset >= bytes_->size()) return size_t{0};
    size_t k = std::min<size_t>(n, bytes_->size() - static_cast<size_t>(offset));
    std::memcpy(buf, bytes_->data() + offset, k);
    return k;
  }

 private:
  const std::string* bytes_;
};

}  // namespace

Result<std::unique_ptr<upload::FileReader>> MemorySource::Open(const upload::PlannedFile& file) {
  auto it = files_.find(std::string(file.name));
  if (it == files_.end()) return Status::NotFound(std::string(file.name));
  return std::unique_ptr<upload::FileReader>(std::make_unique<StringReader>(&it->second));
}

upload::UploadPlan TusPlan(const std::map<std::string, std::string>& files) {
  upload::UploadPlan plan;
  for (const auto& [name, bytes] : files) {
    upload::PlannedFile f;
    f.record = static_cast<uint32_t>(plan.files.size());
    f.name = name;
    f.size = bytes.size();
    f.route = upload::Route::kTus;
    plan.files.push_back(f);
    plan.total_bytes += f.size;
  }
  return plan;
}

upload::TransferOptions FakeTransferOptions(const std::string& server_url, int retries) {
  upload::TransferOptions o;
  o.data_url = server_url + "/api/tasks/1/data/";
  o.origin = server_url;
  o.headers = {"Authorization: Token fake-secret-token"};
  o.connections = 2;
  o.retries = retries;
  o.backoff_base = std::chrono::milliseconds(1);
  o.backoff_cap = std::chrono::milliseconds(5);
  o.connection.connect_timeout_s = 5;
  return o;
}

Status RunBounded(upload::TransferEngine& engine, std::chrono::seconds limit) {
  std::atomic<bool> cancel{false};
  std::jthread watchdog([&](std::stop_token stop) {
    auto until = std::chrono::steady_clock::now() + limit;
    while (!stop.stop_requested() && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    cancel = true;
  });
  Status s = engine.Run(&cancel);
  watchdog.request_stop();
  return s;
}

}  // namespace ingest::testing
