// INGEST_CHECK: for broken invariants only (never for bad input). Prints and aborts.
#ifndef INGEST_ENGINE_CHECK_H_
#define INGEST_ENGINE_CHECK_H_

namespace ingest {
[[noreturn]] void Fatal(const char* file, int line, const char* what) noexcept;
}  // namespace ingest

#define INGEST_CHECK(cond) \
  ((cond) ? static_cast<void>(0) : ::ingest::Fatal(__FILE__, __LINE__, #cond))

#endif  // INGEST_ENGINE_CHECK_H_
