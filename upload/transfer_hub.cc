#include "upload/transfer_hub.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "upload/transfer_session.h"

namespace ingest::upload {

using transfer::Clock;
using transfer::TransferSession;

namespace {

// A session handed to the hub, and what its caller waits for.
struct Entry {
  TransferSession* session = nullptr;
  const std::atomic<bool>* cancel = nullptr;
  bool done = false;  // GUARDED_BY(Impl::mu)
  Status outcome;
};

}  // namespace

struct TransferHub::Impl : transfer::EasyPool {
  const int connections;
  // The multi handle is declared first so it is destroyed last (after every easy handle).
  CurlMultiPtr multi;
  std::vector<CurlEasyPtr> easies;  // all easy handles made
  std::vector<CURL*> idle;          // those not in use
  Status broken;                    // the multi handle failed: every session ends with it

  std::mutex mu;
  std::condition_variable cv;
  std::vector<Entry*> pending;  // GUARDED_BY(mu): handed in, not begun
  bool stop = false;            // GUARDED_BY(mu)
  std::vector<Entry*> running;  // the thread's own: in the order they were handed in
  std::thread thread;

  explicit Impl(int n) : connections(std::max(1, n)), multi(curl_multi_init()) {
    if (!multi) {
      broken = Status::Internal("curl_multi_init failed");
    } else {
      curl_multi_setopt(multi.get(), CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(connections));
      curl_multi_setopt(multi.get(), CURLMOPT_MAXCONNECTS, static_cast<long>(connections + 2));
    }
    thread = std::thread([this] { Loop(); });
  }

  CURL* Take() override {
    if (!idle.empty()) {
      CURL* e = idle.back();
      idle.pop_back();
      return e;
    }
    easies.emplace_back(curl_easy_init());
    return easies.back().get();
  }
  void Give(CURL* easy) override { idle.push_back(easy); }
  Status Add(CURL* easy) override {
    CURLMcode mc = curl_multi_add_handle(multi.get(), easy);
    return mc == CURLM_OK ? Status() : FromCurlM(mc, "curl_multi_add_handle");
  }
  void Remove(CURL* easy) override { curl_multi_remove_handle(multi.get(), easy); }

  // Ends a session: its requests are cut, its caller wakes with `outcome`.
  void Complete(Entry* e, Status outcome) {
    e->session->Abort();
    running.erase(std::find(running.begin(), running.end(), e));
    std::lock_guard<std::mutex> lock(mu);
    e->outcome = std::move(outcome);
    e->done = true;
    cv.notify_all();
  }

  // Takes the sessions handed in; false when the hub is to stop.
  bool Admit() {
    std::vector<Entry*> fresh;
    {
      std::lock_guard<std::mutex> lock(mu);
      if (stop && pending.empty() && running.empty()) return false;
      fresh.swap(pending);
    }
    for (Entry* e : fresh) {
      e->session->Begin(this);
      running.push_back(e);
    }
    return true;
  }

  // Cancels, wakes due retries, starts requests on the free connections, and ends the
  // sessions that are done. Returns the earliest retry still waiting.
  std::optional<Clock::time_point> Schedule() {
    auto now = Clock::now();
    std::optional<Clock::time_point> next;
    int free = connections;
    for (Entry* e : std::vector<Entry*>(running)) {
      if (!broken.ok()) {
        Complete(e, broken);
      } else if (e->cancel && e->cancel->load(std::memory_order_relaxed)) {
        Complete(e, Status::Cancelled("upload interrupted"));
      } else {
        if (auto due = e->session->WakeDue(now); due && (!next || *due < *next)) next = due;
        free -= static_cast<int>(e->session->in_flight());
      }
    }
    for (Entry* e : std::vector<Entry*>(running)) {
      if (Status s = e->session->Fill(&free); !s.ok()) {
        Complete(e, s);
      } else if (e->session->Finished()) {
        Complete(e, e->session->Outcome());
      }
    }
    return next;
  }

  // Moves every request along; true when some finished (their follow-ups start at once).
  bool Perform() {
    int still = 0;
    if (CURLMcode mc = curl_multi_perform(multi.get(), &still); mc != CURLM_OK) {
      broken = FromCurlM(mc, "curl_multi_perform");
      return true;
    }
    bool finished = false;
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi.get(), &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      transfer::Transfer* t = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &t);
      CURLcode result = msg->data.result;  // msg is invalid once its handle is removed
      t->session->Finish(t, result);
      finished = true;
    }
    return finished;
  }

  void Loop() {
    while (Admit()) {
      std::optional<Clock::time_point> next = Schedule();
      if (!broken.ok() || (running.empty() && !HasPending())) {
        if (running.empty()) WaitForWork();
        continue;
      }
      if (Perform()) continue;  // start the follow-up work before waiting
      int timeout_ms = 200;
      if (next) {
        auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(*next - Clock::now());
        timeout_ms = std::clamp<int>(static_cast<int>(wait.count()) + 1, 0, 200);
      }
      if (CURLMcode mc = curl_multi_poll(multi.get(), nullptr, 0, timeout_ms, nullptr);
          mc != CURLM_OK) {
        broken = FromCurlM(mc, "curl_multi_poll");
      }
    }
  }

  bool HasPending() {
    std::lock_guard<std::mutex> lock(mu);
    return !pending.empty();
  }
  void WaitForWork() {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [this] { return stop || !pending.empty(); });
  }
};

TransferHub::TransferHub(int connections) : impl_(std::make_unique<Impl>(connections)) {}

TransferHub::~TransferHub() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stop = true;
  }
  impl_->cv.notify_all();
  if (impl_->multi) curl_multi_wakeup(impl_->multi.get());
  impl_->thread.join();
}

Status TransferHub::Run(TransferSession& session, const std::atomic<bool>* cancel) {
  Entry entry;
  entry.session = &session;
  entry.cancel = cancel;
  std::unique_lock<std::mutex> lock(impl_->mu);
  impl_->pending.push_back(&entry);
  impl_->cv.notify_all();
  if (impl_->multi) curl_multi_wakeup(impl_->multi.get());
  impl_->cv.wait(lock, [&] { return entry.done; });
  return std::move(entry.outcome);
}

}  // namespace ingest::upload
