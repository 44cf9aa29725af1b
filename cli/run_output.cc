// cvat-ingest upload, a run of many tasks (--task-per, --split-every): the plan listing, a
// line per finished task, progress (bar or JSON events) and the summary or --json document.
#include "cli/run_output.h"

#include <atomic>
#include <algorithm>
#include <chrono>
#include <map>
#include <cstdio>
#include <mutex>
#include <optional>
#include <thread>

#include "cli/annotation_progress.h"
#include "cli/exit_codes.h"
#include "cli/options.h"
#include "cli/progress.h"
#include "cli/report.h"
#include "manifest/jsonl_encoder.h"

namespace ingest::cli {
namespace {

using upload::UnitReport;

const char* StateName(UnitReport::State s) {
  switch (s) {
    case UnitReport::State::kDone: return "done";
    case UnitReport::State::kFailed: return "failed";
    case UnitReport::State::kSkipped: return "skipped";
    case UnitReport::State::kInterrupted: return "interrupted";
    case UnitReport::State::kNotStarted: return "not started";
  }
  return "?";
}

std::string Json(std::string_view s) {
  std::string out;
  manifest::AppendJsonString(s, &out);
  return out;
}

std::string TaskUrl(const std::string& server, int64_t id) {
  std::string url = server;
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url + "/tasks/" + std::to_string(id);
}

template <class N>
const char* Plural(N n, const char* one, const char* many) {
  return n == 1 ? one : many;
}

}  // namespace

void PrintRunPlan(const std::vector<upload::TaskUnit>& units, bool dry_run,
                  const std::vector<std::string>& annotations) {
  uint64_t bytes = 0, files = 0, frames = 0;
  for (const upload::TaskUnit& u : units) {
    bytes += u.bytes;
    files += u.records.size();
    frames += u.frames;
  }
  std::fprintf(stderr, "plan: %zu task%s, %llu file%s, %s\n", units.size(),
               Plural(units.size(), "", "s"), static_cast<unsigned long long>(files),
               Plural(files, "", "s"), FormatBytes(bytes).c_str());
  if (!dry_run) return;
  for (size_t i = 0; i < units.size(); ++i) {
    const upload::TaskUnit& u = units[i];
    std::printf("%zu\t%s\t%zu file%s\t%llu frame%s\t%s%s%s\n", i + 1, u.name.c_str(),
                u.records.size(), Plural(u.records.size(), "", "s"),
                static_cast<unsigned long long>(u.frames), Plural(u.frames, "", "s"),
                FormatBytes(u.bytes).c_str(), i < annotations.size() ? "\tannotations " : "",
                i < annotations.size() ? annotations[i].c_str() : "");
  }
  std::printf("total\t%zu task%s\t%llu file%s\t%llu frame%s\t%s\n", units.size(),
              Plural(units.size(), "", "s"), static_cast<unsigned long long>(files),
              Plural(files, "", "s"), static_cast<unsigned long long>(frames),
              Plural(frames, "", "s"), FormatBytes(bytes).c_str());
}

namespace {

void PrintUnitEnd(const UnitReport& r, const upload::UploadOutcome& out, const std::string& server,
                  bool dry_run) {
  for (const ScanProblem& p : out.scan_errors) {
    std::fprintf(stderr, "error: %s: %s\n", r.name.c_str(), p.status.message().c_str());
  }
  for (const upload::Refusal& x : out.refusals) {
    std::fprintf(stderr, "refused: %s: %s: %s\n", r.name.c_str(), x.path.c_str(), x.reason.c_str());
  }
  for (const upload::FileFailure& f : out.failures) {
    std::fprintf(stderr, "failed: %s: %s: %s\n", r.name.c_str(),
                 std::string(out.plan->files[f.file].name).c_str(), f.status.message().c_str());
  }
  for (const std::string& note : out.notes) {
    std::fprintf(stderr, "note: %s: %s\n", r.name.c_str(), note.c_str());
  }
  if (dry_run) return;
  switch (r.state) {
    case UnitReport::State::kDone:
      std::fprintf(stderr, "task %lld '%s' is ready: %lld frame%s, %s%s\n",
                   static_cast<long long>(r.task_id), r.name.c_str(),
                   static_cast<long long>(r.frames), Plural(r.frames, "", "s"),
                   TaskUrl(server, r.task_id).c_str(),
                   r.order_ok ? "" : " (warning: frame order differs)");
      break;
    case UnitReport::State::kSkipped:
      std::fprintf(stderr, "task %lld '%s' skipped: it has its data (%lld frame%s)\n",
                   static_cast<long long>(r.task_id), r.name.c_str(),
                   static_cast<long long>(r.frames), Plural(r.frames, "", "s"));
      break;
    case UnitReport::State::kFailed:
      std::fprintf(stderr, "task '%s' failed: %s\n", r.name.c_str(), r.error.message().c_str());
      break;
    case UnitReport::State::kInterrupted:
    case UnitReport::State::kNotStarted: break;
  }
}

// The bytes of the units' annotation files on the server, for the run's progress line.
struct AnnotationBytes {
  std::atomic<uint64_t> done{0}, total{0};
  std::map<size_t, uint64_t> last;  // unit -> its bytes counted; the caller serialises Add

  void Add(size_t unit, uint64_t unit_done, uint64_t unit_total) {
    auto [it, fresh] = last.try_emplace(unit, 0);
    if (fresh) total += unit_total;
    done += unit_done - std::min(unit_done, it->second);
    it->second = std::max(unit_done, it->second);
  }
};

void PrintJson(const upload::RunOutcome& out, const std::string& server) {
  std::string doc = "{\"tasks\":[";
  size_t done = 0, failed = 0, skipped = 0;
  for (size_t i = 0; i < out.units.size(); ++i) {
    const UnitReport& r = out.units[i];
    done += r.state == UnitReport::State::kDone;
    failed += r.state == UnitReport::State::kFailed;
    skipped += r.state == UnitReport::State::kSkipped;
    doc += i ? "," : "";
    doc += "{\"name\":" + Json(r.name) + ",\"task_id\":" +
           (r.task_id ? std::to_string(r.task_id) : "null") + ",\"url\":" +
           (r.task_id ? Json(TaskUrl(server, r.task_id)) : "null") +
           ",\"frames\":" + std::to_string(r.frames) + ",\"files\":" + std::to_string(r.files) +
           ",\"bytes\":" + std::to_string(r.bytes) + ",\"status\":" + Json(StateName(r.state)) +
           ",\"error\":" + (r.error.ok() ? "null" : Json(r.error.message())) + "}";
  }
  char totals[256];
  std::snprintf(totals, sizeof totals,
                "],\"totals\":{\"tasks\":%zu,\"done\":%zu,\"failed\":%zu,\"skipped\":%zu,"
                "\"files\":%zu,\"bytes\":%llu,\"seconds\":%.3f}}\n",
                out.units.size(), done, failed, skipped, out.total_files,
                static_cast<unsigned long long>(out.total_bytes), out.seconds);
  doc += totals;
  std::fputs(doc.c_str(), stdout);
}

}  // namespace

int ExecuteRun(upload::UploadJob job, const upload::RunOptions& options,
               const std::string& progress_mode, bool json_summary, const std::string& run_dir,
               PlannedUnits* planned) {
  RunPrinting printing;
  printing.server = job.server;
  printing.dry_run = job.dry_run;
  printing.progress_mode = progress_mode;
  printing.json_summary = json_summary;
  printing.run_dir = run_dir;
  return ReportRun(printing, [&](const upload::RunEvents& events,
                                 upload::TransferCounters* counters,
                                 const std::atomic<bool>* cancel) {
    return planned ? upload::RunPlannedUnits(std::move(job), options, events,
                                             std::move(planned->scan), std::move(planned->units),
                                             std::move(planned->plan_index), counters, cancel)
                   : upload::RunUploadRun(std::move(job), options, events, counters, cancel);
  });
}

int ReportRun(const RunPrinting& printing, const RunFn& run) {
  const std::atomic<bool>* cancel = InstallInterruptFlag();
  upload::TransferCounters counters;
  std::atomic<uint64_t> total_bytes{0};
  std::atomic<size_t> total_tasks{0}, building{0}, finished{0};
  AnnotationBytes annotation_bytes;
  std::optional<ProgressLine> bar;
  std::mutex print_mu;  // the workers' events are serialised already; the bar is apart
  auto t0 = std::chrono::steady_clock::now();
  const std::string& progress_mode = printing.progress_mode;
  const bool json_events = progress_mode == "json";
  const std::string& server = printing.server;
  const bool dry_run = printing.dry_run;
  const std::string& run_dir = printing.run_dir;

  upload::RunEvents events;
  events.on_units = [&](const std::vector<upload::TaskUnit>& units,
                        const std::vector<std::string>& annotations) {
    if (printing.print_plan) {
      printing.print_plan(units, annotations);
    } else {
      PrintRunPlan(units, dry_run, annotations);
    }
    total_tasks = units.size();
    for (const upload::TaskUnit& u : units) total_bytes += u.bytes;
    t0 = std::chrono::steady_clock::now();
    if (!dry_run && (progress_mode == "auto" || progress_mode == "bar")) {
      bar.emplace(true, [&] {
        double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        uint64_t sent = counters.bytes_sent.load() + counters.bytes_resent.load();
        const uint64_t ann_total = annotation_bytes.total.load();
        return "tasks " + std::to_string(finished.load()) + "/" + std::to_string(total_tasks) +
               " (" + std::to_string(building.load()) + " building), " +
               FormatBytes(counters.bytes_done.load()) + " / " + FormatBytes(total_bytes) + ", " +
               Rate(secs > 0 ? static_cast<double>(sent) / secs : 0) +
               (ann_total ? ", annotations " + FormatBytes(annotation_bytes.done.load()) + " / " +
                                FormatBytes(ann_total)
                          : "");
      });
    }
  };
  events.on_task = [&](const UnitReport& r, std::string_view event) {
    if (!json_events) return;
    std::fprintf(stderr, "{\"event\":\"task\",\"state\":%s,\"index\":%zu,\"name\":%s,"
                 "\"task_id\":%lld}\n", Json(event).c_str(), r.index + 1, Json(r.name).c_str(),
                 static_cast<long long>(r.task_id));
  };
  AnnotationProgress annotation_events(json_events ? "json" : "none");
  events.on_annotation_bytes = [&](const UnitReport& r, uint64_t done, uint64_t total) {
    annotation_events.Update(r.name, done, total);
    annotation_bytes.Add(r.index, done, total);
  };
  events.on_phase = [&](size_t b, size_t f) {
    building = b;
    finished = f;
  };
  events.on_unit_end = [&](const UnitReport& r, const upload::UploadOutcome& out) {
    std::lock_guard<std::mutex> lock(print_mu);
    PrintUnitEnd(r, out, server, dry_run);
  };
  upload::RunOutcome out = run(events, &counters, cancel);
  bar.reset();
  // With --skip-bad the run goes on without them: they were skipped, not fatal.
  for (const ScanProblem& p : out.scan_errors) {
    std::fprintf(stderr, "%s: %s\n", out.status.ok() ? "skipped" : "error",
                 p.status.message().c_str());
  }
  if (printing.after_run) printing.after_run();
  if (!out.status.ok() && !out.cancelled) {
    return printing.refusal_is_usage && out.status.code() == Status::Code::kInvalidArgument
               ? UsageError("upload", out.status)
               : RunError("upload", out.status);
  }
  size_t done = 0, failed = 0, skipped = 0, left = 0;
  for (const UnitReport& r : out.units) {
    done += r.state == UnitReport::State::kDone;
    failed += r.state == UnitReport::State::kFailed;
    skipped += r.state == UnitReport::State::kSkipped;
    left += r.state == UnitReport::State::kNotStarted ||
            r.state == UnitReport::State::kInterrupted;
  }
  if (dry_run) return failed ? kExitPartial : kExitOk;
  if (printing.json_summary) PrintJson(out, server);
  std::fprintf(stderr, "%zu task%s: %zu done, %zu skipped, %zu failed%s in %.1f s, %s\n",
               out.units.size(), Plural(out.units.size(), "", "s"), done, skipped, failed,
               left ? (", " + std::to_string(left) + " not finished").c_str() : "", out.seconds,
               RetriesText(counters.retries.load(), counters.bytes_resent.load()).c_str());
  if (out.cancelled) {
    if (run_dir.empty()) {
      std::fprintf(stderr, "interrupted: the run kept no journal; run the same command with "
                           "--skip-existing to go on without duplicates\n");
    } else {
      std::fprintf(stderr, "interrupted: the run goes on where it stopped with the same command, "
                           "or: cvat-ingest resume %s\n", run_dir.c_str());
    }
    return kExitInterrupted;
  }
  if (failed) {
    std::fprintf(stderr, "%zu task%s failed (above); the same command makes %s again%s%s\n",
                 failed, Plural(failed, "", "s"), failed == 1 ? "it" : "them",
                 run_dir.empty() ? "" : ", or: cvat-ingest resume ", run_dir.c_str());
  }
  return failed || !out.scan_errors.empty() ? kExitPartial : kExitOk;
}

}  // namespace ingest::cli
