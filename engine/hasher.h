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

// Feeds `hasher` with the rest of the file behind `fd` (from its current position to the end)
// with read(2) into `buffer` (reused across calls; 1 MiB is a good size). Returns the number of
// bytes read; `path` names the file in errors.
Result<uint64_t> HashRestOfFile(int fd, const std::string& path, std::span<std::byte> buffer,
                                Hasher* hasher);

}  // namespace ingest

#endif  // INGEST_ENGINE_HASHER_H_
