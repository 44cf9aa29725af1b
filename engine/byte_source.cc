#include "engine/byte_source.h"

#include <cerrno>
#include <cstring>
#include <string>

#include <unistd.h>

namespace ingest {

Status ReadExact(ByteSource& src, uint64_t offset, void* buf, size_t n, std::string_view what) {
  INGEST_ASSIGN_OR_RETURN(size_t got, src.ReadAt(offset, buf, n));
  if (got != n) {
    std::string msg(what);
    msg += ": truncated";
    return Status::Corruption(msg);
  }
  return Status::Ok();
}

Result<size_t> SpanByteSource::ReadAt(uint64_t offset, void* buf, size_t n) {
  if (offset >= bytes_.size()) return size_t{0};
  size_t avail = bytes_.size() - static_cast<size_t>(offset);
  size_t len = n < avail ? n : avail;
  if (len > 0) std::memcpy(buf, bytes_.data() + offset, len);
  return len;
}

FdByteSource::FdByteSource(int fd, uint64_t size, size_t first_read)
    : fd_(fd), size_(size), capacity_(first_read < kRefillBlock ? kRefillBlock : first_read) {}

Result<size_t> FdByteSource::Pread(uint64_t offset, std::byte* buf, size_t n) {
  size_t done = 0;
  while (done < n) {
    ++reads_;
    ssize_t r = ::pread(fd_, buf + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return FromErrno("pread", errno);
    }
    if (r == 0) break;  // the file shrank under us
    done += static_cast<size_t>(r);
  }
  return done;
}

Result<size_t> FdByteSource::ReadAt(uint64_t offset, void* buf, size_t n) {
  if (offset >= size_ || n == 0) return size_t{0};
  uint64_t avail = size_ - offset;
  size_t want = n < avail ? n : static_cast<size_t>(avail);
  auto* out = static_cast<std::byte*>(buf);

  // Cache hit.
  if (offset >= cache_offset_ && offset + want <= cache_offset_ + cache_len_) {
    std::memcpy(out, cache_.get() + (offset - cache_offset_), want);
    return want;
  }
  // Large reads bypass the cache.
  if (want > capacity_ / 2) return Pread(offset, out, want);

  if (!cache_) cache_ = std::make_unique_for_overwrite<std::byte[]>(capacity_);
  // The first fill reads the whole cache from 0 when the request lies inside it; later
  // fills read a small block at the request.
  bool first = reads_ == 0;
  uint64_t fill_at = first && offset + want <= capacity_ ? 0 : offset;
  size_t fill_len = first ? capacity_ : (want > kRefillBlock ? want : kRefillBlock);
  if (fill_len > size_ - fill_at) fill_len = static_cast<size_t>(size_ - fill_at);
  INGEST_ASSIGN_OR_RETURN(size_t got, Pread(fill_at, cache_.get(), fill_len));
  cache_offset_ = fill_at;
  cache_len_ = got;
  if (offset + want > cache_offset_ + cache_len_) {  // short file read
    size_t have = offset - cache_offset_ < cache_len_
                      ? cache_len_ - static_cast<size_t>(offset - cache_offset_)
                      : 0;
    if (have > 0) std::memcpy(out, cache_.get() + (offset - cache_offset_), have);
    return have;
  }
  std::memcpy(out, cache_.get() + (offset - cache_offset_), want);
  return want;
}

}  // namespace ingest
