#include <cstdio>

#include "cli/commands.h"
#include "cli/exit_codes.h"

namespace ingest::cli {

int RunManifest(Args) {
  std::fprintf(stderr, "cvat-ingest manifest: not built yet\n");
  return kExitFailed;
}

}  // namespace ingest::cli
