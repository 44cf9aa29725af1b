// The end-to-end throughput harness behind `cvat-ingest bench`: for each point of a sweep
// (connections x TUS chunk x batch size), `repeat` times, one run through the upload
// pipeline with every stage timed on its own, so the limit is visible:
//   scan + probe (walk, stat, image headers) -> hashing (XXH3-128 of every byte, as a
//   resumable upload or a change check reads them) -> manifest (order, plan, write the
//   .jsonl) -> upload (a throwaway task, Upload-Start, the transfer) -> finish-to-ready
//   (Upload-Finish until the task is created; polled, so up to 2 s coarse) -> the task is
//   deleted (unless Target::keep_tasks).
// Each run records the transfer's per-request latencies, retries, its throughput over time,
// the client's CPU time and peak memory, and the receiver's CPU time when it is local.
// A library: it never prints; progress goes through LiveStatus and BenchEvents.
#ifndef INGEST_BENCH_HARNESS_BENCH_RUN_H_
#define INGEST_BENCH_HARNESS_BENCH_RUN_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bench/harness/stats.h"
#include "engine/scanner.h"
#include "engine/status.h"
#include "upload/curl_util.h"
#include "upload/transfer_engine.h"
#include "upload/uploader.h"

namespace ingest::bench {

// Where runs upload to.
struct Target {
  std::string url;                   // server root, without /api
  std::vector<std::string> headers;  // Authorization (+ X-Organization): never logged
  upload::ConnectionOptions connection;
  bool keep_tasks = false;           // leave each run's task on the server
  std::string labels_json = R"([{"name":"object"}])";
  std::optional<int64_t> project_id;  // instead of labels
  int server_pid = 0;                // a local receiver's process, for its CPU time
};

// The task of a run, without its name: in Target::project_id, otherwise with
// Target::labels_json.
upload::TaskSpec TaskSpecOf(const Target& target);

struct PointSettings {
  int connections = 8;
  uint64_t tus_chunk = 64ull << 20;
  uint64_t batch_bytes = 32ull << 20;
};

struct BenchOptions {
  std::vector<std::string> sources;  // the corpus
  std::vector<int> connections = {8};
  std::vector<uint64_t> tus_chunks = {64ull << 20};
  std::vector<uint64_t> batches = {32ull << 20};
  uint64_t tus_threshold = 8ull << 20;
  int repeat = 1;
  int retries = 5;
  std::string work_dir;    // manifests are written here (required)
  unsigned scan_workers = 0;  // 0: all cores
};

enum class Stage : uint8_t { kIdle, kScan, kHash, kManifest, kTask, kUpload, kFinish, kCleanup };
std::string_view StageName(Stage stage);

// Bytes and files handed to the network `seconds` after the transfer started.
struct Sample {
  double seconds = 0;
  uint64_t bytes = 0;
  uint64_t files = 0;
};

inline constexpr size_t kRequestKinds = 4;  // upload::RequestTiming::Kind
std::string_view RequestKindName(size_t kind);

struct RunResult {
  int point = 0;   // index into SweepPoints()
  int repeat = 0;  // 0-based
  PointSettings settings;
  Status status;   // OK; Cancelled when interrupted; else what failed
  // Stage durations in seconds; absent when the stage was not finished.
  std::optional<double> scan_seconds, hash_seconds, manifest_seconds, upload_seconds,
      finish_seconds;
  uint64_t files = 0;           // media files found
  uint64_t corpus_bytes = 0;    // their bytes
  uint64_t manifest_bytes = 0;  // the generated manifest, sent too
  uint64_t planned_files = 0;   // files of the upload (the manifest included)
  uint64_t planned_bytes = 0;
  uint64_t batches = 0;
  uint64_t tus_uploads = 0;
  // The transfer (also when it was cut short).
  uint64_t files_done = 0;
  uint64_t bytes_done = 0;  // confirmed by the server
  uint64_t bytes_sent = 0;  // handed to the network, resent bytes included
  uint64_t requests = 0;
  uint64_t retries = 0;
  uint64_t failed_requests = 0;  // transport errors and HTTP statuses >= 400
  LatencyStats latency;          // every request of the transfer
  std::array<LatencyStats, kRequestKinds> latency_by_kind;
  std::vector<Sample> timeline;  // its start, every 50 ms of the transfer, and its end
  // Costs.
  double cpu_user = 0;    // client, whole run (seconds)
  double cpu_system = 0;
  double upload_cpu = 0;  // client, upload stage only
  double peak_rss_mib = 0;
  std::optional<double> server_cpu;  // local receiver, whole run
  int64_t task_id = 0;
  int64_t frames = 0;  // the created task's size

  // Upload-stage throughput; 0 when the upload did not finish.
  double UploadBytesPerSecond() const;
  double UploadFilesPerSecond() const;
};

// Readable from another thread while RunBench works (a progress display).
struct LiveStatus {
  std::atomic<Stage> stage{Stage::kIdle};
  std::atomic<int> run{0};   // 1-based, the run in progress
  std::atomic<int> runs{0};
  std::atomic<uint64_t> planned_bytes{0};
  std::atomic<uint64_t> planned_files{0};
  upload::TransferCounters transfer;  // reset at every upload
  // When the upload in progress started (steady_clock nanoseconds since its epoch).
  std::atomic<int64_t> upload_started_ns{0};
};

struct BenchEvents {
  std::function<void(int run, int runs, const PointSettings&)> on_run_start;
  std::function<void(const RunResult&)> on_run_done;
};

// The sweep: every combination of connections x TUS chunk x batch, in that nesting order.
std::vector<PointSettings> SweepPoints(const BenchOptions& options);

// Runs every point `repeat` times, round by round (point 1..N, then again), so that drift of
// a shared machine spreads over all points. Returns a result per run started; after
// `cancel` the last one is partial (status Cancelled) and no further run starts. A failed run
// does not stop the others.
std::vector<RunResult> RunBench(const BenchOptions& options, const Target& target,
                                LiveStatus* live, const BenchEvents& events,
                                const std::atomic<bool>* cancel);

// Medians and ranges of the runs of one point.
struct PointSummary {
  int point = 0;
  PointSettings settings;
  uint64_t runs = 0;       // runs started
  uint64_t completed = 0;  // runs that finished
  Spread upload_bytes_per_second, upload_files_per_second;
  Spread scan_seconds, hash_seconds, manifest_seconds, upload_seconds, finish_seconds;
  Spread p50, p90, p99;  // request latency, seconds
  Spread retries, cpu_seconds, peak_rss_mib, server_cpu_seconds;
};

// Figures that are missing in a run (a stage it did not reach) are left out of that figure.
std::vector<PointSummary> SummarizePoints(const std::vector<PointSettings>& points,
                                          const std::vector<RunResult>& runs);

}  // namespace ingest::bench

#endif  // INGEST_BENCH_HARNESS_BENCH_RUN_H_
