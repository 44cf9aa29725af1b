// The task and data fields of `upload` beyond files and order (upload/task_options.h):
// quality control, consensus, subset, bug tracker, storages; and the refusal of the options
// that only mean something for server-side sources.
#ifndef INGEST_CLI_TASK_FIELDS_H_
#define INGEST_CLI_TASK_FIELDS_H_

#include "cli/options.h"
#include "engine/status.h"
#include "upload/uploader.h"

namespace ingest::cli {

// Their options are among the plan-fixed ones (kRunPlanOptions, cli/upload_options.h).


// Reads the options above into `spec` and `data` and checks them as CVAT would (with the
// segment size and overlap already in `spec`). `sorting_given`: --sorting-method or --seed
// was given (honeypots take CVAT's own random order instead). `units`: the run makes more
// than one task. Also refuses --copy-data and --filename-pattern, which CVAT applies to
// server-side sources only. InvalidArgument naming the option.
Status ReadTaskFields(const ParsedArgs& opt, bool sorting_given, bool units,
                      upload::TaskSpec* spec, upload::DataOptions* data);

}  // namespace ingest::cli

#endif  // INGEST_CLI_TASK_FIELDS_H_
