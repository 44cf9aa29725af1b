// cvat-ingest manifest: write a CVAT image manifest from headers only, or check one.
#include <cstdio>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/options.h"
#include "cli/problems.h"
#include "cli/progress.h"
#include "cli/report.h"
#include "cli/selection_options.h"
#include "cli/video_manifest_command.h"
#include "engine/file_order.h"
#include "engine/scan_cache.h"
#include "engine/scanner.h"
#include "manifest/image_manifest.h"
#include "manifest/line_reader.h"
#include "manifest/manifest_check.h"
#include "manifest/manifest_reader.h"

namespace ingest::cli {
namespace {

constexpr OptionSpec kManifestOwnOptions[] = {
    {"output", "FILE", "where to write the manifest (written to a temp file, then renamed)", 'o'},
    {"sorting-method", "M",
     "lexicographical (default), natural, predefined or random: the order CVAT will use"},
    {"seed", "N", "seed for --sorting-method random (same seed, same order, any machine)"},
    {"order-from", "FILE",
     "with predefined: take the order from FILE (a manifest, or one name per line)"},
    {"check", "MANIFEST", "check MANIFEST against the files in PATH... as the CVAT server does"},
    {"checksum", "none|pixels",
     "pixels: add create.py's checksum key (md5 of the decoded pixels; decodes every image)"},
    {"force", "", "video: write the manifest even with too few usable key frames (as create.py)"},
    {"follow-symlinks", "", "descend into symlinked directories (loops are detected)"},
    {"workers", "N", "worker threads (default: all cores)"},
    {"cache", "FILE",
     "scan cache: unchanged files (size, mtime, inode) are not read again; FILE is rewritten"},
    {"progress", "auto|none", "progress line on a terminal (default auto)"},
    {"problems", "FILE", "write every problem (path, severity, code, message) as JSON lines"},
    {"verify", "", kVerifyHelp},
};
constexpr auto kManifestOptions = JoinOptions(kManifestOwnOptions, kSelectionOptions);

constexpr std::string_view kDescription =
    "Writes the CVAT manifest (.jsonl, version 1.1) of the images in PATH... from their\n"
    "headers only (no decoding), byte for byte as CVAT's utils/dataset_manifest/create.py\n"
    "writes it without its checksum key (with --checksum pixels, every image is decoded\n"
    "and the key is written too). A directory gives names relative to it; an\n"
    "archive gives its members (for uploading a zip with sorting 'predefined'). Images in\n"
    "related_images/ folders become meta.related_images of their frame.\n"
    "PATH a single video: its manifest (key frames found by decoding), as create.py VIDEO.\n"
    "With --check, validates MANIFEST against the files as the CVAT server does: the header\n"
    "lines, then line i must end with the i-th file's name+extension in the final order.\n"
    "Exit status: 0 ok, 1 failed (or the check found mismatches), 2 usage error,\n"
    "3 written but some files failed (each reported), 130 interrupted.";

// Prints the scan's problems grouped and capped (all of them to `problems_file` if given);
// counts the errors. False when `problems_file` cannot be written.
bool PrintProblems(const ScanResult& scan, const std::string& problems_file, size_t* errors) {
  ProblemList list;
  for (const ScanProblem& p : scan.problems) {
    list.AddScan(p);
    if (!p.warning) ++*errors;
  }
  std::string text = list.FormatGrouped("", problems_file);
  std::fwrite(text.data(), 1, text.size(), stderr);
  if (problems_file.empty()) return true;
  Status written = list.WriteJsonLines(problems_file);
  if (!written.ok()) RunError("manifest", written);
  return written.ok();
}

// Reads the predefined order: names from a manifest (name + extension) or lines of a list.
Result<std::vector<std::string>> ReadOrder(const std::string& path) {
  std::vector<std::string> names;
  if (path.ends_with(".jsonl")) {
    INGEST_ASSIGN_OR_RETURN(auto reader, manifest::ManifestReader::Open(path));
    if (reader->header().type != manifest::ManifestType::kImages) {
      return Status::InvalidArgument(path + ": not an image manifest");
    }
    manifest::ImageItem item;
    for (;;) {
      INGEST_ASSIGN_OR_RETURN(bool more, reader->Next(&item));
      if (!more) break;
      names.push_back(item.name + item.extension);
    }
    return names;
  }
  INGEST_ASSIGN_OR_RETURN(auto lines, manifest::LineReader::Open(path));
  std::string_view line;
  for (;;) {
    INGEST_ASSIGN_OR_RETURN(bool more, lines->Next(&line));
    if (!more) break;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) names.emplace_back(line);
  }
  return names;
}

// The error for sources without images: when they hold videos, how to get theirs (a video's
// manifest is its own file: one per video, as create.py VIDEO writes it).
Status NoImages(const ScanResult& scan, const Status& planned) {
  size_t videos = 0;
  std::string example;  // the first video by path (the scan's order is the workers')
  for (const FileRecord& f : scan.files) {
    if (f.kind == MediaKind::kImage) return planned;
    if (f.kind != MediaKind::kVideo) continue;
    std::string path = DisplayPath(scan, f);
    if (++videos == 1 || path < example) example = std::move(path);
  }
  if (videos == 0) return planned;
  return Status::NotFound(
      "no images found in the sources, but " + std::to_string(videos) +
      (videos == 1 ? " video" : " videos") +
      ": a video gets a manifest of its own, one per video; write it with 'cvat-ingest "
      "manifest VIDEO -o MANIFEST.jsonl' (e.g. cvat-ingest manifest " + example + " -o " +
      example.substr(0, example.rfind('.')) + ".jsonl)");
}

}  // namespace

int RunManifest(Args args) {
  Result<ParsedArgs> parsed = ParseArgs(args, kManifestOptions);
  if (!parsed) return UsageError("manifest", parsed.error());
  const ParsedArgs& opt = *parsed;
  if (opt.Has("help")) {
    PrintHelp("cvat-ingest manifest PATH... -o manifest.jsonl [--sorting-method M]\n"
              "       cvat-ingest manifest --check manifest.jsonl PATH... [--sorting-method M]\n"
              "       cvat-ingest manifest VIDEO -o manifest.jsonl [--force]",
              kDescription, kManifestOptions);
    return kExitOk;
  }
  bool check = opt.Has("check");
  if (opt.positional.empty()) return UsageError("manifest", Status::InvalidArgument("no PATH given"));
  if (IsSingleVideo(opt.positional)) return RunVideoManifest(opt);
  if (!check && !opt.Has("output")) {
    return UsageError("manifest", Status::InvalidArgument("-o FILE is required (or --check)"));
  }
  std::string checksum = opt.Get("checksum", "none");
  if (checksum != "none" && checksum != "pixels") {
    return UsageError("manifest", Status::InvalidArgument("--checksum: none or pixels"));
  }
  manifest::PlanOptions plan_options;
  Result<SortingMethod> method = ParseSortingMethod(opt.Get("sorting-method", "lexicographical"));
  if (!method) return UsageError("manifest", method.error());
  plan_options.sorting = *method;
  Result<uint64_t> seed = opt.GetUint("seed", 0);
  if (!seed) return UsageError("manifest", seed.error());
  plan_options.seed = *seed;
  if (opt.Has("order-from")) {
    if (plan_options.sorting != SortingMethod::kPredefined) {
      return UsageError("manifest", Status::InvalidArgument(
                                        "--order-from needs --sorting-method predefined"));
    }
    Result<std::vector<std::string>> order = ReadOrder(opt.Get("order-from"));
    if (!order) return RunError("manifest", order.error());
    plan_options.predefined_order = std::move(*order);
  }
  if (check && plan_options.sorting == SortingMethod::kPredefined &&
      plan_options.predefined_order.empty()) {
    // CVAT orders predefined uploads by the manifest itself.
    Result<std::vector<std::string>> order = ReadOrder(opt.Get("check"));
    if (!order) return RunError("manifest", order.error());
    plan_options.predefined_order = std::move(*order);
  }

  ScanOptions scan_options;
  scan_options.hash = false;  // the manifest needs headers only (and pixels for checksums)
  scan_options.pixel_checksum = checksum == "pixels";
  scan_options.follow_symlinks = opt.Has("follow-symlinks");
  scan_options.verify_pixels = opt.Has("verify");
  Result<uint64_t> workers = opt.GetUint("workers", 0);
  if (!workers) return UsageError("manifest", workers.error());
  scan_options.workers = static_cast<unsigned>(*workers);
  Result<FileSelection> selection = ReadSelection(opt);
  if (!selection) return UsageError("manifest", selection.error());
  scan_options.selection = &*selection;
  ScanCounters counters;
  scan_options.counters = &counters;
  scan_options.cancel = InstallInterruptFlag();

  // The scan cache: loaded before, rewritten after (a bad one is ignored with a warning).
  ScanCache cache;
  if (opt.Has("cache")) {
    std::string warning;
    cache = ScanCache::Load(opt.Get("cache"), ScanCacheOptionsOf(scan_options), &warning);
    if (!warning.empty()) std::fprintf(stderr, "warning: %s\n", warning.c_str());
    scan_options.cache = &cache;
  }
  Result<ScanResult> scan = [&] {
    ProgressLine progress(opt.Get("progress", "auto") != "none", [&] {
      return "reading headers: " + std::to_string(counters.files_done.load()) + " / " +
             std::to_string(counters.files_found.load()) + " files";
    });
    return Scan(opt.positional, scan_options);
  }();
  if (!scan) return RunError("manifest", scan.error());
  size_t errors = 0;
  if (!PrintProblems(*scan, opt.Get("problems"), &errors)) return kExitFailed;
  std::fputs(UnverifiedNote(scan->unverified).c_str(), stderr);
  if (opt.Has("cache") && cache.NeedsRewrite(*scan, counters.cache_hits.load())) {
    Status saved = ScanCache::Save(opt.Get("cache"), *scan, ScanCacheOptionsOf(scan_options));
    if (!saved.ok()) {
      std::fprintf(stderr, "warning: scan cache not written: %s\n", saved.message().c_str());
    }
  }

  Result<manifest::ImageManifestPlan> plan = manifest::PlanImageManifest(*scan, plan_options);
  if (!plan) return RunError("manifest", NoImages(*scan, plan.error()));

  if (check) {
    std::string path = opt.Get("check");
    std::vector<std::string> files = manifest::FrameNames(*scan, *plan);
    Result<manifest::CheckReport> report = manifest::CheckImageManifest(path, files, 10);
    if (!report) return RunError("manifest", report.error());
    if (!report->structure_error.empty()) {
      std::fprintf(stderr, "%s: invalid manifest: %s\n", path.c_str(),
                   report->structure_error.c_str());
      return kExitFailed;
    }
    for (const auto& m : report->mismatches) {
      if (m.line == 0) {
        std::fprintf(stderr, "%s: frame %zu (%s): no manifest line for it\n", path.c_str(),
                     m.index, m.file.c_str());
      } else if (m.file.empty()) {
        std::fprintf(stderr, "%s:%zu: frame %zu '%s': no file for it\n", path.c_str(), m.line,
                     m.index, m.expected_suffix.c_str());
      } else {
        std::fprintf(stderr, "%s:%zu: frame %zu is '%s', which does not end with '%s'\n",
                     path.c_str(), m.line, m.index, m.file.c_str(), m.expected_suffix.c_str());
      }
    }
    if (!report->ok()) {
      std::fprintf(stderr,
                   "%s: %zu mismatch%s (%zu lines, %zu files, sorting %s): CVAT would answer "
                   "\"Incorrect file mapping to manifest content\"\n",
                   path.c_str(), report->mismatch_count,
                   report->mismatch_count == 1 ? "" : "es", report->entries, report->files,
                   std::string(SortingMethodName(plan_options.sorting)).c_str());
      return kExitFailed;
    }
    std::printf("%s: ok (%zu images, sorting %s)\n", path.c_str(), report->entries,
                std::string(SortingMethodName(plan_options.sorting)).c_str());
    return errors ? kExitPartial : kExitOk;
  }

  std::string out = opt.Get("output");
  Status written = manifest::WriteImageManifest(out, *scan, *plan);
  if (!written.ok()) return RunError("manifest", written);
  std::string from_cache;
  if (opt.Has("cache")) {
    from_cache = ", " + std::to_string(counters.cache_hits.load()) + " of " +
                 std::to_string(scan->files.size()) + " files from the scan cache";
  }
  std::fprintf(stderr, "wrote %s: %zu images (sorting %s%s)%s\n", out.c_str(),
               plan->frames.size(), std::string(SortingMethodName(plan_options.sorting)).c_str(),
               from_cache.c_str(), errors ? "; some files failed, see above" : "");
  if (WasInterrupted()) return kExitInterrupted;
  return errors ? kExitPartial : kExitOk;
}

}  // namespace ingest::cli
