// The resume command printed after an interrupted upload, written so that it works as printed:
// the same credential source as the run (--token-file with an absolute path, --auth USER,
// or a note that CVAT_ACCESS_TOKEN must be set), the same --org and connection options, and
// never a secret.
#ifndef INGEST_CLI_RESUME_HINT_H_
#define INGEST_CLI_RESUME_HINT_H_

#include <string>

#include "cli/options.h"

namespace ingest::cli {

struct ResumeHint {
  std::string args;  // after "cvat-ingest resume JOURNAL", each with its leading space
  std::string note;  // a line to print after the command ("" for none)
};

// The hint for a run given `opt` (the upload's or resume's options).
ResumeHint MakeResumeHint(const ParsedArgs& opt);

// "cvat-ingest resume JOURNAL ARGS" with JOURNAL quoted for a POSIX shell when needed.
std::string ResumeCommand(const std::string& journal, const ResumeHint& hint);

// `s` quoted for a POSIX shell when it holds anything but [A-Za-z0-9_./:=@%+-].
std::string ShellQuote(const std::string& s);

}  // namespace ingest::cli

#endif  // INGEST_CLI_RESUME_HINT_H_
