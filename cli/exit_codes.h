// Exit statuses, documented in README.md.
#ifndef INGEST_CLI_EXIT_CODES_H_
#define INGEST_CLI_EXIT_CODES_H_

namespace ingest::cli {

inline constexpr int kExitOk = 0;           // everything done
inline constexpr int kExitFailed = 1;       // the run failed (nothing useful produced)
inline constexpr int kExitUsage = 2;        // bad command line
inline constexpr int kExitPartial = 3;      // done, but some files failed (each reported)
inline constexpr int kExitDuplicated = 4;   // status: some task of a run exists twice
inline constexpr int kExitInterrupted = 130;

}  // namespace ingest::cli

#endif  // INGEST_CLI_EXIT_CODES_H_
