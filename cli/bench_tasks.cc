#include "cli/bench_tasks.h"

#include <cstdio>
#include <string>
#include <vector>

#include "upload/task_units.h"

namespace ingest::cli {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

std::string Median(const bench::Spread& s, double scale, int decimals) {
  return s.count ? bench::Fixed(s.median * scale, decimals) : "-";
}

std::string WithRange(const bench::Spread& s, double scale, int decimals) {
  std::string text = Median(s, scale, decimals);
  if (s.count > 1) {
    text += " (" + bench::Fixed(s.min * scale, decimals) + "-" +
            bench::Fixed(s.max * scale, decimals) + ")";
  }
  return text;
}

Status ParseKList(const std::string& text, std::vector<int>* out) {
  out->clear();
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? comma : comma - start);
    std::optional<uint64_t> k = ParseUint(item);
    if (!k || *k == 0 || *k > 64) {
      return Status::InvalidArgument("--parallel-tasks: bad value '" + item + "' (1 to 64)");
    }
    out->push_back(static_cast<int>(*k));
    if (comma == std::string::npos) return Status();
    start = comma + 1;
  }
}

}  // namespace

bool WantsTasksBench(const ParsedArgs& opt, const bench::CorpusSpec& corpus) {
  return corpus.profile == bench::Profile::kVideos || opt.Has("tasks") ||
         opt.Has("task-per") || opt.Has("parallel-tasks");
}

Status ReadTasksBenchOptions(const ParsedArgs& opt, bool real_corpus, bench::CorpusSpec* corpus,
                             bench::TasksBenchOptions* tasks,
                             bench::LocalReceiverOptions* receiver) {
  for (const char* sweep : {"tus-chunk", "batch", "report"}) {
    if (opt.Has(sweep)) {
      return Status::InvalidArgument("--" + std::string(sweep) +
                                     " is for the transfer benchmark, not --tasks");
    }
  }
  Result<uint64_t> n = opt.GetUint("tasks", 0);
  if (!n || (opt.Has("tasks") && (*n == 0 || *n > 100000))) {
    return Status::InvalidArgument("--tasks: 1 to 100000");
  }
  if (opt.Has("task-per")) {
    Result<upload::TaskPer> per = upload::ParseTaskPer(opt.Get("task-per"));
    if (!per) return per.error();
    tasks->task_per = *per;
  } else if (real_corpus) {
    return Status::InvalidArgument("a real corpus needs --task-per video|folder|archive|file");
  }
  if (!real_corpus) {
    if (corpus->profile == bench::Profile::kVideo) {
      return Status::InvalidArgument("--profile video is one video; use --profile videos");
    }
    if (corpus->profile == bench::Profile::kVideos) {
      if (opt.Has("size")) return Status::InvalidArgument("--profile videos: no --size");
      if (opt.Has("files") && opt.Has("tasks") && *n != corpus->files) {
        return Status::InvalidArgument("--profile videos: one task per video (--tasks N)");
      }
      if (opt.Has("tasks")) corpus->files = *n;
      if (!opt.Has("task-per")) tasks->task_per = upload::TaskPer::kVideo;
    } else {
      // Images: N tasks of about the same size.
      bench::CorpusSpec full = bench::WithDefaults(*corpus);
      uint64_t count = *n ? *n : 10;
      if (count > full.files) {
        return Status::InvalidArgument("--tasks " + std::to_string(count) + ": more tasks than " +
                                       std::to_string(full.files) + " files");
      }
      if (!opt.Has("task-per")) tasks->task_per = upload::TaskPer::kNone;
      tasks->split_every = (full.files + count - 1) / count;
    }
  } else if (opt.Has("tasks")) {
    return Status::InvalidArgument("--tasks is for a generated corpus; a real one is grouped "
                                   "by --task-per");
  }
  if (opt.Has("parallel-tasks")) {
    INGEST_RETURN_IF_ERROR(ParseKList(opt.Get("parallel-tasks"), &tasks->parallel_tasks));
  }
  Result<uint64_t> conn = opt.GetUint("connections", 8);
  if (!conn || *conn == 0 || *conn > 256) {
    return Status::InvalidArgument("--connections: one number, 1 to 256, with --tasks");
  }
  tasks->connections = static_cast<int>(*conn);
  Result<uint64_t> repeat = opt.GetUint("repeat", 1);
  if (!repeat || *repeat == 0 || *repeat > 1000) return Status::InvalidArgument("--repeat: 1 to 1000");
  tasks->repeat = static_cast<int>(*repeat);
  if (opt.Has("build-delay") || opt.Has("build-workers")) {
    if (opt.Has("server")) {
      return Status::InvalidArgument("--build-delay and --build-workers model a server's build "
                                     "time on the local receiver, not with --server");
    }
    receiver->build_delay = opt.Get("build-delay", "");
    Result<uint64_t> w = opt.GetUint("build-workers", 0);
    if (!w || *w > 256) return Status::InvalidArgument("--build-workers: 1 to 256");
    receiver->build_workers = static_cast<int>(*w);
  }
  return Status();
}

void RecordTasksOptions(const bench::TasksBenchOptions& tasks,
                        const bench::LocalReceiverOptions& receiver, bench::BenchRecord* rec) {
  std::string ks;
  for (int k : tasks.parallel_tasks) ks += (ks.empty() ? "" : ",") + std::to_string(k);
  // The transfer sweep's settings do not apply; the run's do.
  std::erase_if(rec->options, [](const auto& o) {
    return o.first == "connections" || o.first == "tus-chunk" || o.first == "batch" ||
           o.first == "tus-threshold" || o.first == "repeat";
  });
  rec->options.insert(rec->options.end(),
                      {{"parallel-tasks", ks},
                       {"task-per", std::string(upload::TaskPerName(tasks.task_per))},
                       {"connections", std::to_string(tasks.connections)},
                       {"repeat", std::to_string(tasks.repeat)}});
  if (tasks.split_every) rec->options.push_back({"split-every", std::to_string(tasks.split_every)});
  if (!receiver.build_delay.empty()) rec->options.push_back({"build-delay", receiver.build_delay});
  if (receiver.build_workers) {
    rec->options.push_back({"build-workers", std::to_string(receiver.build_workers)});
  }
}

void PrintTasksTable(const bench::BenchRecord& rec) {
  size_t tasks = rec.task_runs.empty() ? 0 : rec.task_runs.front().tasks;
  std::printf("\n%zu tasks a run; wall: scan to the last task ready; build: Upload-Finish to "
              "ready, summed over the tasks\n",
              tasks);
  std::printf("%3s %5s %22s %20s %22s %22s\n", "K", "runs", "wall s", "tasks/s", "MiB/s",
              "build s");
  for (const bench::TasksSummary& s : rec.task_summary) {
    size_t runs = 0;
    for (const bench::TasksRunResult& r : rec.task_runs) runs += r.parallel_tasks == s.parallel_tasks;
    std::string count = std::to_string(s.completed) + "/" + std::to_string(runs);
    std::printf("%3d %5s %22s %20s %22s %22s\n", s.parallel_tasks, count.c_str(),
                WithRange(s.seconds, 1, 2).c_str(), WithRange(s.tasks_per_second, 1, 2).c_str(),
                WithRange(s.bytes_per_second, 1 / kMiB, 1).c_str(),
                WithRange(s.build_seconds, 1, 2).c_str());
  }
  for (size_t i = 0; i < rec.task_runs.size(); ++i) {
    const bench::TasksRunResult& r = rec.task_runs[i];
    if (r.status.ok()) continue;
    std::printf("run %zu (K=%d): %s\n", i + 1, r.parallel_tasks,
                r.status.code() == Status::Code::kCancelled ? "interrupted"
                                                            : r.status.message().c_str());
  }
}

}  // namespace ingest::cli
