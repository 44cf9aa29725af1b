// ScratchDir: a temporary directory of a command (a generated manifest, a benchmark's corpus
// and receiver data), removed with everything in it at the end.
#ifndef INGEST_CLI_SCRATCH_DIR_H_
#define INGEST_CLI_SCRATCH_DIR_H_

#include <string>

namespace ingest::cli {

// Where temporary directories go: $TMPDIR, or /tmp when it is unset or empty.
std::string TempParent();

// `parent`/`prefix`-XXXXXX, created by mkdtemp; removed at the end unless Keep() was called.
// path() is empty when it could not be created (errno tells why).
class ScratchDir {
 public:
  ScratchDir(const std::string& parent, const char* prefix);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }
  void Keep() { keep_ = true; }

 private:
  std::string path_;
  bool keep_ = false;
};

}  // namespace ingest::cli

#endif  // INGEST_CLI_SCRATCH_DIR_H_
