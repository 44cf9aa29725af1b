// What `cvat-ingest bench` writes: the JSON document with every figure and the environment,
// and the offline HTML report with hand-written SVG charts (no scripts, no network).
#ifndef INGEST_BENCH_HARNESS_BENCH_OUTPUT_H_
#define INGEST_BENCH_HARNESS_BENCH_OUTPUT_H_

#include <string>
#include <utility>
#include <vector>

#include "bench/harness/bench_run.h"
#include "bench/harness/process_stats.h"
#include "bench/harness/tasks_bench.h"
#include "engine/status.h"

namespace ingest::bench {

// Everything one benchmark produced.
struct BenchRecord {
  Environment environment;
  // The options as given (name, value), for the record; never credentials.
  std::vector<std::pair<std::string, std::string>> options;
  std::string corpus;         // "generated small: 2000 x 100 KiB" or the paths
  std::string target;         // "local receiver (discard)" or the server URL
  uint64_t generated_files = 0;
  uint64_t generated_bytes = 0;
  double generate_seconds = 0;  // 0 for a real corpus
  bool interrupted = false;
  std::vector<PointSettings> points;
  std::vector<RunResult> runs;
  std::vector<PointSummary> summary;
  // A run-of-many-tasks benchmark (--tasks, --profile videos) fills these instead of the
  // points, runs and summary above.
  std::vector<TasksRunResult> task_runs;
  std::vector<TasksSummary> task_summary;
};

// The JSON document (one object; numbers in bytes and seconds).
std::string BenchJson(const BenchRecord& record);
// Writes BenchJson to `path` (temp file + rename). Errors name the file.
Status WriteBenchJson(const std::string& path, const BenchRecord& record);

// Writes DIR/index.html and DIR/*.svg: throughput over time for every run, and for a sweep,
// throughput against each swept setting (median with min-max whiskers). Creates DIR.
Status WriteBenchReport(const std::string& dir, const BenchRecord& record);

// "64 MiB", "100 KiB", "1.5 GiB".
std::string SizeText(uint64_t bytes);
// `v` with `decimals` decimals ("%.*f").
std::string Fixed(double v, int decimals);

// A point's settings, in the terminal's words or the report's shorter ones:
//   kLong:  "8 connections, TUS chunk 64 MiB, batch 32 MiB" (1 connection)
//   kShort: "8 conn, chunk 64 MiB, batch 32 MiB"
enum class SettingsWording { kLong, kShort };
std::string SettingsText(const PointSettings& s, SettingsWording wording);

// Writes `text` to `path` (temp file + rename). Errors name the file.
Status WriteText(const std::string& path, const std::string& text);

}  // namespace ingest::bench

#endif  // INGEST_BENCH_HARNESS_BENCH_OUTPUT_H_
