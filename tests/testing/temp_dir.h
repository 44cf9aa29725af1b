// Test helpers: a temporary directory removed at the end of the test, and file writers.
#ifndef INGEST_TESTS_TESTING_TEMP_DIR_H_
#define INGEST_TESTS_TESTING_TEMP_DIR_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ingest::testing {

class ScopedTempDir {
 public:
  ScopedTempDir();   // creates a fresh directory under $TMPDIR (or /tmp)
  ~ScopedTempDir();  // removes it and everything in it
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + rel
  std::string Join(std::string_view rel) const;

 private:
  std::string path_;
};

// Writes `bytes` to `path`, creating parent directories. Fails the test on error.
void WriteFile(const std::string& path, std::string_view bytes);
// Reads a whole file; fails the test on error.
std::string ReadFile(const std::string& path);
// `n` pseudo-random bytes, the same for the same seed (file contents for tests and benches).
std::string PseudoRandomBytes(size_t n, uint32_t seed);

}  // namespace ingest::testing

#endif  // INGEST_TESTS_TESTING_TEMP_DIR_H_
