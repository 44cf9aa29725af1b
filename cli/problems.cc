#include "cli/problems.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <map>

#include "manifest/jsonl_encoder.h"
#include "upload/upload_job.h"

namespace ingest::cli {
namespace {

// The message without the file it names: "a/b.png: PNG: truncated" -> "PNG: truncated",
// "open a/b.png: Permission denied" -> "open FILE: Permission denied".
std::string CauseOf(const Problem& p) {
  const std::string& m = p.message;
  if (p.path.empty() || !p.group) return m;
  if (m.starts_with(p.path + ": ")) return m.substr(p.path.size() + 2);
  size_t at = m.find(p.path);
  if (at == std::string::npos) return m;
  return m.substr(0, at) + "FILE" + m.substr(at + p.path.size());
}

}  // namespace

std::string WithCommas(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

void ProblemList::AddScan(const ScanProblem& p, std::string_view severity) {
  std::string sev = severity.empty() ? (p.warning ? "warning" : "error") : std::string(severity);
  AddStatus(p.path, std::move(sev), p.status);
}

void ProblemList::AddStatus(std::string path, std::string severity, const Status& status) {
  Add(Problem{std::move(path), std::move(severity), std::string(CodeName(status.code())),
              status.message()});
}

size_t ProblemList::Count(std::string_view severity) const {
  return static_cast<size_t>(
      std::count_if(problems_.begin(), problems_.end(),
                    [&](const Problem& p) { return p.severity == severity; }));
}

Status ProblemList::WriteJsonLines(const std::string& path) const {
  const std::string temp = path + ".tmp";
  std::FILE* f = std::fopen(temp.c_str(), "wb");
  if (!f) return FromErrno("--problems: open " + temp, errno);
  std::string line;
  for (const Problem& p : problems_) {
    line = "{\"path\":";
    manifest::AppendJsonString(p.path, &line);
    line += ",\"severity\":";
    manifest::AppendJsonString(p.severity, &line);
    line += ",\"code\":";
    manifest::AppendJsonString(p.code, &line);
    line += ",\"message\":";
    manifest::AppendJsonString(p.message, &line);
    line += "}\n";
    std::fwrite(line.data(), 1, line.size(), f);
  }
  const bool failed = std::ferror(f) != 0;
  if (std::fclose(f) != 0 || failed) return FromErrno("--problems: write " + temp, errno);
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    return FromErrno("--problems: rename " + temp + " to " + path, errno);
  }
  return Status();
}

std::string ProblemList::FormatGrouped(std::string_view indent,
                                       const std::string& problems_file) const {
  // (severity, cause) -> indexes of its problems, in sorted order.
  std::map<std::pair<std::string, std::string>, std::vector<size_t>> groups;
  for (size_t i = 0; i < problems_.size(); ++i) {
    groups[{problems_[i].severity, CauseOf(problems_[i])}].push_back(i);
  }
  std::string out;
  size_t lines = 0, shown = 0;
  bool cut = false;  // some paths of a shown cause were left out
  for (auto& [key, members] : groups) {
    if (lines >= kMaxPrintedLines) break;
    std::sort(members.begin(), members.end(),
              [&](size_t a, size_t b) { return problems_[a].path < problems_[b].path; });
    const std::string& severity = key.first;
    if (members.size() == 1) {
      out += std::string(indent) + severity + ": " + problems_[members[0]].message + "\n";
      ++lines;
      ++shown;
      continue;
    }
    out += std::string(indent) + severity + ": " + key.second + ": " + WithCommas(members.size()) +
           " files\n";
    ++lines;
    size_t listed = 0;
    for (size_t m : members) {
      if (listed == kMaxPathsPerCause || lines >= kMaxPrintedLines) break;
      out += std::string(indent) + "  " + problems_[m].path + "\n";
      ++listed;
      ++lines;
    }
    if (listed < members.size()) {
      cut = true;
      out += std::string(indent) + "  ... and " + WithCommas(members.size() - listed) + " more\n";
    }
    shown += members.size();
  }
  const std::string where = problems_file.empty() ? "write them all with --problems FILE"
                                                  : "all of them in " + problems_file;
  if (shown < problems_.size()) {
    const size_t rest = problems_.size() - shown;
    out += std::string(indent) + "... and " + WithCommas(rest) + " more problem" +
           (rest == 1 ? "" : "s") + " (" + where + ")\n";
  } else if (cut) {
    out += std::string(indent) + "(" + where + ")\n";
  }
  return out;
}

ProblemList UploadProblems(const upload::UploadOutcome& out, bool skip_bad) {
  ProblemList list;
  for (const ScanProblem& p : out.scan_errors) list.AddScan(p, skip_bad ? "skipped" : "error");
  for (const upload::Refusal& r : out.refusals) {
    list.Add(Problem{r.path, "refused", "InvalidArgument", r.path + ": " + r.reason, false});
  }
  for (const upload::FileFailure& f : out.failures) {
    std::string name(out.plan->files[f.file].name);
    list.AddStatus(name, "failed", f.status.WithPrefix(name));
  }
  return list;
}

}  // namespace ingest::cli
