#include "upload/side_hasher.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <utility>

#include "engine/file_record.h"
#include "engine/hasher.h"
#include "engine/unique_fd.h"

namespace ingest::upload {
namespace {

constexpr size_t kReadBlock = 1 << 20;

struct Job {
  uint64_t owner;
  uint32_t file;
  std::string path;
  uint64_t size;
  int64_t mtime_ns;
  uint64_t upto;
};

// One file's hash so far, kept between its Wants (on the hasher's thread only).
struct FileHash {
  UniqueFd fd;
  Hasher hasher;
  uint64_t at = 0;
  bool broken = false;
};

}  // namespace

struct SideHasher::Impl {
  std::function<void()> wake;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Job> queue;             // guarded by mu
  std::vector<Digest> ready;         // guarded by mu
  std::set<uint64_t> forgotten;      // guarded by mu: owners whose digests are discarded
  std::vector<uint64_t> to_drop;     // guarded by mu: owners whose file states go
  bool stop = false;                 // guarded by mu
  std::map<std::pair<uint64_t, uint32_t>, FileHash> files;  // the thread's own
  std::vector<char> buffer = std::vector<char>(kReadBlock);
  std::thread thread;

  void Loop();
  std::string Hash(const Job& job);
};

// Extends the file's hash to job.upto; "" once anything went wrong with the file.
std::string SideHasher::Impl::Hash(const Job& job) {
  FileHash& h = files[{job.owner, job.file}];
  if (h.broken || job.upto < h.at) {
    h.broken = true;
    return "";
  }
  if (h.fd.get() < 0) {
    h.fd.reset(::open(job.path.c_str(), O_RDONLY | O_CLOEXEC));
    if (h.fd.get() < 0) h.broken = true;
  }
  while (!h.broken && h.at < job.upto) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(buffer.size(), job.upto - h.at));
    ssize_t n = ::pread(h.fd.get(), buffer.data(), want, static_cast<off_t>(h.at));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      h.broken = true;  // an error, or shorter than planned: the file changed
      break;
    }
    h.hasher.Update(buffer.data(), static_cast<size_t>(n));
    h.at += static_cast<uint64_t>(n);
  }
  struct stat st;
  if (!h.broken && (::fstat(h.fd.get(), &st) != 0 || static_cast<uint64_t>(st.st_size) != job.size ||
                    MtimeNs(st) != job.mtime_ns)) {
    h.broken = true;  // what was hashed may not be what was sent
  }
  if (h.broken) {
    h.fd.reset();
    return "";
  }
  std::string hex = ToHex(h.hasher.Digest());
  if (h.at == job.size) files.erase({job.owner, job.file});  // nothing more to ask of it
  return hex;
}

void SideHasher::Impl::Loop() {
  std::unique_lock lock(mu);
  for (;;) {
    cv.wait(lock, [&] { return stop || !queue.empty() || !to_drop.empty(); });
    if (stop) return;
    std::vector<uint64_t> drop = std::exchange(to_drop, {});
    std::optional<Job> job;
    if (!queue.empty()) {
      job = std::move(queue.front());
      queue.pop_front();
    }
    lock.unlock();
    for (uint64_t owner : drop) {
      files.erase(files.lower_bound({owner, 0}), files.upper_bound({owner, UINT32_MAX}));
    }
    Digest d;
    if (job) d = {job->owner, job->file, job->upto, Hash(*job)};
    lock.lock();
    if (!job || forgotten.count(d.owner)) continue;
    ready.push_back(std::move(d));
    lock.unlock();
    wake();
    lock.lock();
  }
}

SideHasher::SideHasher(std::function<void()> wake) : impl_(std::make_unique<Impl>()) {
  impl_->wake = std::move(wake);
  impl_->thread = std::thread([this] { impl_->Loop(); });
}

SideHasher::~SideHasher() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stop = true;
  }
  impl_->cv.notify_one();
  impl_->thread.join();
}

void SideHasher::Want(uint64_t owner, uint32_t file, const std::string& path, uint64_t size,
                      int64_t mtime_ns, uint64_t upto) {
  {
    std::lock_guard lock(impl_->mu);
    impl_->queue.push_back({owner, file, path, size, mtime_ns, upto});
  }
  impl_->cv.notify_one();
}

void SideHasher::Forget(uint64_t owner) {
  {
    std::lock_guard lock(impl_->mu);
    impl_->forgotten.insert(owner);
    impl_->to_drop.push_back(owner);
    std::erase_if(impl_->queue, [&](const Job& j) { return j.owner == owner; });
    std::erase_if(impl_->ready, [&](const Digest& d) { return d.owner == owner; });
  }
  impl_->cv.notify_one();
}

std::vector<SideHasher::Digest> SideHasher::Take() {
  std::lock_guard lock(impl_->mu);
  return std::exchange(impl_->ready, {});
}

}  // namespace ingest::upload
