#include "bench/harness/tasks_bench.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <system_error>

#include "bench/harness/process_stats.h"
#include "upload/cvat_api.h"
#include "upload/http_client.h"
#include "upload/upload_run.h"

namespace ingest::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t0, Clock::time_point t1) {
  return std::chrono::duration<double>(t1 - t0).count();
}

// The job of one run: every task named apart from other runs' (a kept task, --keep, must
// not be taken for this run's by a later one).
upload::UploadJob JobFor(const TasksBenchOptions& o, const Target& target, int run, int k,
                         const std::string& temp_dir) {
  upload::UploadJob job;
  job.server = target.url;
  job.auth_headers = target.headers;
  job.sources = o.sources;
  job.task = TaskSpecOf(target);
  job.task.name = "cvat-ingest bench " + std::to_string(::getpid()) + "." + std::to_string(run) +
                  " K" + std::to_string(k) + " {index}";
  job.temp_dir = temp_dir;
  job.transfer.connection = target.connection;
  job.transfer.connections = o.connections;
  return job;
}

// Deletes the tasks a run made; the first failure is returned.
Status DeleteTasks(const Target& target, const std::vector<upload::UnitReport>& units) {
  upload::HttpClient http(target.connection, target.headers);
  upload::CvatApi api(target.url, &http);
  Status first;
  for (const upload::UnitReport& u : units) {
    if (u.task_id <= 0) continue;
    Status s = api.DeleteTask(u.task_id);
    if (first.ok() && !s.ok()) first = s.WithPrefix("deleting bench task " + std::to_string(u.task_id));
  }
  return first;
}

TasksRunResult RunOne(const TasksBenchOptions& o, const Target& target, int run, int k,
                      int repeat, upload::TransferCounters* counters,
                      const std::atomic<bool>* cancel) {
  TasksRunResult r;
  r.parallel_tasks = k;
  r.repeat = repeat;
  std::string temp = o.work_dir + "/tasks-run-" + std::to_string(run);
  std::error_code ec;
  std::filesystem::create_directories(temp, ec);
  if (ec) {
    r.status = Status::IoError("create " + temp + ": " + ec.message());
    return r;
  }
  upload::RunOptions options;
  options.units.per = o.task_per;
  options.units.split_every = o.split_every;
  options.parallel_tasks = k;

  // Build time per task: from its finish being accepted to its end.
  std::mutex mu;
  std::map<size_t, Clock::time_point> finishing;
  upload::RunEvents events;
  events.on_task = [&](const upload::UnitReport& u, std::string_view event) {
    std::lock_guard<std::mutex> lock(mu);
    if (event == "finishing") {
      finishing[u.index] = Clock::now();
    } else if (event == "ready") {
      auto it = finishing.find(u.index);
      if (it == finishing.end()) return;
      double s = Since(it->second, Clock::now());
      r.build_seconds += s;
      r.max_build_seconds = std::max(r.max_build_seconds, s);
    }
  };

  CpuTimes cpu0 = SelfCpu();
  std::optional<double> server0;
  if (target.server_pid > 0) server0 = ProcessCpuSeconds(target.server_pid);
  auto t0 = Clock::now();
  upload::RunOutcome out = upload::RunUploadRun(JobFor(o, target, run, k, temp), options, events,
                                                counters, cancel);
  r.seconds = Since(t0, Clock::now());
  CpuTimes cpu1 = SelfCpu();
  r.cpu_seconds = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system);
  if (server0) {
    if (std::optional<double> server1 = ProcessCpuSeconds(target.server_pid)) {
      r.server_cpu = *server1 - *server0;
    }
  }

  r.tasks = out.units.size();
  for (const upload::UnitReport& u : out.units) {
    if (u.state == upload::UnitReport::State::kDone) {
      ++r.done;
      r.bytes += u.bytes;
      r.frames += static_cast<uint64_t>(u.frames);
    } else if (u.state == upload::UnitReport::State::kFailed) {
      ++r.failed;
      if (r.status.ok()) r.status = u.error.WithPrefix("task '" + u.name + "'");
    }
  }
  if (!out.status.ok()) r.status = out.status;
  if (r.status.ok() && out.cancelled) r.status = Status::Cancelled("interrupted");
  if (r.status.ok() && r.done != r.tasks) {
    r.status = Status::Internal(std::to_string(r.tasks - r.done) + " of " +
                                std::to_string(r.tasks) + " tasks were not done");
  }
  if (!target.keep_tasks) {
    Status deleted = DeleteTasks(target, out.units);
    if (r.status.ok()) r.status = deleted;
  }
  std::filesystem::remove_all(temp, ec);
  return r;
}

}  // namespace

std::vector<TasksRunResult> RunTasksBench(const TasksBenchOptions& options, const Target& target,
                                          const TasksEvents& events,
                                          upload::TransferCounters* counters,
                                          const std::atomic<bool>* cancel) {
  std::vector<TasksRunResult> results;
  const int runs = options.repeat * static_cast<int>(options.parallel_tasks.size());
  int run = 0;
  for (int rep = 0; rep < options.repeat; ++rep) {
    for (int k : options.parallel_tasks) {
      if (cancel != nullptr && cancel->load()) return results;
      ++run;
      if (events.on_run_start) events.on_run_start(run, runs, k);
      upload::TransferCounters own;
      results.push_back(RunOne(options, target, run, k, rep, counters ? counters : &own, cancel));
      if (events.on_run_done) events.on_run_done(results.back());
    }
  }
  return results;
}

std::vector<TasksSummary> SummarizeTasks(const std::vector<int>& parallel_tasks,
                                         const std::vector<TasksRunResult>& runs) {
  std::vector<TasksSummary> out;
  for (int k : parallel_tasks) {
    TasksSummary s;
    s.parallel_tasks = k;
    std::vector<double> secs, tps, bps, build;
    for (const TasksRunResult& r : runs) {
      if (r.parallel_tasks != k || !r.status.ok()) continue;
      ++s.completed;
      secs.push_back(r.seconds);
      tps.push_back(r.TasksPerSecond());
      bps.push_back(r.BytesPerSecond());
      build.push_back(r.build_seconds);
    }
    s.seconds = SpreadOf(secs);
    s.tasks_per_second = SpreadOf(tps);
    s.bytes_per_second = SpreadOf(bps);
    s.build_seconds = SpreadOf(build);
    out.push_back(s);
  }
  return out;
}

}  // namespace ingest::bench
