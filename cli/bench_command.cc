// cvat-ingest bench: upload throughput, stage by stage, on a generated or real corpus,
// against a local receiver it starts itself or a CVAT server (bench/harness/).
#include <limits.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "bench/harness/bench_output.h"
#include "bench/harness/bench_run.h"
#include "bench/harness/corpus.h"
#include "bench/harness/local_receiver.h"
#include "bench/harness/process_stats.h"
#include "bench/harness/tasks_bench.h"
#include "cli/bench_tasks.h"
#include "cli/commands.h"
#include "cli/credentials.h"
#include "cli/exit_codes.h"
#include "cli/options.h"
#include "cli/progress.h"
#include "cli/report.h"
#include "cli/scratch_dir.h"
#include "upload/curl_util.h"
#include "upload/cvat_api.h"
#include "upload/http_client.h"
#include "upload/uploader.h"

namespace ingest::cli {
namespace {

constexpr OptionSpec kBenchOwnOptions[] = {
    {"profile", "NAME", "generated corpus: small (default; 2000 x 100KiB), large (8 x 64MiB), "
                        "mixed (1000 files, 64KiB..16MiB), video (one MPEG-4 video), videos "
                        "(--tasks N videos, a task each)"},
    {"files", "N", "files in the generated corpus (image profiles)"},
    {"size", "SIZE", "file size of the generated corpus (image profiles; mixed: the common one)"},
    {"frames", "N", "frames of each generated video (video: 250, videos: 150)"},
    {"tasks", "N", "a run of many tasks: N videos (--profile videos, default 20), or the "
                   "images split into N tasks"},
    {"task-per", "KIND", "a run of many tasks over PATH...: video, folder, archive or file"},
    {"parallel-tasks", "LIST", "tasks in flight at once, e.g. 1,2,4,8 (default 1,4)"},
    {"build-delay", "S[,F]", "local receiver: hold each task's build S s (+F s a frame)"},
    {"build-workers", "N", "local receiver: tasks built at once (with --build-delay)"},
    {"seed", "N", "seed of the generated payload (default 1)"},
    {"corpus-dir", "DIR", "generate the corpus under DIR (default $TMPDIR or /tmp)"},
    {"keep-corpus", "", "keep the generated corpus (its path is printed)"},
    {.name = "server", .value = "URL",
     .help = "benchmark this CVAT server (a throwaway task per run); without it only a profile "
             "that --config-profile names is read",
     .short_name = 0,
     .default_profile_needs_it = true},
    {"keep", "", "with --server: keep the tasks instead of deleting them"},
    {"labels", "JSON", "labels of the throwaway tasks (default [{\"name\":\"object\"}])"},
    {"project-id", "N", "create the throwaway tasks in this project (instead of --labels)"},
    {"discard", "", "local receiver: count and hash bodies instead of storing them"},
    {"connections", "LIST", "parallel connections, e.g. 1,2,4,8,16 (default 8)"},
    {"tus-chunk", "LIST", "TUS PATCH sizes, e.g. 16MiB,64MiB (default 64MiB, at most 100MiB)"},
    {"batch", "LIST", "Upload-Multiple batch sizes, e.g. 8MiB,32MiB (default 32MiB)"},
    {"tus-threshold", "SIZE", "files of this size or more go through TUS (default 8MiB)"},
    {"retries", "N", "retries per file (default 5)"},
    {"limit-rate", "RATE", "per-transfer rate limit, e.g. 10MiB (a slower link)"},
    {"repeat", "N", "runs per point; medians and min-max are reported (default 1)"},
    {"workers", "N", "scan and hash worker threads (default: all cores)"},
    {"json", "FILE", "write every figure, the options and the environment as JSON"},
    {"report", "DIR", "write DIR/index.html with SVG charts (viewable offline)"},
    {"progress", "auto|bar|none", "progress display (default auto: a bar on a terminal)"},
};
constexpr auto kBenchOptions = JoinOptions(kBenchOwnOptions, kServerAccessOptions);

constexpr std::string_view kDescription =
    "Measures how fast a corpus gets into CVAT, stage by stage, so the limit is visible:\n"
    "scan+probe, hashing, manifest, upload (bytes/s, files/s) and finish-to-ready, with\n"
    "request latency percentiles (p50/p90/p99), retries, client CPU time, peak memory and,\n"
    "for the local receiver, its CPU time.\n"
    "Corpus: generated into a temporary directory (--profile, real image or video headers\n"
    "with a random payload; removed afterwards unless --keep-corpus), or PATH... (real files).\n"
    "Target: by default a local receiver (`cvat-ingest serve` on 127.0.0.1, a port the OS\n"
    "picks, disk-backed in a temporary directory, or --discard), stopped at the end; or\n"
    "--server URL, where every run creates a task and deletes it afterwards (unless --keep).\n"
    "Credentials as for upload: CVAT_ACCESS_TOKEN, --token-file or --auth; never in argv.\n"
    "Sweeps: --connections, --tus-chunk and --batch take lists; every combination is a point,\n"
    "run --repeat times (round by round).\n"
    "Runs of many tasks (--tasks N, --profile videos, --task-per): one `upload --task-per`\n"
    "run per --parallel-tasks K, timed from the scan to the last task ready: tasks/s, MiB/s\n"
    "and the time the server spent building (--build-delay models a real server's).\n"
    "Ctrl-C stops cleanly and still prints and writes what was measured.\n"
    "Exit status: 0 all runs done, 1 a run failed, 2 usage error, 130 interrupted.";

constexpr double kMiB = 1024.0 * 1024.0;

using bench::Fixed;
using bench::SettingsText;

template <class T, class Parse>
Status ParseList(const ParsedArgs& opt, std::string_view name, std::vector<T>* out, Parse parse) {
  if (!opt.Has(name)) return Status();
  out->clear();
  std::string text = opt.Get(name);
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos
                                                                      : comma - start);
    std::optional<T> v = parse(item);
    if (!v) {
      return Status::InvalidArgument("--" + std::string(name) + ": bad value '" + item + "'");
    }
    out->push_back(*v);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return Status();
}

std::string SelfExecutable() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

std::string Median(const bench::Spread& s, double scale, int decimals) {
  return s.count ? Fixed(s.median * scale, decimals) : "-";
}

void PrintTable(const bench::BenchRecord& rec) {
  const bench::Environment& e = rec.environment;
  std::printf("corpus:  %s\n", rec.corpus.c_str());
  std::printf("target:  %s\n", rec.target.c_str());
  std::string curl = e.libcurl.substr(0, e.libcurl.find(' '));
  std::printf("machine: %u cores, load %.2f at start, %s, %s\n", e.cores, e.load_average,
              e.kernel.c_str(), curl.c_str());
  if (rec.interrupted) std::printf("INTERRUPTED: figures cover the runs so far\n");
  if (!rec.task_runs.empty()) {
    PrintTasksTable(rec);
    return;
  }
  std::printf("\n%5s %8s %8s %5s %19s %8s %8s %8s %8s %8s %8s %20s %7s %6s %6s %6s\n", "conn",
              "chunk", "batch", "runs", "upload MiB/s", "files/s", "scan s", "hash s",
              "manif s", "upload s", "finish s", "req ms p50/p90/p99", "retries", "cpu s",
              "rss MB", "srv s");
  for (const bench::PointSummary& p : rec.summary) {
    const bench::Spread& bps = p.upload_bytes_per_second;
    std::string rate = Median(bps, 1 / kMiB, 1);
    if (bps.count > 1) rate += " (" + Fixed(bps.min / kMiB, 0) + "-" + Fixed(bps.max / kMiB, 0) + ")";
    std::string latency = p.p50.count ? Fixed(p.p50.median * 1000, 1) + "/" +
                                            Fixed(p.p90.median * 1000, 1) + "/" +
                                            Fixed(p.p99.median * 1000, 1)
                                      : "-";
    std::string runs = std::to_string(p.completed) + "/" + std::to_string(p.runs);
    std::printf("%5d %8s %8s %5s %19s %8s %8s %8s %8s %8s %8s %20s %7s %6s %6s %6s\n",
                p.settings.connections, bench::SizeText(p.settings.tus_chunk).c_str(),
                bench::SizeText(p.settings.batch_bytes).c_str(), runs.c_str(), rate.c_str(),
                Median(p.upload_files_per_second, 1, 0).c_str(),
                Median(p.scan_seconds, 1, 3).c_str(), Median(p.hash_seconds, 1, 3).c_str(),
                Median(p.manifest_seconds, 1, 3).c_str(), Median(p.upload_seconds, 1, 3).c_str(),
                Median(p.finish_seconds, 1, 3).c_str(), latency.c_str(),
                Median(p.retries, 1, 0).c_str(), Median(p.cpu_seconds, 1, 2).c_str(),
                Median(p.peak_rss_mib, 1, 0).c_str(), Median(p.server_cpu_seconds, 1, 2).c_str());
  }
  for (size_t i = 0; i < rec.runs.size(); ++i) {
    const bench::RunResult& r = rec.runs[i];
    if (r.status.ok()) continue;
    std::printf("run %zu (%s): %s\n", i + 1,
                SettingsText(r.settings, bench::SettingsWording::kLong).c_str(),
                r.status.code() == Status::Code::kCancelled ? "interrupted"
                                                            : r.status.message().c_str());
  }
  std::fflush(stdout);
}

}  // namespace

int RunBench(Args args) {
  Result<ParsedArgs> parsed = ParseArgs(args, kBenchOptions);
  if (!parsed) return UsageError("bench", parsed.error());
  const ParsedArgs& opt = *parsed;
  if (opt.Has("help")) {
    PrintHelp("cvat-ingest bench [PATH...] [--profile small|large|mixed|video|videos] [--server URL] "
              "[--connections LIST] [OPTIONS]",
              kDescription, kBenchOptions);
    return kExitOk;
  }
  auto usage = [](const std::string& msg) {
    return UsageError("bench", Status::InvalidArgument(msg));
  };

  // The corpus.
  bench::CorpusSpec corpus_spec;
  Result<bench::Profile> profile = bench::ParseProfile(opt.Get("profile", "small"));
  if (!profile) return UsageError("bench", profile.error().WithPrefix("--profile"));
  corpus_spec.profile = *profile;
  Result<uint64_t> files = opt.GetUint("files", 0);
  Result<uint64_t> frames = opt.GetUint("frames", 0);
  Result<uint64_t> seed = opt.GetUint("seed", 1);
  for (const Result<uint64_t>* r : {&files, &frames, &seed}) {
    if (!*r) return UsageError("bench", r->error());
  }
  corpus_spec.files = *files;
  corpus_spec.video_frames = static_cast<int>(std::min<uint64_t>(*frames, 1u << 20));
  corpus_spec.seed = *seed;
  if (opt.Has("size")) {
    Result<uint64_t> size = ParseSize(opt.Get("size"));
    if (!size || *size == 0) return usage("--size: a size like 100KiB");
    corpus_spec.size = *size;
  }
  bool real_corpus = !opt.positional.empty();
  if (real_corpus && (opt.Has("profile") || opt.Has("files") || opt.Has("size"))) {
    return usage("give PATH... or a generated corpus (--profile, --files, --size), not both");
  }
  if (corpus_spec.profile == bench::Profile::kVideo && (opt.Has("files") || opt.Has("size"))) {
    return usage("--profile video: one video; set its length with --frames");
  }
  const bool tasks_mode = WantsTasksBench(opt, corpus_spec);
  bench::TasksBenchOptions tasks_options;
  bench::LocalReceiverOptions receiver_options;
  if (tasks_mode) {
    Status s = ReadTasksBenchOptions(opt, real_corpus, &corpus_spec, &tasks_options,
                                     &receiver_options);
    if (!s.ok()) return UsageError("bench", s);
  } else if (opt.Has("build-delay") || opt.Has("build-workers")) {
    return usage("--build-delay and --build-workers go with a run of many tasks (--tasks N)");
  }
  corpus_spec = bench::WithDefaults(corpus_spec);

  // The sweep.
  bench::BenchOptions bo;
  auto parse_size = [](const std::string& s) -> std::optional<uint64_t> {
    Result<uint64_t> v = ParseSize(s);
    if (!v || *v == 0) return std::nullopt;
    return *v;
  };
  Status lists = tasks_mode ? Status() : ParseList<int>(opt, "connections", &bo.connections,
                                [](const std::string& s) -> std::optional<int> {
                                  std::optional<uint64_t> v = ParseUint(s);
                                  if (!v || *v == 0 || *v > 256) return std::nullopt;
                                  return static_cast<int>(*v);
                                });
  if (lists.ok()) lists = ParseList<uint64_t>(opt, "tus-chunk", &bo.tus_chunks, parse_size);
  if (lists.ok()) lists = ParseList<uint64_t>(opt, "batch", &bo.batches, parse_size);
  if (!lists.ok()) return UsageError("bench", lists);
  for (uint64_t chunk : bo.tus_chunks) {
    if (chunk > (100ull << 20)) return usage("--tus-chunk: at most 100MiB (CVAT's limit)");
  }
  if (opt.Has("tus-threshold")) {
    std::optional<uint64_t> t = parse_size(opt.Get("tus-threshold"));
    if (!t) return usage("--tus-threshold: a size like 8MiB");
    bo.tus_threshold = *t;
  }
  Result<uint64_t> repeat = opt.GetUint("repeat", 1);
  if (!repeat || *repeat == 0 || *repeat > 1000) return usage("--repeat: 1 to 1000");
  bo.repeat = static_cast<int>(*repeat);
  Result<uint64_t> retries = opt.GetUint("retries", 5);
  if (!retries) return UsageError("bench", retries.error());
  bo.retries = static_cast<int>(*retries);
  Result<uint64_t> workers = opt.GetUint("workers", 0);
  if (!workers) return UsageError("bench", workers.error());
  bo.scan_workers = static_cast<unsigned>(*workers);
  std::string progress_mode = opt.Get("progress", "auto");
  if (progress_mode != "auto" && progress_mode != "bar" && progress_mode != "none") {
    return usage("--progress: auto, bar or none");
  }

  // The target's settings (credentials are read only for --server).
  bench::Target target;
  if (Status c = ReadConnectionOptions(opt, &target.connection); !c.ok()) {
    return UsageError("bench", c);
  }
  target.keep_tasks = opt.Has("keep");
  if (opt.Has("labels")) target.labels_json = opt.Get("labels");
  if (opt.Has("project-id")) {
    Result<uint64_t> id = opt.GetUint("project-id", 0);
    if (!id) return UsageError("bench", id.error());
    target.project_id = static_cast<int64_t>(*id);
  }
  // Checked once here rather than failing every run.
  if (Result<std::string> body = upload::BuildTaskBody(bench::TaskSpecOf(target)); !body) {
    return UsageError("bench", body.error());
  }
  bool remote = opt.Has("server");
  if (!remote && (opt.Has("keep") || opt.Has("token-file") || opt.Has("auth"))) {
    return usage("--keep, --token-file and --auth go with --server URL");
  }
  if (remote && opt.Has("discard")) return usage("--discard is for the local receiver");
  Credentials creds;
  if (remote) {
    if (Status c = ReadCredentials(opt, &creds); !c.ok()) return UsageError("bench", c);
  }

  const std::atomic<bool>* cancel = InstallInterruptFlag();
  bench::BenchRecord rec;
  rec.environment = bench::CurrentEnvironment(INGEST_VERSION);
  bool tty_bar = progress_mode != "none" && ::isatty(STDERR_FILENO);

  // Scratch space: manifests and the local receiver's data; the corpus apart (--keep-corpus).
  ScratchDir work(TempParent(), "cvat-ingest-bench");
  if (work.path().empty()) {
    return RunError("bench", FromErrno("mkdtemp in " + TempParent(), errno));
  }
  bo.work_dir = work.path();
  tasks_options.work_dir = work.path();
  std::optional<ScratchDir> corpus_dir;
  if (real_corpus) {
    bo.sources = opt.positional;
    tasks_options.sources = opt.positional;
    std::string joined;
    for (const std::string& p : opt.positional) joined += (joined.empty() ? "" : " ") + p;
    rec.corpus = "real: " + joined;
  } else {
    std::string parent = opt.Get("corpus-dir", TempParent());
    corpus_dir.emplace(parent, "cvat-ingest-bench-corpus");
    if (corpus_dir->path().empty()) {
      return RunError("bench", FromErrno("mkdtemp in " + parent, errno));
    }
    if (opt.Has("keep-corpus")) corpus_dir->Keep();
    bo.sources = {corpus_dir->path()};
    tasks_options.sources = bo.sources;
    std::string shape =
        bench::IsVideoProfile(corpus_spec.profile)
            ? std::to_string(corpus_spec.files) + (corpus_spec.files == 1 ? " video, " : " videos, ") +
                  std::to_string(corpus_spec.video_frames) + " frames 640x360" +
                  (corpus_spec.files == 1 ? "" : " each")
            : std::to_string(corpus_spec.files) + " files of " +
                  bench::SizeText(corpus_spec.size) +
                  (corpus_spec.profile == bench::Profile::kMixed ? " (x1, x16, x256 mixed)" : "");
    rec.corpus = "generated " + std::string(bench::ProfileName(corpus_spec.profile)) + ": " + shape;
  }

  // Effective options, for the record (no credentials).
  auto join = [](const auto& list, auto text) {
    std::string out;
    for (const auto& v : list) out += (out.empty() ? "" : ",") + text(v);
    return out;
  };
  rec.options = {
      {"connections", join(bo.connections, [](int v) { return std::to_string(v); })},
      {"tus-chunk", join(bo.tus_chunks, bench::SizeText)},
      {"batch", join(bo.batches, bench::SizeText)},
      {"tus-threshold", bench::SizeText(bo.tus_threshold)},
      {"repeat", std::to_string(bo.repeat)},
      {"retries", std::to_string(bo.retries)},
  };
  if (!real_corpus) {
    rec.options.push_back({"profile", std::string(bench::ProfileName(corpus_spec.profile))});
    rec.options.push_back({"seed", std::to_string(corpus_spec.seed)});
  }
  if (tasks_mode) RecordTasksOptions(tasks_options, receiver_options, &rec);
  if (target.connection.limit_rate) {
    rec.options.push_back({"limit-rate", bench::SizeText(target.connection.limit_rate)});
  }
  if (opt.Has("discard")) rec.options.push_back({"discard", ""});
  if (remote) rec.options.push_back({"server", opt.Get("server")});

  auto finish = [&](int code) {
    if (tasks_mode) {
      rec.task_summary = bench::SummarizeTasks(tasks_options.parallel_tasks, rec.task_runs);
    } else {
      rec.points = bench::SweepPoints(bo);
      rec.summary = bench::SummarizePoints(rec.points, rec.runs);
    }
    PrintTable(rec);
    if (opt.Has("json")) {
      if (Status s = bench::WriteBenchJson(opt.Get("json"), rec); !s.ok()) {
        code = RunError("bench", s);
      } else {
        std::fprintf(stderr, "wrote %s\n", opt.Get("json").c_str());
      }
    }
    if (opt.Has("report")) {
      if (Status s = bench::WriteBenchReport(opt.Get("report"), rec); !s.ok()) {
        code = RunError("bench", s);
      } else {
        std::fprintf(stderr, "wrote %s/index.html\n", opt.Get("report").c_str());
      }
    }
    if (corpus_dir && opt.Has("keep-corpus")) {
      std::fprintf(stderr, "kept the corpus in %s\n", corpus_dir->path().c_str());
    }
    return rec.interrupted ? kExitInterrupted : code;
  };

  // The target (before the corpus: a wrong URL or token fails at once).
  std::unique_ptr<bench::LocalReceiver> receiver;
  if (remote) {
    Result<std::string> server = upload::ParseServerUrl(opt.Get("server"));
    if (!server) return UsageError("bench", server.error());
    target.url = *server;
    target.headers = creds.headers;
    if (creds.login) {
      upload::HttpClient http(target.connection, {});
      upload::CvatApi api(target.url, &http);
      Result<std::vector<std::string>> headers = upload::SessionHeaders(
          api, creds.login->first, creds.login->second, opt.Get("org"));
      if (!headers) return RunError("bench", headers.error());
      target.headers = std::move(*headers);
    }
    // The URL and the credentials, checked before a corpus is generated for nothing.
    upload::HttpClient http(target.connection, target.headers);
    if (Status s = upload::CvatApi(target.url, &http).CheckServer(); !s.ok()) {
      return RunError("bench", s);
    }
    rec.target = "CVAT server " + target.url;
  } else {
    bench::LocalReceiverOptions ro = receiver_options;
    ro.executable = SelfExecutable();
    ro.data_dir = work.path() + "/receiver";
    ro.discard = opt.Has("discard");
    Result<std::unique_ptr<bench::LocalReceiver>> started = bench::LocalReceiver::Start(ro);
    if (!started) return RunError("bench", started.error());
    receiver = std::move(*started);
    target.url = receiver->url();
    target.headers = {receiver->auth_header()};
    target.server_pid = receiver->pid();
    rec.target = std::string("local receiver (") +
                 (ro.discard ? "discarding bodies" : "disk-backed, in " + ro.data_dir) + ") at " +
                 target.url;
  }

  // Generate the corpus.
  if (!real_corpus) {
    std::atomic<uint64_t> written{0};
    uint64_t planned = bench::PlannedBytes(corpus_spec);
    auto t0 = std::chrono::steady_clock::now();
    Result<bench::CorpusInfo> info = [&] {
      ProgressLine bar(tty_bar, [&] {
        return "generating the corpus: " + FormatBytes(written.load()) + " / ~" +
               FormatBytes(planned);
      });
      return bench::GenerateCorpus(corpus_dir->path(), corpus_spec, cancel, &written);
    }();
    if (!info) {
      if (info.error().code() != Status::Code::kCancelled) return RunError("bench", info.error());
      rec.interrupted = true;
      std::fprintf(stderr, "cvat-ingest bench: interrupted while generating the corpus\n");
      return finish(kExitInterrupted);
    }
    rec.generated_files = info->files;
    rec.generated_bytes = info->bytes;
    rec.generate_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    rec.corpus += ", " + FormatBytes(info->bytes) + " in total";
  }

  // The runs.
  bench::LiveStatus live;
  bench::BenchEvents events;
  auto say = [&](const std::string& line) {
    std::fprintf(stderr, "%s%s\n", tty_bar ? "\r\033[K" : "", line.c_str());
  };
  events.on_run_start = [&](int run, int runs, const bench::PointSettings& s) {
    if (!tty_bar) {
      say("run " + std::to_string(run) + "/" + std::to_string(runs) + ": " +
          SettingsText(s, bench::SettingsWording::kLong));
    }
  };
  events.on_run_done = [&](const bench::RunResult& r) {
    std::string head = "run " + std::to_string(live.run.load()) + "/" +
                       std::to_string(live.runs.load()) + ": ";
    if (r.status.ok()) {
      say(head + Fixed(r.UploadBytesPerSecond() / kMiB, 1) + " MiB/s, " +
          Fixed(r.UploadFilesPerSecond(), 0) + " files/s, finish-to-ready " +
          Fixed(r.finish_seconds.value_or(0), 2) + " s, " + std::to_string(r.retries) +
          " retries");
    } else if (r.status.code() != Status::Code::kCancelled) {
      say(head + "failed: " + r.status.message());
    }
  };
  if (tasks_mode) {
    std::atomic<int> run_now{0}, runs_total{0}, k_now{0};
    upload::TransferCounters transfer;
    bench::TasksEvents tev;
    tev.on_run_start = [&](int run, int runs, int k) {
      run_now = run;
      runs_total = runs;
      k_now = k;
      transfer.bytes_sent = 0;
      if (!tty_bar) say("run " + std::to_string(run) + "/" + std::to_string(runs) + ": K=" +
                        std::to_string(k));
    };
    tev.on_run_done = [&](const bench::TasksRunResult& r) {
      std::string head = "run " + std::to_string(run_now.load()) + "/" +
                         std::to_string(runs_total.load()) + " (K=" +
                         std::to_string(r.parallel_tasks) + "): ";
      if (r.status.ok()) {
        say(head + std::to_string(r.done) + " tasks in " + Fixed(r.seconds, 2) + " s, " +
            Fixed(r.TasksPerSecond(), 2) + " tasks/s, " + Fixed(r.BytesPerSecond() / kMiB, 1) +
            " MiB/s, build " + Fixed(r.build_seconds, 2) + " s");
      } else if (r.status.code() != Status::Code::kCancelled) {
        say(head + "failed: " + r.status.message());
      }
    };
    ProgressLine bar(tty_bar, [&]() -> std::string {
      return "run " + std::to_string(run_now.load()) + "/" + std::to_string(runs_total.load()) +
             " (K=" + std::to_string(k_now.load()) + "): " +
             FormatBytes(transfer.bytes_sent.load()) + " sent";
    });
    rec.task_runs = bench::RunTasksBench(tasks_options, target, tev, &transfer, cancel);
  } else {
    ProgressLine bar(tty_bar, [&]() -> std::string {
      bench::Stage stage = live.stage.load();
      std::string line = "run " + std::to_string(live.run.load()) + "/" +
                         std::to_string(live.runs.load()) + ": " +
                         std::string(bench::StageName(stage));
      if (stage == bench::Stage::kUpload) {
        uint64_t sent = live.transfer.bytes_sent.load();
        auto started = std::chrono::steady_clock::time_point(
            std::chrono::nanoseconds(live.upload_started_ns.load()));
        double secs =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        line += " " + TransferProgressText(live.transfer.files_done.load(),
                                           live.planned_files.load(), sent,
                                           live.planned_bytes.load(),
                                           secs > 0.2 ? static_cast<double>(sent) / secs : 0,
                                           live.transfer.in_flight.load(), /*with_eta=*/false);
      }
      return line;
    });
    rec.runs = bench::RunBench(bo, target, &live, events, cancel);
  }
  if (receiver) receiver->Stop();
  rec.interrupted = cancel->load();
  int code = kExitOk;
  for (const bench::RunResult& r : rec.runs) {
    if (!r.status.ok() && r.status.code() != Status::Code::kCancelled) code = kExitFailed;
  }
  for (const bench::TasksRunResult& r : rec.task_runs) {
    if (!r.status.ok() && r.status.code() != Status::Code::kCancelled) code = kExitFailed;
  }
  return finish(code);
}

}  // namespace ingest::cli
