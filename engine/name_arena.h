// NameArena: append-only storage for many short strings (file names). A view returned by Add
// stays valid while the arena lives, wherever the arena is moved; memory is a few 64 KiB
// blocks, with no per-name allocation (a million names cost their bytes, not a million
// mallocs).
#ifndef INGEST_ENGINE_NAME_ARENA_H_
#define INGEST_ENGINE_NAME_ARENA_H_

#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace ingest {

class NameArena {
 public:
  NameArena() = default;
  NameArena(const NameArena&) = delete;
  NameArena& operator=(const NameArena&) = delete;
  NameArena(NameArena&&) = default;
  NameArena& operator=(NameArena&&) = default;

  // Copies `s` into the arena and returns a view of the copy.
  std::string_view Add(std::string_view s) {
    if (s.empty()) return {};
    if (s.size() > left_) {
      size_t block = s.size() > kBlock / 4 ? s.size() : kBlock;
      blocks_.push_back(std::make_unique<char[]>(block));
      next_ = blocks_.back().get();
      left_ = block;
    }
    char* p = next_;
    std::memcpy(p, s.data(), s.size());
    next_ += s.size();
    left_ -= s.size();
    return {p, s.size()};
  }

 private:
  static constexpr size_t kBlock = 64 << 10;
  std::vector<std::unique_ptr<char[]>> blocks_;
  char* next_ = nullptr;
  size_t left_ = 0;
};

}  // namespace ingest

#endif  // INGEST_ENGINE_NAME_ARENA_H_
