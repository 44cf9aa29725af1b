#include <cstdio>

#include "cli/commands.h"
#include "cli/exit_codes.h"

namespace ingest::cli {

int RunScan(Args) {
  std::fprintf(stderr, "cvat-ingest scan: not built yet\n");
  return kExitFailed;
}

int RunManifest(Args) {
  std::fprintf(stderr, "cvat-ingest manifest: not built yet\n");
  return kExitFailed;
}

}  // namespace ingest::cli
