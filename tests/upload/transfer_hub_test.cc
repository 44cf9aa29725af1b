// TransferHub: the transfers of several tasks on one thread and one set of connections
// (issue 12): together they never hold more requests than the hub's connections, the task
// handed in first is served first, and cancelling one leaves the others going. Bytes that
// go out twice are counted as resent, not as sent (issue 13).
#include "upload/transfer_hub.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/upload/fake_tus_server.h"
#include "upload/transfer_engine.h"

namespace ingest::upload {
namespace {

using ingest::testing::FakeServer;
using ingest::testing::MemorySource;

// A TUS server for any task, slow enough for requests to overlap: it records the task of
// each request in arrival order, and the most requests it held at once.
class SlowTus {
 public:
  explicit SlowTus(int fail_first_patches = 0) : fail_left_(fail_first_patches) {}

  FakeServer::Handler Handler() {
    return [this](const httplib::Request& req, httplib::Response& res) {
      int now = ++current_;
      for (int seen = peak_.load(); now > seen && !peak_.compare_exchange_weak(seen, now);) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(15));
      Answer(req, res);
      --current_;
    };
  }
  int peak() const { return peak_.load(); }
  std::vector<std::string> tasks() const {
    std::lock_guard<std::mutex> lock(mu_);
    return tasks_;
  }

 private:
  void Answer(const httplib::Request& req, httplib::Response& res) {
    std::string task = req.path.substr(0, req.path.find("/data/"));
    std::lock_guard<std::mutex> lock(mu_);
    tasks_.push_back(task);
    res.set_header("Tus-Resumable", "1.0.0");
    if (req.method == "POST") {
      std::string location = req.path + "u" + std::to_string(++uploads_);
      offsets_[location] = 0;
      res.status = 201;
      res.set_header("Location", location);
      return;
    }
    uint64_t& offset = offsets_[req.path];
    if (req.method == "PATCH" && fail_left_ > 0) {
      --fail_left_;  // a cut: the bytes arrived, nothing was kept
      res.status = 500;
      return;
    }
    if (req.method == "PATCH") offset += req.body.size();
    res.status = req.method == "PATCH" ? 204 : 200;
    res.set_header("Upload-Offset", std::to_string(offset));
  }

  std::atomic<int> current_{0};
  std::atomic<int> peak_{0};
  mutable std::mutex mu_;
  int fail_left_;                            // GUARDED_BY(mu_)
  int uploads_ = 0;                          // GUARDED_BY(mu_)
  std::map<std::string, uint64_t> offsets_;  // GUARDED_BY(mu_)
  std::vector<std::string> tasks_;           // GUARDED_BY(mu_)
};

// One task's transfer: three files through TUS to task `task`.
struct TaskTransfer {
  std::map<std::string, std::string> files;
  UploadPlan plan;
  MemorySource source;
  TransferCounters counters;
  TransferEngine engine;

  TaskTransfer(const std::string& url, int task, TransferHub* hub, uint64_t chunk = 64 << 20)
      : files(Files(task)),
        plan(ingest::testing::TusPlan(files)),
        source(files),
        engine(Options(url, task, hub, chunk), plan, &source, nullptr, &counters) {}

  static std::map<std::string, std::string> Files(int task) {
    std::map<std::string, std::string> f;
    for (int i = 0; i < 3; ++i) {
      f["t" + std::to_string(task) + "_" + std::to_string(i) + ".bin"] =
          std::string((3 << 20) + 1000 * (i + 1), static_cast<char>('a' + i));
    }
    return f;
  }
  static TransferOptions Options(const std::string& url, int task, TransferHub* hub,
                                 uint64_t chunk) {
    TransferOptions o = ingest::testing::FakeTransferOptions(url, 5);
    o.data_url = url + "/api/tasks/" + std::to_string(task) + "/data/";
    o.connections = 8;  // the hub's budget is the limit
    o.tus_chunk = chunk;
    o.hub = hub;
    return o;
  }
};

TEST(TransferHubTest, TasksShareTheHubsConnections) {
  SlowTus tus;
  FakeServer server(tus.Handler());
  TransferHub hub(2);
  std::vector<std::unique_ptr<TaskTransfer>> tasks;
  for (int t = 1; t <= 4; ++t) {
    tasks.push_back(std::make_unique<TaskTransfer>(server.url(), t, &hub, 1 << 20));
  }
  std::vector<Status> outcomes(tasks.size());
  {
    std::vector<std::jthread> threads;
    for (size_t i = 0; i < tasks.size(); ++i) {
      threads.emplace_back([&, i] { outcomes[i] = tasks[i]->engine.Run(nullptr); });
    }
  }
  for (size_t i = 0; i < tasks.size(); ++i) {
    ASSERT_TRUE(outcomes[i].ok()) << outcomes[i].ToString();
    EXPECT_EQ(tasks[i]->counters.files_done.load(), 3u);
    EXPECT_EQ(tasks[i]->counters.bytes_done.load(), tasks[i]->plan.total_bytes);
  }
  // Four tasks of three files each, and never more than the hub's two requests at once.
  EXPECT_EQ(tus.peak(), 2);
}

TEST(TransferHubTest, TheTaskHandedInFirstIsServedFirst) {
  SlowTus tus;
  FakeServer server(tus.Handler());
  TransferHub hub(1);
  TaskTransfer first(server.url(), 1, &hub, 1 << 20);
  TaskTransfer second(server.url(), 2, &hub, 1 << 20);
  Status a, b;
  std::jthread one([&] { a = first.engine.Run(nullptr); });
  while (tus.tasks().empty()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::jthread two([&] { b = second.engine.Run(nullptr); });
  one.join();
  two.join();
  ASSERT_TRUE(a.ok()) << a.ToString();
  ASSERT_TRUE(b.ok()) << b.ToString();
  // Task 1 always has a request ready while it is not done: task 2 waits for all of them.
  std::vector<std::string> order = tus.tasks();
  auto first_of_2 = std::find(order.begin(), order.end(), "/api/tasks/2");
  ASSERT_NE(first_of_2, order.end());
  EXPECT_EQ(std::count(first_of_2, order.end(), "/api/tasks/1"), 0);
  EXPECT_EQ(std::count(order.begin(), first_of_2, "/api/tasks/1"), 3 * 5);  // 3 x (POST + 4)
}

TEST(TransferHubTest, CancellingOneTaskLeavesTheOthersGoing) {
  SlowTus tus;
  FakeServer server(tus.Handler());
  TransferHub hub(2);
  TaskTransfer kept(server.url(), 1, &hub, 1 << 20);
  TaskTransfer cut(server.url(), 2, &hub, 1 << 20);
  std::atomic<bool> cancel{false};
  Status a, b;
  {
    std::jthread one([&] { a = kept.engine.Run(nullptr); });
    std::jthread two([&] { b = cut.engine.Run(&cancel); });
    while (cut.counters.requests.load() == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    cancel = true;
  }
  EXPECT_EQ(b.code(), Status::Code::kCancelled) << b.ToString();
  EXPECT_LT(cut.counters.files_done.load(), 3u);
  ASSERT_TRUE(a.ok()) << a.ToString();
  EXPECT_EQ(kept.counters.bytes_done.load(), kept.plan.total_bytes);
  EXPECT_EQ(cut.counters.in_flight.load(), 0u);
}

TEST(TransferHubTest, BytesSentAgainAreCountedAsResentNotSent) {
  SlowTus tus(/*fail_first_patches=*/2);
  FakeServer server(tus.Handler());
  TaskTransfer one(server.url(), 1, nullptr, 1 << 20);  // its own hub
  ASSERT_TRUE(one.engine.Run(nullptr).ok());
  // Two PATCHes of 1 MiB were refused after their bytes went out: sent once, resent once.
  EXPECT_EQ(one.counters.bytes_sent.load(), one.plan.total_bytes);
  EXPECT_EQ(one.counters.bytes_resent.load(), 2u << 20);
  EXPECT_EQ(one.counters.retries.load(), 2u);
}

}  // namespace
}  // namespace ingest::upload
