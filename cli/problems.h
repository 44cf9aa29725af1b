// Problems of a run (files that cannot be read, refusals, failed transfers) as people and
// programs read them: printed grouped by cause, sorted and capped, so 10,000 bad files give
// a screenful, not 10,000 lines; and written in full as JSON lines (--problems FILE), one
// {"path","severity","code","message"} object per line.
#ifndef INGEST_CLI_PROBLEMS_H_
#define INGEST_CLI_PROBLEMS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/scanner.h"
#include "engine/status.h"

namespace ingest::upload {
struct UploadOutcome;
}  // namespace ingest::upload

namespace ingest::cli {

struct Problem {
  std::string path;      // the file ("" when the problem is not about one file)
  std::string severity;  // "error", "warning", "skipped", "refused", "failed"
  std::string code;      // CodeName() of the status, e.g. "Corruption"
  std::string message;   // the full message, which names the file
  // False: printed alone, never grouped with others of its cause (plan refusals, whose
  // reasons name other files and say what to do about this one).
  bool group = true;
};

// The causes printed in full before the list is cut; paths printed per cause.
inline constexpr size_t kMaxPrintedLines = 20;
inline constexpr size_t kMaxPathsPerCause = 3;

class ProblemList {
 public:
  void Add(Problem p) { problems_.push_back(std::move(p)); }
  // A scan problem; `severity` overrides the problem's own ("skipped" for --skip-bad).
  void AddScan(const ScanProblem& p, std::string_view severity = {});
  void AddStatus(std::string path, std::string severity, const Status& status);

  bool empty() const { return problems_.empty(); }
  size_t size() const { return problems_.size(); }
  size_t Count(std::string_view severity) const;

  // Every problem, one JSON object per line, to `path` (written whole, then renamed).
  Status WriteJsonLines(const std::string& path) const;

  // The grouped text: problems of one severity and cause (the message without its path)
  // share a header "SEVERITY: CAUSE: N files" and list up to kMaxPathsPerCause paths; a cause
  // of one file prints as "SEVERITY: MESSAGE". Causes are sorted; after kMaxPrintedLines
  // lines the rest is counted ("... and 9,990 more"), naming `problems_file` (or asking for
  // --problems FILE when it is empty). Each line starts with `indent`.
  std::string FormatGrouped(std::string_view indent, const std::string& problems_file) const;

 private:
  std::vector<Problem> problems_;
};

// The problems of an upload: files that could not be read or probed ("error", or "skipped"
// when --skip-bad left them out), refusals of the plan ("refused"), failed transfers.
ProblemList UploadProblems(const upload::UploadOutcome& out, bool skip_bad);

// 9990 -> "9,990".
std::string WithCommas(uint64_t n);

}  // namespace ingest::cli

#endif  // INGEST_CLI_PROBLEMS_H_
