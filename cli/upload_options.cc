// upload's options turned into an UploadJob and RunOptions (shared by upload and plan).
#include "cli/upload_options.h"

#include <filesystem>
#include <optional>
#include <tuple>

#include "cli/credentials.h"
#include "cli/selection_options.h"
#include "cli/task_fields.h"
#include "engine/file_order.h"
#include "engine/media_kind.h"

namespace ingest::cli {
namespace {

Status Usage(const std::string& msg) { return Status::InvalidArgument(msg); }

Result<std::optional<int64_t>> OptInt(const ParsedArgs& a, std::string_view name) {
  if (!a.Has(name)) return std::optional<int64_t>();
  INGEST_ASSIGN_OR_RETURN(uint64_t v, a.GetUint(name, 0));
  return std::optional<int64_t>(static_cast<int64_t>(v));
}

// --labels and --job-file-mapping: the JSON itself (a plan's), or read from the file named.
Result<std::string> JsonOption(const ParsedArgs& opt, std::string_view name, bool inline_files) {
  std::string value = opt.Get(name);
  if (inline_files) return value;
  if (name == "labels" && !value.starts_with("@")) return value;
  std::string path = name == "labels" ? value.substr(1) : value;
  Result<std::string> text = ReadWholeFile(path);
  if (!text) return Usage("--" + std::string(name) + ": " + text.error().message());
  return name == "labels" ? *text : Trim(*text);
}

// The task's and the data request's options.
Status ReadTaskAndData(const ParsedArgs& opt, bool inline_files, upload::UploadJob* job) {
  upload::TaskSpec& spec = job->task;
  upload::DataOptions& data = job->data;
  spec.name = opt.Get("create");
  if (opt.Has("labels")) {
    INGEST_ASSIGN_OR_RETURN(std::string labels, JsonOption(opt, "labels", inline_files));
    spec.labels_json = labels;
  }
  Result<uint64_t> quality = opt.GetUint("image-quality", 70);
  if (!quality || *quality > 100) return Usage("--image-quality: 0 to 100");
  data.image_quality = static_cast<int>(*quality);
  for (auto [name, field] :
       {std::pair{"project-id", &spec.project_id}, std::pair{"segment-size", &spec.segment_size},
        std::pair{"overlap", &spec.overlap}, std::pair{"chunk-size", &data.chunk_size},
        std::pair{"start-frame", &data.start_frame}, std::pair{"stop-frame", &data.stop_frame},
        std::pair{"frame-step", &data.frame_step}}) {
    INGEST_ASSIGN_OR_RETURN(*field, OptInt(opt, name));
  }
  // use_cache is on unless --no-use-cache (README: "use_cache: what it changes").
  if (opt.Has("use-cache") && opt.Has("no-use-cache")) {
    return Usage("--use-cache and --no-use-cache: one or the other");
  }
  // Without use_cache CVAT (2.4.6 to 2.19) takes a manifest only with predefined sorting:
  // the client sends predefined with every manifest (upload_job.cc), so no refusal here.
  data.use_cache = !opt.Has("no-use-cache");
  if (opt.Has("copy-data")) data.copy_data = true;
  if (opt.Has("use-zip-chunks")) data.use_zip_chunks = true;
  data.filename_pattern = opt.Get("filename-pattern");
  if (opt.Has("job-file-mapping")) {
    INGEST_ASSIGN_OR_RETURN(data.job_file_mapping_json,
                            JsonOption(opt, "job-file-mapping", inline_files));
  }
  if (opt.Has("create")) {
    INGEST_RETURN_IF_ERROR(upload::BuildTaskBody(spec).status());
  }
  return Status();
}

// --annotations FILE|TEMPLATE and --annotations-format NAME (cvat-cli's --annotation_path and
// --annotation_format, with its default format).
Status ReadAnnotations(const ParsedArgs& opt, bool units, upload::UploadJob* job) {
  if (!opt.Has("annotations")) {
    if (opt.Has("annotations-format")) return Usage("--annotations-format needs --annotations FILE");
    return Status();
  }
  upload::AnnotationSpec spec;
  spec.path = opt.Get("annotations");
  spec.format = opt.Get("annotations-format", upload::kDefaultAnnotationFormat);
  if (spec.path.empty()) return Usage("--annotations: a file (or a {name}-style template)");
  if (spec.format.empty()) return Usage("--annotations-format: a format name (\"COCO 1.0\")");
  if (upload::IsAnnotationTemplate(spec.path) && !units) {
    return Usage("--annotations '" + spec.path + "' is a template, which only a run of many "
                 "tasks fills (--task-per, --split-every); one task takes one file");
  }
  job->annotations = std::move(spec);
  return Status();
}

// Sorting, sizes, connections, retries: the plan's and the transfer's options.
Status ReadPlanAndTransfer(const ParsedArgs& opt, upload::UploadJob* job) {
  upload::UploadPlanOptions& plan = job->plan;
  upload::TransferOptions& transfer = job->transfer;
  INGEST_ASSIGN_OR_RETURN(plan.sorting,
                          ParseSortingMethod(opt.Get("sorting-method", "lexicographical")));
  INGEST_ASSIGN_OR_RETURN(plan.seed, opt.GetUint("seed", 0));
  for (auto [name, field, fallback] :
       {std::tuple{"tus-chunk", &transfer.tus_chunk, uint64_t{64} << 20},
        std::tuple{"batch", &plan.batch_bytes, uint64_t{32} << 20},
        std::tuple{"tus-threshold", &plan.tus_threshold, uint64_t{8} << 20}}) {
    if (!opt.Has(name)) {
      *field = fallback;
      continue;
    }
    Result<uint64_t> size = ParseSize(opt.Get(name));
    if (!size || *size == 0) return Usage(std::string("--") + name + ": a size like 32MiB");
    *field = *size;
  }
  if (transfer.tus_chunk > (100ull << 20))
    return Usage("--tus-chunk: at most 100MiB (CVAT's limit)");
  Result<uint64_t> connections = opt.GetUint("connections", 8);
  if (!connections || *connections == 0 || *connections > 256) {
    return Usage("--connections: 1 to 256");
  }
  transfer.connections = static_cast<int>(*connections);
  INGEST_ASSIGN_OR_RETURN(uint64_t retries, opt.GetUint("retries", 5));
  transfer.retries = static_cast<int>(retries);
  transfer.image_quality = job->data.image_quality;
  INGEST_RETURN_IF_ERROR(ReadConnectionOptions(opt, &transfer.connection));
  job->manifest_mode = opt.Get("manifest", "auto");
  if (std::string pack = opt.Get("pack", "auto"); pack == "zip") {
    plan.pack = upload::PackMode::kZip;
  } else if (pack == "none") {
    plan.pack = upload::PackMode::kNone;
  } else if (pack != "auto") {
    return Usage("--pack takes auto, zip or none, not '" + pack + "'");
  }
  return Status();
}

}  // namespace

Status ReadUploadSettings(const ParsedArgs& opt, bool inline_files, UploadSettings* s) {
  upload::UploadJob& job = s->job;
  INGEST_RETURN_IF_ERROR(ReadTaskAndData(opt, inline_files, &job));
  INGEST_RETURN_IF_ERROR(ReadPlanAndTransfer(opt, &job));
  s->progress_mode = opt.Get("progress", "auto");
  if (s->progress_mode != "auto" && s->progress_mode != "bar" && s->progress_mode != "json" &&
      s->progress_mode != "none") {
    return Usage("--progress: auto, bar, json or none");
  }
  job.scan.follow_symlinks = opt.Has("follow-symlinks");
  job.scan.verify_pixels = opt.Has("verify");
  INGEST_ASSIGN_OR_RETURN(uint64_t workers, opt.GetUint("workers", 0));
  job.scan.workers = static_cast<unsigned>(workers);
  job.dry_run = opt.Has("dry-run");
  job.extract = opt.Has("extract");
  job.skip_bad = opt.Has("skip-bad");
  INGEST_ASSIGN_OR_RETURN(FileSelection selection, ReadSelection(opt));
  s->selection = std::make_unique<FileSelection>(std::move(selection));
  job.scan.selection = s->selection.get();
  // Another selection is another upload: its own journal.
  s->selection_key = s->selection->empty() ? "" : "\n" + s->selection->Describe();
  job.allow_changed = opt.Has("allow-changed");
  upload::RunOptions& run = s->run;
  if (opt.Has("task-per")) {
    INGEST_ASSIGN_OR_RETURN(run.units.per, upload::ParseTaskPer(opt.Get("task-per")));
  }
  Result<uint64_t> split = opt.GetUint("split-every", 0);
  if (!split || (opt.Has("split-every") && *split == 0)) return Usage("--split-every: N >= 1");
  run.units.split_every = *split;
  Result<uint64_t> parallel = opt.GetUint("parallel-tasks", 4);
  if (!parallel || *parallel == 0 || *parallel > 64) return Usage("--parallel-tasks: 1 to 64");
  run.parallel_tasks = static_cast<int>(*parallel);
  job.skip_existing = opt.Has("skip-existing");
  INGEST_RETURN_IF_ERROR(ReadAnnotations(opt, upload::UsesTemplate(run.units), &job));
  return ReadTaskFields(opt, opt.Has("sorting-method") || opt.Has("seed"),
                        upload::UsesTemplate(run.units), &job.task, &job.data);
}

Status CheckSelectionFits(const FileSelection& selection, const upload::UploadJob& job) {
  if (selection.empty() || job.extract) return Status();
  for (const std::string& source : job.sources) {
    std::error_code ec;
    if (ClassifyName(source) == MediaKind::kArchive &&
        std::filesystem::is_regular_file(source, ec)) {
      return Status::InvalidArgument(
          source +
          " goes up whole, so --include, --exclude and --files-from cannot choose its "
          "members: add --extract to send the chosen members as files");
    }
  }
  return Status();
}

Result<std::vector<std::pair<std::string, std::string>>> PlanOptionsOf(const ParsedArgs& opt) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const OptionSpec& spec : kRunPlanOptions) {
    if (!opt.Has(spec.name)) continue;
    std::string value;
    if (spec.name == "labels" || spec.name == "job-file-mapping") {
      INGEST_ASSIGN_OR_RETURN(value, JsonOption(opt, spec.name, false));
    } else if (!spec.value.empty()) {
      value = opt.Get(spec.name);
    }
    out.emplace_back(std::string(spec.name), std::move(value));
  }
  return out;
}

}  // namespace ingest::cli
