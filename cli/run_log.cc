#include "cli/run_log.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <system_error>
#include <vector>

#include "cli/options.h"
#include "cli/problems.h"
#include "cli/report.h"
#include "cli/run_record.h"
#include "engine/status.h"
#include "manifest/line_reader.h"
#include "upload/journal.h"

namespace ingest::cli {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kJournalExt = ".journal";

std::string KeyOf(const std::string& journal) {
  std::string name = fs::path(journal).filename().string();
  if (name.ends_with(kJournalExt)) name.resize(name.size() - kJournalExt.size());
  return name;
}

std::string UtcNow() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void RemoveJournalFiles(const std::string& journal) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm", ".manifest.jsonl"}) {
    fs::remove(journal + suffix, ec);
  }
}

// A journal set aside by --fresh (*.retired-TIME), by a failed task (*.failed) or by a task
// that was gone (*.gone); their WAL, shared memory and manifest files go with them.
bool SetAside(const std::string& name) {
  return name.find(".journal.retired-") != std::string::npos ||
         name.find(".journal.failed") != std::string::npos ||
         name.find(".journal.gone") != std::string::npos;
}

// True when the journal at `path` (a single task's, or a run's folder) is done.
bool Finished(const std::string& path) {
  if (IsRunDir(path)) return IsRunDone(path);
  Result<std::unique_ptr<upload::Journal>> j = upload::Journal::Open(path);
  return j && (*j)->header().state == upload::JobState::kDone;
}

}  // namespace

std::string RunLogPath(const std::string& journal) {
  fs::path dir = fs::path(journal).parent_path();
  return (dir.empty() ? fs::path(".") : dir).string() + "/runs.log";
}

Status RetireFinishedJournal(const std::string& journal, const FinishedUpload& done) {
  const std::string log = RunLogPath(journal);
  std::string line = UtcNow() + " done " + KeyOf(journal) + ": task " +
                     std::to_string(done.task_id) + " '" + done.task_name + "' on " +
                     done.server + ", " + WithCommas(done.files) +
                     (done.files == 1 ? " file, " : " files, ") + FormatBytes(done.bytes) + "\n";
  std::FILE* f = std::fopen(log.c_str(), "a");
  if (f == nullptr) return FromErrno("open " + log, errno);
  const bool written = std::fwrite(line.data(), 1, line.size(), f) == line.size();
  if (std::fclose(f) != 0 || !written) return FromErrno("write " + log, errno);
  RemoveJournalFiles(journal);
  return Status();
}

std::optional<std::string> FinishedLine(const std::string& journal) {
  Result<std::unique_ptr<manifest::LineReader>> lines =
      manifest::LineReader::Open(RunLogPath(journal));
  if (!lines) return std::nullopt;
  const std::string tag = " done " + KeyOf(journal) + ": ";
  std::optional<std::string> found;
  std::string_view line;
  while (true) {
    Result<bool> more = (*lines)->Next(&line);
    if (!more || !*more) break;
    if (line.find(tag) != std::string_view::npos) found = std::string(line);
  }
  return found;
}

Result<int64_t> ParseAge(std::string_view text) {
  int64_t unit = 1;
  std::string_view digits = text;
  if (!text.empty()) {
    switch (text.back()) {
      case 'd': unit = 86400; break;
      case 'h': unit = 3600; break;
      case 'm': unit = 60; break;
      case 's': unit = 1; break;
      default: unit = 0; break;
    }
    if (unit != 0) digits.remove_suffix(1);
  }
  if (unit == 0) unit = 1;
  int64_t n = 0;
  if (digits.empty() || digits.size() > 9) {
    return Status::InvalidArgument("--older-than: a number and d, h, m or s, like 7d, not '" +
                                   std::string(text) + "'");
  }
  for (char c : digits) {
    if (c < '0' || c > '9') {
      return Status::InvalidArgument("--older-than: a number and d, h, m or s, like 7d, not '" +
                                     std::string(text) + "'");
    }
    n = n * 10 + (c - '0');
  }
  return n * unit;
}

void PruneJournals(const std::string& dir, std::optional<int64_t> older_than) {
  std::vector<fs::path> entries;
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    entries.push_back(it->path());
  }
  std::sort(entries.begin(), entries.end());
  const auto now = fs::file_time_type::clock::now();
  size_t removed = 0;
  for (const fs::path& p : entries) {
    const std::string path = p.string();
    const std::string name = p.filename().string();
    const bool journal = p.extension() == kJournalExt || p.extension() == ".run";
    if (!journal && !(SetAside(name) && !name.ends_with("-wal") && !name.ends_with("-shm") &&
                      !name.ends_with(".manifest.jsonl"))) {
      continue;
    }
    std::error_code tec;
    const auto changed = fs::last_write_time(p, tec);
    const bool old =
        !tec && older_than &&
        std::chrono::duration_cast<std::chrono::seconds>(now - changed).count() >= *older_than;
    if (older_than && !old) continue;
    if (journal && !old && !Finished(path)) continue;
    if (fs::is_directory(p, tec)) {
      fs::remove_all(p, tec);
    } else {
      RemoveJournalFiles(path);
    }
    std::fprintf(stderr, "pruned %s\n", path.c_str());
    ++removed;
  }
  std::fprintf(stderr, "%zu journal%s pruned from %s%s\n", removed, removed == 1 ? "" : "s",
               dir.c_str(),
               older_than ? " (unchanged for longer than --older-than)" : " (finished or set aside)");
}

}  // namespace ingest::cli
