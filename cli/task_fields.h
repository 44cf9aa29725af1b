// The task and data fields of `upload` beyond files and order (upload/task_options.h):
// quality control, consensus, subset, bug tracker, storages; and the refusal of the options
// that only mean something for server-side sources.
#ifndef INGEST_CLI_TASK_FIELDS_H_
#define INGEST_CLI_TASK_FIELDS_H_

#include "cli/options.h"
#include "engine/status.h"
#include "upload/uploader.h"

namespace ingest::cli {

inline constexpr OptionSpec kTaskFieldOptions[] = {
    {"validation-mode", "gt|gt_pool", "quality control: a Ground Truth job (gt) or honeypots "
                                      "(gt_pool: CVAT's own random order, no manifest)"},
    {"validation-method", "M", "validation frames: random_uniform, random_per_job or manual"},
    {"validation-frames", "N", "random_uniform: this many validation frames"},
    {"validation-share", "F", "random_uniform: this share (0-1) of the frames"},
    {"validation-per-job", "N", "random_per_job, gt_pool: validation frames per job"},
    {"validation-per-job-share", "F", "random_per_job, gt_pool: this share (0-1) per job"},
    {"validation-seed", "N", "seed of CVAT's random validation frame choice"},
    {"validation-frame-list", "@FILE|A,B", "manual: the validation frames' file names"},
    {"consensus-replicas", "N", "consensus replica jobs per job: 0, or 2 to 11"},
    {"subset", "NAME", "the task's subset in its project (Train, Test, Validation, ...)"},
    {"bug-tracker", "URL", "the task's bug tracker link"},
    {"source-storage", "S", "where annotations are imported from: local or cloud_storage:ID"},
    {"target-storage", "S", "where annotations are exported to: local or cloud_storage:ID"},
};

// Reads the options above into `spec` and `data` and checks them as CVAT would (with the
// segment size and overlap already in `spec`). `sorting_given`: --sorting-method or --seed
// was given (honeypots take CVAT's own random order instead). `units`: the run makes more
// than one task. Also refuses --copy-data and --filename-pattern, which CVAT applies to
// server-side sources only. InvalidArgument naming the option.
Status ReadTaskFields(const ParsedArgs& opt, bool sorting_given, bool units,
                      upload::TaskSpec* spec, upload::DataOptions* data);

}  // namespace ingest::cli

#endif  // INGEST_CLI_TASK_FIELDS_H_
