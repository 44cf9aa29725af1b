#include "upload/crc_ahead.h"

#include <fcntl.h>
#include <libdeflate.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "engine/file_record.h"
#include "engine/unique_fd.h"

namespace ingest::upload {
namespace {

constexpr size_t kReadBlock = 1 << 20;

enum : uint8_t { kPending, kDone, kFailed };

// Whether `st` is still the file planned.
bool AsPlanned(const struct stat& st, const CrcAhead::Member& m) {
  return static_cast<uint64_t>(st.st_size) == m.size && MtimeNs(st) == m.mtime_ns;
}

}  // namespace

struct CrcAhead::Impl {
  std::vector<Member> members;
  std::vector<size_t> order;      // the covered members' indices, ascending
  std::vector<uint64_t> prefix;   // prefix[p]: the sizes of order[0, p)
  uint64_t max_ahead = 0;
  std::vector<uint8_t> state;     // by member index; guarded by mu
  std::vector<uint32_t> crc;      // by member index; guarded by mu
  std::map<size_t, Status> errors;  // guarded by mu
  size_t reached = 0;             // guarded by mu: the member the stream is at
  bool stop = false;              // guarded by mu
  std::mutex mu;
  std::condition_variable cv;
  std::vector<char> buffer = std::vector<char>(kReadBlock);
  std::thread thread;

  // Whether the thread may read the p-th covered member now.
  bool MayRead(size_t p) const {
    size_t at = static_cast<size_t>(std::lower_bound(order.begin(), order.end(), reached) -
                                    order.begin());
    return p <= at || prefix[p] - prefix[at] <= max_ahead;
  }

  Result<uint32_t> Compute(const Member& m) {
    UniqueFd fd(::open(m.path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return FromErrno(m.path, errno);
    uint32_t value = 0;
    uint64_t at = 0;
    while (at < m.size) {
      size_t want = static_cast<size_t>(std::min<uint64_t>(buffer.size(), m.size - at));
      ssize_t n = ::pread(fd.get(), buffer.data(), want, static_cast<off_t>(at));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return FromErrno(m.path, errno);
      if (n == 0) break;
      value = libdeflate_crc32(value, buffer.data(), static_cast<size_t>(n));
      at += static_cast<uint64_t>(n);
    }
    struct stat st;
    if (at < m.size || ::fstat(fd.get(), &st) != 0 || !AsPlanned(st, m)) {
      return Status::Corruption(m.path + ": changed since the scan (its size or modification "
                                "time moved while it was being sent)");
    }
    return value;
  }

  void Loop() {
    for (size_t p = 0; p < order.size(); ++p) {
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return stop || MayRead(p); });
        if (stop) return;
      }
      const size_t i = order[p];
      Result<uint32_t> got = Compute(members[i]);
      std::lock_guard lock(mu);
      if (got) {
        crc[i] = *got;
        state[i] = kDone;
      } else {
        errors[i] = got.error();
        state[i] = kFailed;
      }
      cv.notify_all();
    }
  }
};

CrcAhead::CrcAhead(std::vector<Member> members, uint64_t max_ahead)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.members = std::move(members);
  m.max_ahead = max_ahead;
  m.state.assign(m.members.size(), kPending);
  m.crc.assign(m.members.size(), 0);
  m.prefix.push_back(0);
  for (size_t i = 0; i < m.members.size(); ++i) {
    if (m.members[i].path.empty()) continue;
    m.order.push_back(i);
    m.prefix.push_back(m.prefix.back() + m.members[i].size);
  }
  if (!m.order.empty()) m.thread = std::thread([this] { impl_->Loop(); });
}

CrcAhead::~CrcAhead() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stop = true;
  }
  impl_->cv.notify_all();
  if (impl_->thread.joinable()) impl_->thread.join();
}

bool CrcAhead::Covers(size_t i) const {
  return i < impl_->members.size() && !impl_->members[i].path.empty();
}

void CrcAhead::Reached(size_t i) {
  std::lock_guard lock(impl_->mu);
  if (i <= impl_->reached) return;
  impl_->reached = i;
  impl_->cv.notify_all();
}

Result<uint32_t> CrcAhead::Crc(size_t i) {
  Reached(i);
  const Member& m = impl_->members[i];
  uint32_t value;
  {
    std::unique_lock lock(impl_->mu);
    impl_->cv.wait(lock, [&] { return impl_->state[i] != kPending; });
    if (impl_->state[i] == kFailed) return impl_->errors[i];
    value = impl_->crc[i];
  }
  // The stream has sent the member by now: still the file the CRC was read from?
  struct stat st;
  if (::stat(m.path.c_str(), &st) != 0) return FromErrno(m.path, errno);
  if (!AsPlanned(st, m)) {
    return Status::Corruption(m.path + ": changed since the scan (its size or modification "
                              "time moved while it was being sent)");
  }
  return value;
}

}  // namespace ingest::upload
