// Content hashing: XXH3-128 (xxHash), streamed, for change detection and resume.
#ifndef INGEST_ENGINE_HASHER_H_
#define INGEST_ENGINE_HASHER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "engine/file_record.h"
#include "engine/result.h"

namespace ingest {

// Incremental XXH3-128. Not thread-safe; one per worker.
class Hasher {
 public:
  Hasher();
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  void Reset();
  void Update(const void* data, size_t n);
  Hash128 Digest() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// One-shot XXH3-128 of a buffer.
Hash128 HashBytes(const void* data, size_t n);

// Hashes the whole file behind `fd` from its current position with read(2) into `buffer`
// (reused across calls; 1 MiB is a good size). `path` names the file in errors.
struct HashedFile {
  Hash128 hash;
  uint64_t bytes = 0;
};
Result<HashedFile> HashFd(int fd, const std::string& path, std::span<std::byte> buffer);

}  // namespace ingest

#endif  // INGEST_ENGINE_HASHER_H_
