// DirWalker: lists every file under a directory with readdir + fstatat, without following
// directory symlinks unless asked (as CVAT's manifest tool, which uses os.walk). Symlinks to
// files are followed. A directory that cannot be read, a broken symlink, a symlink loop or a
// non-regular file is reported to the visitor and the walk goes on.
#ifndef INGEST_ENGINE_DIR_WALKER_H_
#define INGEST_ENGINE_DIR_WALKER_H_

#include <atomic>
#include <cstdint>
#include <string>

#include "engine/status.h"

namespace ingest {

struct WalkEntry {
  std::string rel_path;  // relative to the root, '/'-separated, raw bytes
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  uint64_t inode = 0;
  uint64_t device = 0;
};

class WalkVisitor {
 public:
  virtual ~WalkVisitor() = default;
  // A regular file (or a symlink to one).
  virtual void OnFile(WalkEntry&& entry) = 0;
  // Something under the root that could not be listed or is not a regular file.
  // `rel_path` is relative to the root; "" means the root itself.
  virtual void OnProblem(const std::string& rel_path, const Status& problem) = 0;
};

struct WalkOptions {
  bool follow_dir_symlinks = false;  // with loop detection
  const std::atomic<bool>* cancel = nullptr;  // checked between directories
};

// Walks `root` depth-first. Returns an error only when `root` itself cannot be opened as a
// directory, or Cancelled when `cancel` was set.
Status WalkDirectory(const std::string& root, const WalkOptions& options, WalkVisitor& visitor);

}  // namespace ingest

#endif  // INGEST_ENGINE_DIR_WALKER_H_
