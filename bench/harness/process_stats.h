// What a benchmark run costs the machine: this process's CPU time and peak memory, another
// process's CPU time (a local receiver's), and the environment a result was measured in.
#ifndef INGEST_BENCH_HARNESS_PROCESS_STATS_H_
#define INGEST_BENCH_HARNESS_PROCESS_STATS_H_

#include <optional>
#include <string>

namespace ingest::bench {

struct CpuTimes {
  double user = 0;  // seconds
  double system = 0;
};

// This process's CPU time so far (getrusage, all threads).
CpuTimes SelfCpu();

// Resets this process's peak resident set (/proc/self/clear_refs "5"), so that PeakRssMiB()
// covers what follows. False where the kernel does not allow it (then the peak is the
// process's since it started).
bool ResetPeakRss();
// Peak resident set in MiB (VmHWM from /proc/self/status; getrusage's ru_maxrss otherwise).
double PeakRssMiB();

// User + system CPU seconds of process `pid` (/proc/PID/stat), or nothing when unreadable.
std::optional<double> ProcessCpuSeconds(int pid);

struct Environment {
  std::string version;       // cvat-ingest's
  unsigned cores = 0;        // std::thread::hardware_concurrency()
  std::string cpu_model;     // /proc/cpuinfo "model name"
  std::string kernel;        // uname: sysname release machine
  std::string libcurl;       // libcurl's version line
  double load_average = 0;   // 1-minute load when the benchmark started
  double memory_gib = 0;     // MemTotal
  std::string started_utc;   // ISO 8601
};

Environment CurrentEnvironment(const std::string& version);

}  // namespace ingest::bench

#endif  // INGEST_BENCH_HARNESS_PROCESS_STATS_H_
