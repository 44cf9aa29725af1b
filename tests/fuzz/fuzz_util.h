// Helpers shared by the libFuzzer harnesses in tests/fuzz/ (header-only: each harness is one
// translation unit plus the project's libraries).
//
// Harnesses whose parser reads a file (a manifest, a journal, a scan cache, a receiver's data
// directory) write the input to a private scratch directory made once per process under
// $TMPDIR (or /tmp) and removed at exit; a crash leaves it behind, with the input that crashed
// saved by libFuzzer anyway.
#ifndef INGEST_TESTS_FUZZ_FUZZ_UTIL_H_
#define INGEST_TESTS_FUZZ_FUZZ_UTIL_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace ingest::fuzz {

// Stops the harness with a message: an invariant the parser promised does not hold. libFuzzer
// reports the abort as a crash and saves the input.
[[noreturn]] inline void Violated(const char* what) {
  std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
  std::abort();
}
#define INGEST_FUZZ_CHECK(cond)                   \
  do {                                            \
    if (!(cond)) ::ingest::fuzz::Violated(#cond); \
  } while (0)

// The process's scratch directory (created on first use, removed at normal exit).
inline const std::string& ScratchDir() {
  // Never destroyed: the exit handler runs after static destructors.
  static const std::string* dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/ingest-fuzz-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) Violated("cannot create a scratch directory");
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(ScratchDir(), ec);
    });
    return new std::string(tmpl);
  }();
  return *dir;
}

// Writes `bytes` to `path` (replacing it); aborts on failure (the harness, not the parser,
// is broken then).
inline void WriteBytes(const std::string& path, std::string_view bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) Violated("cannot write a scratch file");
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) Violated("cannot write a scratch file");
    done += static_cast<size_t>(n);
  }
  ::close(fd);
}

// Removes everything under `dir` but keeps `dir`.
inline void ClearDir(const std::string& dir) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::filesystem::remove_all(entry.path(), ec);
  }
}

// Splits `data` at every occurrence of `sep` (a multi-byte separator that seeds use between
// sections); returns exactly `n` sections, the missing ones empty, the extra ones joined into
// the last.
inline std::vector<std::string_view> Sections(std::string_view data, std::string_view sep,
                                              size_t n) {
  std::vector<std::string_view> out;
  while (out.size() + 1 < n) {
    size_t at = data.find(sep);
    if (at == std::string_view::npos) break;
    out.push_back(data.substr(0, at));
    data.remove_prefix(at + sep.size());
  }
  out.push_back(data);
  out.resize(n);
  return out;
}

// Cuts `data` into pieces whose sizes come from `seed` bytes (1..64, or the rest), so a
// streaming parser sees its input split at every kind of place across runs.
inline std::vector<std::string_view> Chunks(std::string_view data, std::string_view seed) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (!data.empty()) {
    size_t n =
        seed.empty() ? data.size() : 1 + static_cast<unsigned char>(seed[i++ % seed.size()]) % 64;
    if (n > data.size()) n = data.size();
    out.push_back(data.substr(0, n));
    data.remove_prefix(n);
  }
  return out;
}

// The separator seeds put between the sections of a multi-part input.
inline constexpr std::string_view kSectionSep = "\n#~~#\n";

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace ingest::fuzz

#endif  // INGEST_TESTS_FUZZ_FUZZ_UTIL_H_
