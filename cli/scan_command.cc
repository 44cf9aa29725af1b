// cvat-ingest scan: what the sources hold, and every problem found.
#include <array>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/options.h"
#include "cli/problems.h"
#include "cli/progress.h"
#include "cli/report.h"
#include "cli/selection_options.h"
#include "engine/scan_cache.h"
#include "engine/scanner.h"
#include "manifest/jsonl_encoder.h"

namespace ingest::cli {
namespace {

constexpr OptionSpec kScanOwnOptions[] = {
    {"json", "", "print one JSON document instead of the human-readable report"},
    {"list", "", "also list every file (path, kind, size, width x height, XXH3-128)"},
    {"no-hash", "", "do not hash file contents (faster; no change detection)"},
    {"no-probe", "", "do not read image headers"},
    {"follow-symlinks", "", "descend into symlinked directories (loops are detected)"},
    {"workers", "N", "worker threads (default: all cores)"},
    {"cache", "FILE",
     "scan cache: unchanged files (size, mtime, inode) are not read again; FILE is rewritten"},
    {"progress", "auto|none", "progress line on a terminal (default auto)"},
    {"problems", "FILE", "write every problem (path, severity, code, message) as JSON lines"},
    {"verify", "", kVerifyHelp},
};
constexpr auto kScanOptions = JoinOptions(kScanOwnOptions, kSelectionOptions);

struct KindTotals {
  uint64_t files = 0;
  uint64_t bytes = 0;
};

void AppendKey(std::string_view key, std::string* out) {
  manifest::AppendJsonString(key, out);
  out->push_back(':');
}

std::string SourceTypeName(ScanSource::Type t) {
  switch (t) {
    case ScanSource::Type::kDirectory: return "directory";
    case ScanSource::Type::kArchive: return "archive";
    case ScanSource::Type::kFile: return "file";
  }
  return "file";
}

// The scan's problems, duplicate base names last among its warnings' causes.
ProblemList ScanProblems(const ScanResult& scan,
                         const std::vector<std::vector<std::string>>& dups) {
  ProblemList list;
  for (const ScanProblem& p : scan.problems) list.AddScan(p);
  for (const auto& group : dups) {
    std::string message = "duplicate base name (CVAT keeps base names only):";
    for (const std::string& path : group) message += " " + path;
    list.Add(Problem{group.front(), "warning", "InvalidArgument", std::move(message)});
  }
  return list;
}

}  // namespace

int RunScan(Args args) {
  Result<ParsedArgs> parsed = ParseArgs(args, kScanOptions);
  if (!parsed) return UsageError("scan", parsed.error());
  if (parsed->Has("help")) {
    PrintHelp("cvat-ingest scan PATH... [--json] [--list]",
              "Lists what directories, archives and files hold: counts and bytes per kind\n"
              "(image, video, archive, manifest, other) and every problem found (unreadable\n"
              "file, corrupt image, broken archive, non-UTF-8 name, empty file, duplicate\n"
              "base name, file over 25 GiB). Archive members are read in place.\n"
              "Exit status: 0 no errors (warnings allowed), 1 a source could not be read,\n"
              "2 usage error, 3 some files have errors, 130 interrupted.",
              kScanOptions);
    return kExitOk;
  }
  if (parsed->positional.empty()) {
    return UsageError("scan", Status::InvalidArgument("no PATH given"));
  }
  ScanOptions options;
  options.hash = !parsed->Has("no-hash");
  options.probe_images = !parsed->Has("no-probe");
  options.follow_symlinks = parsed->Has("follow-symlinks");
  options.verify_pixels = parsed->Has("verify");
  Result<uint64_t> workers = parsed->GetUint("workers", 0);
  if (!workers) return UsageError("scan", workers.error());
  options.workers = static_cast<unsigned>(*workers);
  Result<FileSelection> selection = ReadSelection(*parsed);
  if (!selection) return UsageError("scan", selection.error());
  options.selection = &*selection;
  ScanCounters counters;
  options.counters = &counters;
  options.cancel = InstallInterruptFlag();

  // The scan cache: loaded before, rewritten after (a bad one is ignored with a warning).
  ScanCache cache;
  if (parsed->Has("cache")) {
    std::string warning;
    cache = ScanCache::Load(parsed->Get("cache"), ScanCacheOptionsOf(options), &warning);
    if (!warning.empty()) std::fprintf(stderr, "warning: %s\n", warning.c_str());
    options.cache = &cache;
  }

  Result<ScanResult> result = [&] {
    ProgressLine progress(parsed->Get("progress", "auto") != "none", [&] {
      return "scanning: " + std::to_string(counters.files_done.load()) + " / " +
             std::to_string(counters.files_found.load()) + " files, " +
             FormatBytes(counters.bytes_done.load());
    });
    return Scan(parsed->positional, options);
  }();
  if (!result) return RunError("scan", result.error());
  const ScanResult& scan = *result;
  if (parsed->Has("cache") && cache.NeedsRewrite(scan, counters.cache_hits.load())) {
    Status saved = ScanCache::Save(parsed->Get("cache"), scan, ScanCacheOptionsOf(options));
    if (!saved.ok()) {
      std::fprintf(stderr, "warning: scan cache not written: %s\n", saved.message().c_str());
    }
  }

  std::array<KindTotals, kMediaKindCount> kinds{};
  KindTotals total;
  for (const FileRecord& f : scan.files) {
    KindTotals& k = kinds[static_cast<size_t>(f.kind)];
    ++k.files;
    k.bytes += f.size;
    ++total.files;
    total.bytes += f.size;
  }
  std::vector<std::vector<std::string>> dups = DuplicateBaseNames(scan);
  size_t errors = 0, warnings = dups.size();
  for (const ScanProblem& p : scan.problems) (p.warning ? warnings : errors)++;

  bool json = parsed->Has("json");
  bool list = parsed->Has("list");
  std::string out;
  if (json) {
    out += "{\"sources\":[";
    for (size_t i = 0; i < scan.sources.size(); ++i) {
      if (i) out += ',';
      out += '{';
      AppendKey("path", &out);
      manifest::AppendJsonString(scan.sources[i].path, &out);
      out += ",\"type\":\"" + SourceTypeName(scan.sources[i].type) + "\"}";
    }
    out += "],\"kinds\":{";
    for (int k = 0; k < kMediaKindCount; ++k) {
      if (k) out += ',';
      AppendKey(MediaKindName(static_cast<MediaKind>(k)), &out);
      out += "{\"files\":" + std::to_string(kinds[static_cast<size_t>(k)].files) +
             ",\"bytes\":" + std::to_string(kinds[static_cast<size_t>(k)].bytes) + "}";
    }
    out += "},\"total\":{\"files\":" + std::to_string(total.files) +
           ",\"bytes\":" + std::to_string(total.bytes) + "}";
    if (!selection->empty()) out += ",\"filtered_out\":" + std::to_string(scan.filtered_out);
    if (options.verify_pixels) out += ",\"unverified\":" + std::to_string(scan.unverified);
    out += ",\"errors\":" + std::to_string(errors) + ",\"warnings\":" + std::to_string(warnings);
    out += ",\"problems\":[";
    for (size_t i = 0; i < scan.problems.size(); ++i) {
      const ScanProblem& p = scan.problems[i];
      if (i) out += ',';
      out += "{\"path\":";
      manifest::AppendJsonString(p.path, &out);
      out += ",\"severity\":\"";
      out += p.warning ? "warning" : "error";
      out += "\",\"code\":";
      manifest::AppendJsonString(CodeName(p.status.code()), &out);
      out += ",\"message\":";
      manifest::AppendJsonString(p.status.message(), &out);
      out += '}';
    }
    out += "],\"duplicate_basenames\":[";
    for (size_t i = 0; i < dups.size(); ++i) {
      if (i) out += ',';
      out += '[';
      for (size_t j = 0; j < dups[i].size(); ++j) {
        if (j) out += ',';
        manifest::AppendJsonString(dups[i][j], &out);
      }
      out += ']';
    }
    out += ']';
    if (list) {
      out += ",\"files\":[";
      for (size_t i = 0; i < scan.files.size(); ++i) {
        const FileRecord& f = scan.files[i];
        if (i) out += ',';
        out += "{\"path\":";
        manifest::AppendJsonString(DisplayPath(scan, f), &out);
        out += ",\"kind\":\"" + std::string(MediaKindName(f.kind)) + "\"";
        out += ",\"size\":" + std::to_string(f.size);
        if (f.width && f.kind == MediaKind::kVideo) {
          char video[96];
          std::snprintf(video, sizeof(video),
                        ",\"width\":%u,\"height\":%u,\"frames\":%u,\"duration\":%.3f", f.width,
                        f.height, f.frame_count, static_cast<double>(f.duration));
          out += video;
        } else if (f.width) {
          out += ",\"width\":" + std::to_string(f.width) + ",\"height\":" +
                 std::to_string(f.height) + ",\"orientation\":" + std::to_string(f.orientation);
        }
        if (!f.hash.empty()) out += ",\"xxh3_128\":\"" + ToHex(f.hash) + "\"";
        out += '}';
      }
      out += ']';
    }
    out += "}\n";
  } else {
    char line[256];
    std::snprintf(line, sizeof(line), "%-10s %10s %12s\n", "kind", "files", "bytes");
    out += line;
    for (int k = 0; k < kMediaKindCount; ++k) {
      const KindTotals& t = kinds[static_cast<size_t>(k)];
      std::string name(MediaKindName(static_cast<MediaKind>(k)));
      std::snprintf(line, sizeof(line), "%-10s %10llu %12s\n", name.c_str(),
                    static_cast<unsigned long long>(t.files), FormatBytes(t.bytes).c_str());
      out += line;
    }
    std::snprintf(line, sizeof(line), "%-10s %10llu %12s\n", "total",
                  static_cast<unsigned long long>(total.files), FormatBytes(total.bytes).c_str());
    out += line;
    if (!selection->empty()) {
      std::snprintf(line, sizeof(line), "left out by the file selection: %llu file%s\n",
                    static_cast<unsigned long long>(scan.filtered_out),
                    scan.filtered_out == 1 ? "" : "s");
      out += line;
    }
    if (list) {
      out += "\nfiles:\n";
      for (const FileRecord& f : scan.files) {
        out += "  " + DisplayPath(scan, f) + "  " + std::string(MediaKindName(f.kind)) + "  " +
               std::to_string(f.size);
        if (f.width) out += "  " + std::to_string(f.width) + "x" + std::to_string(f.height);
        if (f.frame_count) out += "  " + std::to_string(f.frame_count) + " frames";
        if (!f.hash.empty()) out += "  " + ToHex(f.hash);
        out += '\n';
      }
    }
    std::snprintf(line, sizeof(line), "\nproblems: %zu error%s, %zu warning%s\n", errors,
                  errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s");
    out += line;
    out += ScanProblems(scan, dups).FormatGrouped("  ", parsed->Get("problems"));
    out += UnverifiedNote(scan.unverified);
  }
  if (parsed->Has("problems")) {
    if (Status s = ScanProblems(scan, dups).WriteJsonLines(parsed->Get("problems")); !s.ok()) {
      return RunError("scan", s);
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  if (WasInterrupted()) return kExitInterrupted;
  return errors ? kExitPartial : kExitOk;
}

}  // namespace ingest::cli
