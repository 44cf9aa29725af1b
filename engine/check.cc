#include "engine/check.h"

#include <cstdio>
#include <cstdlib>

namespace ingest {

void Fatal(const char* file, int line, const char* what) noexcept {
  std::fprintf(stderr, "cvat-ingest: internal error: %s:%d: check failed: %s\n", file, line, what);
  std::abort();
}

}  // namespace ingest
