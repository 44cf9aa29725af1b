// upload --plan RUN.plan --shard K/N|auto: runs one shard of a planned run (cli/plan_upload.cc).
#ifndef INGEST_CLI_PLAN_UPLOAD_H_
#define INGEST_CLI_PLAN_UPLOAD_H_

#include <span>

#include "cli/commands.h"
#include "cli/options.h"

namespace ingest::cli {

// `opt` is `args` parsed with upload's option table `table` and has --plan. Returns the exit
// status: 2 for a usage error (an option the plan fixes, a PATH, a --shard that cannot be
// resolved: missing or out-of-range environment), 1 for a plan that cannot be read, else as
// a run of many tasks.
int RunPlannedUpload(Args args, const ParsedArgs& opt, std::span<const OptionSpec> table);

}  // namespace ingest::cli

#endif  // INGEST_CLI_PLAN_UPLOAD_H_
