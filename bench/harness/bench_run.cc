#include "bench/harness/bench_run.h"

#include <fcntl.h>

#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>

#include "bench/harness/process_stats.h"
#include "upload/cvat_api.h"
#include "upload/http_client.h"
#include "upload/plan_files.h"
#include "upload/upload_plan.h"
#include "upload/uploader.h"

namespace ingest::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Collects the transfer's request timings (on the engine's thread).
class TimingObserver final : public upload::UploadObserver {
 public:
  void OnRequestDone(const upload::RequestTiming& t) override {
    auto kind = static_cast<size_t>(t.kind);
    if (kind < kRequestKinds) by_kind[kind].push_back(t.seconds);
    all.push_back(t.seconds);
    if (!t.transport_ok || t.http_status >= 400) ++failed;
  }
  std::vector<double> all;
  std::array<std::vector<double>, kRequestKinds> by_kind;
  uint64_t failed = 0;
};

// Samples the transfer counters every 50 ms while alive.
class Sampler {
 public:
  Sampler(const upload::TransferCounters& counters, std::vector<Sample>* out)
      : counters_(counters), out_(out), t0_(Clock::now()) {
    out_->push_back({0, counters_.bytes_sent.load(), counters_.files_done.load()});
    thread_ = std::jthread([this](std::stop_token stop) {
      while (!stop.stop_requested()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        Take();
      }
    });
  }
  ~Sampler() {
    thread_.request_stop();
    thread_.join();
    Take();
  }
  Sampler(const Sampler&) = delete;
  Sampler& operator=(const Sampler&) = delete;

 private:
  void Take() {
    std::lock_guard lock(mu_);
    out_->push_back({Since(t0_), counters_.bytes_sent.load(), counters_.files_done.load()});
  }
  const upload::TransferCounters& counters_;
  std::vector<Sample>* out_;
  Clock::time_point t0_;
  std::mutex mu_;
  std::jthread thread_;
};

void ResetCounters(upload::TransferCounters& c) {
  c.bytes_sent = 0;
  c.bytes_resent = 0;
  c.bytes_done = 0;
  c.files_done = 0;
  c.in_flight = 0;
  c.requests = 0;
  c.retries = 0;
}

// Times `fn` (returning Status) into `*seconds` when it succeeds.
template <class Fn>
Status Timed(std::optional<double>* seconds, Fn&& fn) {
  auto t0 = Clock::now();
  Status s = fn();
  if (s.ok()) *seconds = Since(t0);
  return s;
}

Status ScanProblems(const ScanResult& scan) {
  size_t errors = 0;
  const ScanProblem* first = nullptr;
  for (const ScanProblem& p : scan.problems) {
    if (p.warning) continue;
    if (first == nullptr) first = &p;
    ++errors;
  }
  if (errors == 0) return Status();
  return Status::InvalidArgument(std::to_string(errors) + " file(s) cannot be read or probed, "
                                 "first: " + first->status.message());
}

struct RunContext {
  const BenchOptions& options;
  const Target& target;
  LiveStatus* live;
  const std::atomic<bool>* cancel;
  int run_number;  // 1-based, for names
};

// The stages of one run; fills `r` as it goes. The task it created is in r.task_id.
Status RunStages(const RunContext& ctx, RunResult& r, upload::CvatApi& api,
                 upload::HttpClient& http) {
  const BenchOptions& o = ctx.options;
  LiveStatus* live = ctx.live;
  ScanOptions scan_options;
  scan_options.hash = false;
  scan_options.expand_archive_sources = false;
  scan_options.workers = o.scan_workers;
  scan_options.cancel = ctx.cancel;

  // hashing: every byte read and hashed, as a scan for change detection does. First, so that
  // its scan result is gone before the probe scan's is made: the peak memory of a run is then
  // the upload's, not two scans of a million files at once.
  live->stage = Stage::kHash;
  INGEST_RETURN_IF_ERROR(Timed(&r.hash_seconds, [&]() -> Status {
    ScanOptions hash_options = scan_options;
    hash_options.hash = true;
    hash_options.probe_images = false;
    return Scan(o.sources, hash_options).status();
  }));

  // scan + probe
  live->stage = Stage::kScan;
  ScanResult scan;
  std::optional<ScanResult> members;
  INGEST_RETURN_IF_ERROR(Timed(&r.scan_seconds, [&]() -> Status {
    INGEST_ASSIGN_OR_RETURN(scan, Scan(o.sources, scan_options));
    for (const FileRecord& f : scan.files) {
      if (f.kind != MediaKind::kArchive) continue;
      ScanOptions member_options = scan_options;
      member_options.expand_archive_sources = true;
      INGEST_ASSIGN_OR_RETURN(members, Scan(std::vector<std::string>{FilesystemPath(scan, f)},
                                            member_options));
      break;
    }
    return Status();
  }));
  INGEST_RETURN_IF_ERROR(ScanProblems(scan));
  for (const FileRecord& f : scan.files) {
    if (f.kind == MediaKind::kOther || f.kind == MediaKind::kManifest) continue;
    r.files += 1;
    r.corpus_bytes += f.size;
  }

  // manifest: order, plan, write the .jsonl
  live->stage = Stage::kManifest;
  upload::UploadPlanOptions plan_options;
  plan_options.tus_threshold = o.tus_threshold;
  plan_options.batch_bytes = r.settings.batch_bytes;
  plan_options.generated_manifest_path =
      o.work_dir + "/manifest-" + std::to_string(ctx.run_number) + ".jsonl";
  std::vector<upload::Refusal> refusals;
  upload::UploadPlan plan;
  INGEST_RETURN_IF_ERROR(Timed(&r.manifest_seconds, [&]() -> Status {
    Result<upload::UploadPlan> planned =
        upload::PlanUpload(scan, members ? &*members : nullptr, plan_options, &refusals);
    if (!planned) {
      if (!refusals.empty()) {
        return planned.error().WithPrefix(refusals.front().path + ": " + refusals.front().reason);
      }
      return planned.error();
    }
    plan = std::move(*planned);
    return Status();
  }));
  struct RemoveManifest {
    std::string path;
    ~RemoveManifest() {
      std::error_code ec;
      if (!path.empty()) std::filesystem::remove(path, ec);
    }
  } remove_manifest{plan.manifest_path};
  if (!plan.manifest_path.empty()) {
    std::error_code ec;
    r.manifest_bytes = std::filesystem::file_size(plan.manifest_path, ec);
  }
  r.planned_files = plan.files.size();
  r.planned_bytes = plan.total_bytes;
  r.batches = plan.batches.size();
  for (const upload::PlannedFile& f : plan.files) r.tus_uploads += f.route == upload::Route::kTus;
  live->planned_bytes = plan.total_bytes;
  live->planned_files = plan.files.size();

  // a throwaway task
  live->stage = Stage::kTask;
  upload::TaskSpec spec = TaskSpecOf(ctx.target);
  spec.name = "cvat-ingest bench run " + std::to_string(ctx.run_number);
  INGEST_ASSIGN_OR_RETURN(std::string task_body, upload::BuildTaskBody(spec));
  INGEST_ASSIGN_OR_RETURN(upload::TaskInfo task, api.CreateTask(task_body));
  r.task_id = task.id;
  INGEST_RETURN_IF_ERROR(api.StartUpload(task.id));

  // upload
  upload::TransferOptions transfer;
  transfer.data_url = api.DataUrl(task.id);
  transfer.origin = api.Origin();
  transfer.headers = http.common_headers();
  transfer.connection = ctx.target.connection;
  transfer.connections = r.settings.connections;
  transfer.tus_chunk = r.settings.tus_chunk;
  transfer.retries = o.retries;
  ResetCounters(live->transfer);
  live->upload_started_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                Clock::now().time_since_epoch()).count();
  TimingObserver timings;
  upload::PlanFiles files(scan, plan);
  live->stage = Stage::kUpload;
  Status sent;
  {
    CpuTimes cpu0 = SelfCpu();
    upload::TransferEngine engine(transfer, plan, &files, &timings, &live->transfer);
    Sampler sampler(live->transfer, &r.timeline);
    auto t0 = Clock::now();
    sent = engine.Run(ctx.cancel);
    if (sent.ok()) r.upload_seconds = Since(t0);
    CpuTimes cpu1 = SelfCpu();
    r.upload_cpu = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system);
    if (!sent.ok() && !engine.failures().empty()) {
      sent = sent.WithPrefix(std::string(plan.files[engine.failures().front().file].name) + ": " +
                             engine.failures().front().status.message());
    }
  }
  r.files_done = live->transfer.files_done;
  r.bytes_done = live->transfer.bytes_done;
  r.bytes_sent = live->transfer.bytes_sent;
  r.requests = live->transfer.requests;
  r.retries = live->transfer.retries;
  r.failed_requests = timings.failed;
  r.latency = LatencyOf(timings.all);
  for (size_t k = 0; k < kRequestKinds; ++k) r.latency_by_kind[k] = LatencyOf(timings.by_kind[k]);
  INGEST_RETURN_IF_ERROR(sent);

  // finish-to-ready
  live->stage = Stage::kFinish;
  return Timed(&r.finish_seconds, [&]() -> Status {
    INGEST_ASSIGN_OR_RETURN(std::string rq_id,
                            api.FinishUpload(task.id, upload::BuildFinishBody(plan, {})));
    INGEST_ASSIGN_OR_RETURN(upload::TaskInfo ready,
                            upload::WaitForTask(api, task.id, rq_id, nullptr, ctx.cancel));
    r.frames = ready.size;
    return Status();
  });
}

RunResult RunOnce(const RunContext& ctx, int point, int repeat, const PointSettings& settings) {
  RunResult r;
  r.point = point;
  r.repeat = repeat;
  r.settings = settings;
  ResetPeakRss();
  CpuTimes cpu0 = SelfCpu();
  std::optional<double> server0;
  if (ctx.target.server_pid > 0) server0 = ProcessCpuSeconds(ctx.target.server_pid);

  upload::HttpClient http(ctx.target.connection, ctx.target.headers);
  upload::CvatApi api(ctx.target.url, &http);
  r.status = RunStages(ctx, r, api, http);
  if (r.status.ok() && ctx.cancel != nullptr && ctx.cancel->load()) {
    r.status = Status::Cancelled("interrupted");
  }
  if (r.task_id > 0 && !ctx.target.keep_tasks) {
    ctx.live->stage = Stage::kCleanup;
    Status deleted = api.DeleteTask(r.task_id);
    if (r.status.ok() && !deleted.ok()) r.status = deleted.WithPrefix("deleting the bench task");
  }
  CpuTimes cpu1 = SelfCpu();
  r.cpu_user = cpu1.user - cpu0.user;
  r.cpu_system = cpu1.system - cpu0.system;
  r.peak_rss_mib = PeakRssMiB();
  if (server0) {
    std::optional<double> server1 = ProcessCpuSeconds(ctx.target.server_pid);
    if (server1) r.server_cpu = *server1 - *server0;
  }
  ctx.live->stage = Stage::kIdle;
  return r;
}

}  // namespace

upload::TaskSpec TaskSpecOf(const Target& target) {
  upload::TaskSpec spec;
  if (target.project_id) {
    spec.project_id = target.project_id;
  } else {
    spec.labels_json = target.labels_json;
  }
  return spec;
}

std::string_view StageName(Stage stage) {
  switch (stage) {
    case Stage::kIdle: return "idle";
    case Stage::kScan: return "scan+probe";
    case Stage::kHash: return "hashing";
    case Stage::kManifest: return "manifest";
    case Stage::kTask: return "task";
    case Stage::kUpload: return "upload";
    case Stage::kFinish: return "finish";
    case Stage::kCleanup: return "cleanup";
  }
  return "idle";
}

std::string_view RequestKindName(size_t kind) {
  static constexpr std::string_view kNames[kRequestKinds] = {"tus_create", "patch", "head",
                                                             "batch"};
  return kind < kRequestKinds ? kNames[kind] : "request";
}

double RunResult::UploadBytesPerSecond() const {
  return upload_seconds && *upload_seconds > 0
             ? static_cast<double>(planned_bytes) / *upload_seconds
             : 0;
}

double RunResult::UploadFilesPerSecond() const {
  return upload_seconds && *upload_seconds > 0
             ? static_cast<double>(planned_files) / *upload_seconds
             : 0;
}

std::vector<PointSettings> SweepPoints(const BenchOptions& o) {
  std::vector<PointSettings> points;
  for (int c : o.connections) {
    for (uint64_t chunk : o.tus_chunks) {
      for (uint64_t batch : o.batches) points.push_back({c, chunk, batch});
    }
  }
  return points;
}

std::vector<RunResult> RunBench(const BenchOptions& options, const Target& target,
                                LiveStatus* live, const BenchEvents& events,
                                const std::atomic<bool>* cancel) {
  LiveStatus own_live;
  if (live == nullptr) live = &own_live;
  std::vector<PointSettings> points = SweepPoints(options);
  int runs = static_cast<int>(points.size()) * std::max(1, options.repeat);
  live->runs = runs;
  std::vector<RunResult> results;
  for (int repeat = 0; repeat < std::max(1, options.repeat); ++repeat) {
    for (size_t p = 0; p < points.size(); ++p) {
      if (cancel != nullptr && cancel->load()) return results;
      int number = static_cast<int>(results.size()) + 1;
      live->run = number;
      if (events.on_run_start) events.on_run_start(number, runs, points[p]);
      RunContext ctx{options, target, live, cancel, number};
      results.push_back(RunOnce(ctx, static_cast<int>(p), repeat, points[p]));
      if (events.on_run_done) events.on_run_done(results.back());
    }
  }
  return results;
}

std::vector<PointSummary> SummarizePoints(const std::vector<PointSettings>& points,
                                          const std::vector<RunResult>& runs) {
  std::vector<PointSummary> out;
  for (size_t p = 0; p < points.size(); ++p) {
    PointSummary s;
    s.point = static_cast<int>(p);
    s.settings = points[p];
    std::vector<double> bps, fps, scan, hash, manifest, upload, finish, p50, p90, p99, retries,
        cpu, rss, server;
    auto add = [](std::vector<double>& v, const std::optional<double>& x) {
      if (x) v.push_back(*x);
    };
    for (const RunResult& r : runs) {
      if (r.point != s.point) continue;
      ++s.runs;
      if (r.status.ok()) ++s.completed;
      add(scan, r.scan_seconds);
      add(hash, r.hash_seconds);
      add(manifest, r.manifest_seconds);
      add(finish, r.finish_seconds);
      if (r.upload_seconds) {
        upload.push_back(*r.upload_seconds);
        bps.push_back(r.UploadBytesPerSecond());
        fps.push_back(r.UploadFilesPerSecond());
        p50.push_back(r.latency.p50);
        p90.push_back(r.latency.p90);
        p99.push_back(r.latency.p99);
        retries.push_back(static_cast<double>(r.retries));
      }
      if (r.status.ok()) {
        cpu.push_back(r.cpu_user + r.cpu_system);
        rss.push_back(r.peak_rss_mib);
        add(server, r.server_cpu);
      }
    }
    s.upload_bytes_per_second = SpreadOf(bps);
    s.upload_files_per_second = SpreadOf(fps);
    s.scan_seconds = SpreadOf(scan);
    s.hash_seconds = SpreadOf(hash);
    s.manifest_seconds = SpreadOf(manifest);
    s.upload_seconds = SpreadOf(upload);
    s.finish_seconds = SpreadOf(finish);
    s.p50 = SpreadOf(p50);
    s.p90 = SpreadOf(p90);
    s.p99 = SpreadOf(p99);
    s.retries = SpreadOf(retries);
    s.cpu_seconds = SpreadOf(cpu);
    s.peak_rss_mib = SpreadOf(rss);
    s.server_cpu_seconds = SpreadOf(server);
    out.push_back(s);
  }
  return out;
}

}  // namespace ingest::bench
