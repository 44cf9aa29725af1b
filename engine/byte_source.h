// ByteSource: random-access reads from a file or an in-memory prefix, so a header probe can
// read only the bytes it needs (a JPEG costs one pread; an archive member is a buffered
// prefix).
#ifndef INGEST_ENGINE_BYTE_SOURCE_H_
#define INGEST_ENGINE_BYTE_SOURCE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "engine/result.h"

namespace ingest {

class ByteSource {
 public:
  virtual ~ByteSource() = default;

  // Reads up to n bytes at offset into buf; returns the number of bytes read, which is less
  // than n only at the end of the source (0 at or past the end), or an I/O error.
  virtual Result<size_t> ReadAt(uint64_t offset, void* buf, size_t n) = 0;

  // Total size in bytes.
  virtual uint64_t size() const = 0;
};

// Reads exactly n bytes at offset. A short read is a Corruption error whose message is
// "<what>: truncated" (the caller names the format and the structure, e.g. "PNG: IHDR").
Status ReadExact(ByteSource& src, uint64_t offset, void* buf, size_t n, std::string_view what);

// A ByteSource over memory the caller keeps alive.
class SpanByteSource : public ByteSource {
 public:
  explicit SpanByteSource(std::span<const std::byte> bytes) : bytes_(bytes) {}
  explicit SpanByteSource(std::string_view bytes)
      : bytes_(reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()) {}

  Result<size_t> ReadAt(uint64_t offset, void* buf, size_t n) override;
  uint64_t size() const override { return bytes_.size(); }

 private:
  std::span<const std::byte> bytes_;
};

// A ByteSource over an open file descriptor (not owned), read with pread(2). The first read
// fills a cache of `first_read` bytes from offset 0, so a probe that stays in the first
// 64 KiB (every ordinary JPEG, PNG header, GIF, BMP, WebP) costs one system call. Later
// misses refill the cache with a small block at the requested offset.
// Not thread-safe; one per file per thread.
class FdByteSource : public ByteSource {
 public:
  static constexpr size_t kDefaultFirstRead = 64 << 10;
  static constexpr size_t kRefillBlock = 4 << 10;

  // `size` is the file size as the caller knows it (from fstat); reads never go past it.
  FdByteSource(int fd, uint64_t size, size_t first_read = kDefaultFirstRead);

  Result<size_t> ReadAt(uint64_t offset, void* buf, size_t n) override;
  uint64_t size() const override { return size_; }

  // Number of pread calls made so far (for tests and benchmarks).
  uint64_t reads() const { return reads_; }

 private:
  // Reads [offset, offset + n) straight from the file into buf, looping over short reads.
  Result<size_t> Pread(uint64_t offset, std::byte* buf, size_t n);

  int fd_;
  uint64_t size_;
  size_t capacity_;
  std::unique_ptr<std::byte[]> cache_;
  uint64_t cache_offset_ = 0;
  size_t cache_len_ = 0;
  uint64_t reads_ = 0;
};

}  // namespace ingest

#endif  // INGEST_ENGINE_BYTE_SOURCE_H_
