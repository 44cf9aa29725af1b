// upload's options, shared by `upload` and `plan`: which of them a run's plan fixes (the task
// template and the task's settings, the data request, sorting, packing, grouping: what every
// shard must agree on) and which each host chooses (server, connections, journal, progress).
#ifndef INGEST_CLI_UPLOAD_OPTIONS_H_
#define INGEST_CLI_UPLOAD_OPTIONS_H_

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/options.h"
#include "engine/file_selection.h"
#include "upload/upload_job.h"
#include "upload/upload_run.h"

namespace ingest::cli {

// The options a plan fixes (in `upload`'s help order).
inline constexpr OptionSpec kRunPlanOptions[] = {
    {"create", "NAME", "create a task with this name (a template with --task-per/--split-every)"},
    {"labels", "JSON|@FILE", "labels of the new task, a JSON list"},
    {"project-id", "N", "put the new task in this project (instead of --labels)"},
    {"segment-size", "N", "frames per job of the new task"},
    {"overlap", "N", "frames shared by neighbouring jobs"},
    {"image-quality", "Q", "0-100, CVAT's image quality for chunks (default 70)"},
    {"sorting-method", "M", "lexicographical (default), natural, predefined or random"},
    {"seed", "N", "seed for --sorting-method random"},
    {"use-cache", "",
     "use_cache true: chunks made when first viewed (the default, as the web UI)"},
    {"no-use-cache", "", "use_cache false: CVAT makes every chunk before the task is ready"},
    {"copy-data", "", "copy_data (server-side sources only: refused for local files)"},
    {"use-zip-chunks", "", "use_zip_chunks (video)"},
    {"chunk-size", "N", "CVAT's frames per chunk"},
    {"start-frame", "N", "start_frame"},
    {"stop-frame", "N", "stop_frame"},
    {"frame-step", "N", "keep every N-th frame (frame_filter step=N)"},
    {"job-file-mapping", "FILE", "JSON list of lists of file names, one list per job"},
    {"filename-pattern", "P", "filename_pattern (cloud storage only: refused for local files)"},
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
    {"assignee", "USER", "assign the new task(s) to this username (its id is looked up through "
                         "/api/users before anything is created)"},
    {"source-storage", "S", "where annotations are imported from: local or cloud_storage:ID"},
    {"target-storage", "S", "where annotations are exported to: local or cloud_storage:ID"},
    {"annotations", "FILE|TEMPLATE",
     "import this annotation file once the task is ready (a template such as "
     "'labels/{name}.json' picks one per task in a run of many)"},
    {"annotations-format", "NAME",
     "the annotation file's format, one the server imports (default 'CVAT 1.1')"},
    {"manifest", "auto|none|FILE", "send a manifest in the final order (default auto)"},
    {"extract", "", "send an archive's images as individual files, streamed out of it"},
    {"pack", "auto|zip|none",
     "send the images as one zip generated on the fly, keeping the "
     "folders (auto, the default: when base names clash)"},
    {"batch", "SIZE", "Upload-Multiple batch size; smaller files are batched (default 32MiB)"},
    {"tus-threshold", "SIZE", "files of this size or more go through TUS (default 8MiB)"},
    {"task-per", "video|folder|archive|file",
     "a run of many tasks: one task per video, folder, "
     "archive or file (--create is then a template); also of --share, --remote (file) and "
     "--cloud-storage-id (folder, file) files"},
    {"split-every", "N", "at most N frames per task (images, in the final order)"},
    {"skip-bad", "",
     "leave out files that cannot be read or probed (each listed, exit status 3) instead of "
     "refusing the upload; clashing base names are still refused"},
    {"workers", "N", "scan worker threads (default: all cores)"},
    {"follow-symlinks", "", "descend into symlinked directories"},
};

// What upload's options say, but the server, the credentials, the sources and --task.
struct UploadSettings {
  upload::UploadJob job;
  upload::RunOptions run;
  std::string progress_mode = "auto";
  std::unique_ptr<FileSelection> selection;  // job.scan.selection points here
  std::string selection_key;  // "" or "\n" + the selection's description (journal keys)
};

// Fills `s` from `opt`. With `inline_files`, --labels and --job-file-mapping hold the JSON
// itself (as a plan records them), not @FILE or FILE. InvalidArgument (a usage error), or
// IoError when a file an option names cannot be read.
Status ReadUploadSettings(const ParsedArgs& opt, bool inline_files, UploadSettings* s);

// An archive named as a source goes up whole unless --extract: a selection cannot choose its
// members then, and would silently not apply. InvalidArgument saying so.
Status CheckSelectionFits(const FileSelection& selection, const upload::UploadJob& job);

// The plan-fixed options given in `opt`, by name, as a plan records them: flags as "",
// --labels @FILE and --job-file-mapping FILE as the file's JSON. IoError naming an unreadable
// file.
Result<std::vector<std::pair<std::string, std::string>>> PlanOptionsOf(const ParsedArgs& opt);

}  // namespace ingest::cli

#endif  // INGEST_CLI_UPLOAD_OPTIONS_H_
