#include "server/request_registry.h"

#include <algorithm>
#include <chrono>

#include "server/wire_text.h"

namespace ingest::server {

RequestRegistry::RequestRegistry(int64_t ttl_seconds, int workers)
    : ttl_us_(ttl_seconds * 1000000) {
  for (int i = 0; i < std::max(1, workers); ++i) workers_.emplace_back([this] { Run(); });
}

RequestRegistry::~RequestRegistry() { Stop(); }

void RequestRegistry::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread& w : workers_) {
    if (w.joinable()) w.join();
  }
}

void RequestRegistry::Hold(double seconds) {
  if (seconds <= 0) return;
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, std::chrono::duration<double>(seconds), [&] { return stopping_; });
}

std::string RequestRegistry::TaskCreationId(int64_t task_id) {
  return "action=create&target=task&target_id=" + std::to_string(task_id);
}

bool RequestRegistry::Enqueue(int64_t task_id, int owner_id, const std::string& owner_name,
                              Job job, std::string* id) {
  *id = TaskCreationId(task_id);
  RequestRecord rec;
  rec.id = *id;
  rec.task_id = task_id;
  rec.owner_id = owner_id;
  rec.owner_name = owner_name;
  return EnqueueRecord(std::move(rec), std::move(job));
}

bool RequestRegistry::EnqueueRecord(RequestRecord rec, Job job) {
  std::lock_guard lock(mu_);
  ExpireLocked(UnixMicrosNow());
  auto it = records_.find(rec.id);
  if (it != records_.end() &&
      (it->second.status == "queued" || it->second.status == "started")) {
    return false;
  }
  rec.status = "queued";
  rec.created_us = UnixMicrosNow();
  const std::string id = rec.id;
  records_[id] = std::move(rec);  // a finished or failed old one is replaced, as CVAT does
  queue_.emplace_back(id, std::move(job));
  cv_.notify_all();
  return true;
}

std::vector<RequestRecord> RequestRegistry::List(int64_t task_id) {
  std::lock_guard lock(mu_);
  ExpireLocked(UnixMicrosNow());
  std::vector<RequestRecord> out;
  for (const auto& [id, rec] : records_) {
    if (task_id == 0 || rec.task_id == task_id) out.push_back(rec);
  }
  std::sort(out.begin(), out.end(), [](const RequestRecord& a, const RequestRecord& b) {
    return a.created_us > b.created_us;
  });
  return out;
}

std::optional<RequestRecord> RequestRegistry::Get(const std::string& id) {
  std::lock_guard lock(mu_);
  ExpireLocked(UnixMicrosNow());
  auto it = records_.find(id);
  if (it == records_.end()) return std::nullopt;
  return it->second;
}

RequestRegistry::CancelResult RequestRegistry::Cancel(const std::string& id) {
  std::lock_guard lock(mu_);
  ExpireLocked(UnixMicrosNow());
  auto it = records_.find(id);
  if (it == records_.end()) return CancelResult::kNotFound;
  if (it->second.status != "queued") return CancelResult::kNotQueued;
  for (auto q = queue_.begin(); q != queue_.end(); ++q) {
    if (q->first == id) {
      queue_.erase(q);
      break;
    }
  }
  records_.erase(it);
  return CancelResult::kCancelled;
}

void RequestRegistry::ExpireLocked(int64_t now_us) {
  for (auto it = records_.begin(); it != records_.end();) {
    const RequestRecord& r = it->second;
    bool ended = r.status == "finished" || r.status == "failed";
    it = ended && now_us >= r.finished_us + ttl_us_ ? records_.erase(it) : std::next(it);
  }
}

void RequestRegistry::Run() {
  for (;;) {
    std::pair<std::string, Job> item;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      item = std::move(queue_.front());
      queue_.pop_front();
      RequestRecord& r = records_[item.first];
      r.status = "started";
      r.started_us = UnixMicrosNow();
    }
    const std::string& id = item.first;
    Progress progress = [&](double fraction, const std::string& message) {
      std::lock_guard lock(mu_);
      auto it = records_.find(id);
      if (it == records_.end()) return;
      it->second.progress = fraction;
      if (!message.empty()) it->second.message = message;
    };
    std::optional<std::string> failure = item.second(progress);
    std::lock_guard lock(mu_);
    RequestRecord& r = records_[id];
    r.finished_us = UnixMicrosNow();
    if (failure) {
      r.status = "failed";
      r.message = *failure;
    } else {
      r.status = "finished";
      r.message.clear();
      r.progress = 1.0;
    }
  }
}

}  // namespace ingest::server
