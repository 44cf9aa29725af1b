#include "cli/report.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>

#include "cli/exit_codes.h"

namespace ingest::cli {
namespace {

std::atomic<bool> g_interrupted{false};

void OnSignal(int) {
  if (g_interrupted.exchange(true)) _exit(kExitInterrupted);  // second Ctrl-C: now
}

}  // namespace

int UsageError(std::string_view command, const Status& status) {
  std::fprintf(stderr, "cvat-ingest %.*s: %s\n(see cvat-ingest %.*s --help)\n",
               static_cast<int>(command.size()), command.data(), status.message().c_str(),
               static_cast<int>(command.size()), command.data());
  return kExitUsage;
}

int RunError(std::string_view command, const Status& status) {
  std::fprintf(stderr, "cvat-ingest %.*s: %s\n", static_cast<int>(command.size()),
               command.data(), status.message().c_str());
  return status.code() == Status::Code::kCancelled ? kExitInterrupted : kExitFailed;
}

const std::atomic<bool>* InstallInterruptFlag() {
  struct sigaction sa = {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  return &g_interrupted;
}

bool WasInterrupted() { return g_interrupted.load(); }

std::string UnverifiedNote(uint64_t unverified) {
  if (unverified == 0) return "";
  return "not verified: " + std::to_string(unverified) +
         (unverified == 1 ? " image" : " images") +
         " in formats --verify does not decode (kept as they are)\n";
}

}  // namespace ingest::cli
