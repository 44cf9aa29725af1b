// Shared CLI plumbing: error reporting with exit codes, and the Ctrl-C flag.
#ifndef INGEST_CLI_REPORT_H_
#define INGEST_CLI_REPORT_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/status.h"

namespace ingest::cli {

// Prints "cvat-ingest CMD: <message>" and a hint to --help; returns kExitUsage.
int UsageError(std::string_view command, const Status& status);
// Prints "cvat-ingest CMD: <message>"; returns kExitInterrupted for Cancelled, else
// kExitFailed.
int RunError(std::string_view command, const Status& status);

// Installs SIGINT/SIGTERM handlers that set the returned flag (a second signal exits at
// once with status 130). Safe to call more than once.
const std::atomic<bool>* InstallInterruptFlag();
bool WasInterrupted();

// The --verify option of scan, manifest and upload (ScanOptions::verify_pixels).
inline constexpr std::string_view kVerifyHelp =
    "decode every image (as --checksum pixels does, without the md5) and treat the ones the "
    "decoders reject (cut short after the header, damaged data) as bad files: CVAT fails on them";
// "" or, when --verify kept `unverified` images without decoding them, a line saying so.
std::string UnverifiedNote(uint64_t unverified);

}  // namespace ingest::cli

#endif  // INGEST_CLI_REPORT_H_
