#include "engine/hasher.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "engine/check.h"
#include "engine/xxh3.h"

namespace ingest {

struct Hasher::State {
  XXH3_state_t* st = XXH3_createState();
  ~State() { XXH3_freeState(st); }
};

Hasher::Hasher() : state_(std::make_unique<State>()) {
  INGEST_CHECK(state_->st != nullptr);
  Reset();
}
Hasher::~Hasher() = default;

void Hasher::Reset() { XXH3_128bits_reset(state_->st); }

void Hasher::Update(const void* data, size_t n) { XXH3_128bits_update(state_->st, data, n); }

Hash128 Hasher::Digest() const {
  XXH128_hash_t h = XXH3_128bits_digest(state_->st);
  return Hash128{h.low64, h.high64};
}

Hash128 HashBytes(const void* data, size_t n) {
  XXH128_hash_t h = XXH3_128bits(data, n);
  return Hash128{h.low64, h.high64};
}

std::string ToHex(const Hash128& h) {
  char buf[33];
  std::snprintf(buf, sizeof(buf), "%016llx%016llx", static_cast<unsigned long long>(h.high),
                static_cast<unsigned long long>(h.low));
  return std::string(buf, 32);
}

Result<uint64_t> HashRestOfFile(int fd, const std::string& path, std::span<std::byte> buffer,
                                Hasher* hasher) {
  uint64_t bytes = 0;
  for (;;) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return FromErrno("read " + path, errno);
    }
    if (n == 0) return bytes;
    hasher->Update(buffer.data(), static_cast<size_t>(n));
    bytes += static_cast<uint64_t>(n);
  }
}

}  // namespace ingest
