// The run-of-many-tasks benchmark behind `cvat-ingest bench --tasks N` (and `--profile
// videos`): one `upload --task-per ...` run (upload/upload_run.h) per point of a sweep over
// --parallel-tasks K, `repeat` times round by round. What it measures is what a user of a
// corpus of many tasks waits for: the wall time from the scan to the last task ready, tasks
// per second, bytes per second, and how long the server spent building the tasks (each
// task's Upload-Finish until its request finished, as the client sees it: polled, from 20 ms
// doubling to 2 s), summed and per task. The tasks are deleted after each run unless
// Target::keep_tasks. A library: it never prints.
#ifndef INGEST_BENCH_HARNESS_TASKS_BENCH_H_
#define INGEST_BENCH_HARNESS_TASKS_BENCH_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "bench/harness/bench_run.h"
#include "bench/harness/stats.h"
#include "engine/status.h"
#include "upload/task_units.h"

namespace ingest::bench {

struct TasksBenchOptions {
  std::vector<std::string> sources;  // the corpus
  upload::TaskPer task_per = upload::TaskPer::kVideo;
  uint64_t split_every = 0;              // images: frames per task (0: none)
  std::vector<int> parallel_tasks = {1, 4};
  int connections = 8;                   // the run's budget, shared by its tasks
  int repeat = 1;
  std::string work_dir;                  // manifests go here (required)
};

struct TasksRunResult {
  int parallel_tasks = 0;
  int repeat = 0;  // 0-based
  Status status;   // OK when every task was done; Cancelled when interrupted
  size_t tasks = 0;
  size_t done = 0;
  size_t failed = 0;
  uint64_t bytes = 0;
  uint64_t frames = 0;   // as the server reports them, over the done tasks
  double seconds = 0;    // scan to the last task ready
  double build_seconds = 0;      // summed over the tasks (finish accepted -> ready)
  double max_build_seconds = 0;  // the slowest task's
  double cpu_seconds = 0;        // this process, user + system
  std::optional<double> server_cpu;  // a local receiver's

  double TasksPerSecond() const { return seconds > 0 ? static_cast<double>(done) / seconds : 0; }
  double BytesPerSecond() const {
    return seconds > 0 ? static_cast<double>(bytes) / seconds : 0;
  }
};

struct TasksEvents {
  std::function<void(int run, int runs, int parallel_tasks)> on_run_start;
  std::function<void(const TasksRunResult&)> on_run_done;
};

// Runs every K of options.parallel_tasks `repeat` times, round by round. A failed run does
// not stop the others; after `cancel` the last result is partial and no run starts.
// `counters` (optional) follows the transfer in progress.
std::vector<TasksRunResult> RunTasksBench(const TasksBenchOptions& options, const Target& target,
                                          const TasksEvents& events,
                                          upload::TransferCounters* counters,
                                          const std::atomic<bool>* cancel);

struct TasksSummary {
  int parallel_tasks = 0;
  uint64_t completed = 0;  // runs with every task done
  Spread seconds, tasks_per_second, bytes_per_second, build_seconds;
};

// One summary per K, in the order of options.parallel_tasks; only complete runs count.
std::vector<TasksSummary> SummarizeTasks(const std::vector<int>& parallel_tasks,
                                         const std::vector<TasksRunResult>& runs);

}  // namespace ingest::bench

#endif  // INGEST_BENCH_HARNESS_TASKS_BENCH_H_
