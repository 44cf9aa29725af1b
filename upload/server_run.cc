#include "upload/server_run.h"

#include <simdjson.h>

#include <chrono>
#include <map>

#include "engine/file_order.h"
#include "engine/media_kind.h"
#include "upload/annotation_import.h"
#include "upload/http_client.h"
#include "upload/server_listing.h"
#include "upload/server_unit.h"
#include "upload/unit_pool.h"
#include "upload/unit_steps.h"

namespace ingest::upload {
namespace {

bool NamesManifest(const std::vector<std::string>& paths) {
  for (const std::string& p : paths) {
    if (ClassifyName(p) == MediaKind::kManifest) return true;
  }
  return false;
}

// What cannot mean anything for these sources, before any request.
Status CheckRunFits(const ServerSources& src, const DataOptions& data, const UnitOptions& units) {
  if (!UsesTemplate(units)) return Status();
  const std::string per = "--task-per " + std::string(TaskPerName(units.per));
  if (!src.remote.empty() && (units.per == TaskPer::kFolder || units.per == TaskPer::kArchive)) {
    return Status::InvalidArgument(
        per + " on --remote URLs: CVAT keeps a download's base name only, so URLs have no "
        "folders, and each URL is one file already (--task-per file: one task per URL)");
  }
  if (src.cloud_storage_id && (units.per == TaskPer::kVideo || units.per == TaskPer::kArchive)) {
    return Status::InvalidArgument(per + " on a bucket: its manifest lists images only "
                                   "(--task-per folder or file)");
  }
  if (NamesManifest(src.share) || NamesManifest(src.remote)) {
    return Status::InvalidArgument("a manifest among the files orders one task; a run of many "
                                   "(--task-per, --split-every) orders each task's files itself");
  }
  if (!data.job_file_mapping_json.empty()) {
    return Status::InvalidArgument("--job-file-mapping names the files of one task; a run of many "
                                   "(--task-per, --split-every) cannot take it");
  }
  return Status();
}

// The frames of one unit, in the final order: indices into the listing.
std::vector<uint32_t> FinalOrder(const TaskUnit& unit, const ServerListing& listing,
                                 const UnitOptions& opt) {
  if (unit.ordered) return unit.records;
  std::vector<uint32_t> order = OrderBy(
      unit.records.size(),
      [&](size_t i) { return std::string_view(listing.frame_names[unit.records[i]]); },
      opt.sorting, opt.seed);
  std::vector<uint32_t> out;
  out.reserve(order.size());
  for (uint32_t k : order) out.push_back(unit.records[k]);
  return out;
}

// The files of --job-file-mapping (a JSON list of lists of names), job after job.
Result<std::vector<std::string>> MappingChain(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::array jobs;
  if (parser.parse(json).get(jobs) != simdjson::SUCCESS) {
    return Status::InvalidArgument("--job-file-mapping: not a JSON list of lists of file names");
  }
  std::vector<std::string> out;
  for (simdjson::dom::element job : jobs) {
    simdjson::dom::array files;
    if (job.get(files) != simdjson::SUCCESS) {
      return Status::InvalidArgument("--job-file-mapping: not a JSON list of lists of file names");
    }
    for (simdjson::dom::element f : files) {
      std::string_view name;
      if (f.get(name) != simdjson::SUCCESS) {
        return Status::InvalidArgument("--job-file-mapping: a file name that is no string");
      }
      out.emplace_back(name);
    }
  }
  return out;
}

// With --job-file-mapping: the unit's files in the mapping's order (CVAT makes its frames the
// mapping's files, job after job); a mapped file that is not among them is refused.
Result<std::vector<uint32_t>> MappedOrder(const TaskUnit& unit, const ServerListing& listing,
                                          const std::string& mapping_json) {
  INGEST_ASSIGN_OR_RETURN(std::vector<std::string> chain, MappingChain(mapping_json));
  std::map<std::string_view, uint32_t> by_frame;
  for (uint32_t rec : unit.records) by_frame.emplace(listing.frame_names[rec], rec);
  std::vector<uint32_t> out;
  for (const std::string& name : chain) {
    auto it = by_frame.find(name);
    if (it == by_frame.end()) {
      return Status::InvalidArgument("--job-file-mapping: '" + name + "' is not among the files "
                                     "CVAT would read (names as CVAT gives the frames: paths "
                                     "in the share or bucket, a URL's base name)");
    }
    out.push_back(it->second);
  }
  return out;
}

// The unit's data request: its files one by one, in the final order.
Result<ServerUnitPlan> PlanUnit(const TaskUnit& unit, const ServerListing& listing,
                                const ServerSources& src, const DataOptions& data,
                                const UnitOptions& opt) {
  ServerUnitPlan r;
  ServerSources one;
  one.cloud_storage_id = src.cloud_storage_id;
  one.bucket_manifest = src.bucket_manifest;
  std::vector<std::string>& list =
      src.cloud_storage_id ? one.cloud_files : (src.remote.empty() ? one.share : one.remote);
  const bool mapped = !data.job_file_mapping_json.empty();
  std::vector<uint32_t> order;
  if (mapped) {
    INGEST_ASSIGN_OR_RETURN(order, MappedOrder(unit, listing, data.job_file_mapping_json));
  } else {
    order = FinalOrder(unit, listing, opt);
  }
  bool images = true;
  for (uint32_t rec : order) {
    list.push_back(listing.server_names[rec]);
    r.frames.push_back(listing.frame_names[rec]);
    images = images && listing.scan.files[rec].kind == MediaKind::kImage;
  }
  if (data.validation.NeedsServerRandom()) {
    one.sorting_method = "random";
    r.frames.clear();  // CVAT's order, not ours to check
  } else if (!images || mapped) {
    one.sorting_method = "lexicographical";  // CVAT takes job_file_mapping with it only
    if (!images) r.frames.clear();  // a video's or an archive's frames have no names
  } else {
    one.sorting_method =
        opt.sorting == SortingMethod::kLexicographical ? "lexicographical" : "predefined";
  }
  DataOptions unit_data = data;
  unit_data.filename_pattern.clear();  // the pattern's files are named one by one
  r.request_json = BuildServerSourceBody(one, unit_data);
  return r;
}

}  // namespace

Status CheckServerFrames(CvatApi& api, int64_t task_id, const std::vector<std::string>& frames) {
  if (frames.empty()) return Status();
  const std::string where = "task " + std::to_string(task_id);
  INGEST_ASSIGN_OR_RETURN(
      size_t count, api.VisitFrameNames(task_id, [&](size_t i, std::string_view name) -> Status {
        if (i >= frames.size()) {
          return Status::Remote(where + " has more frames than the " +
                                std::to_string(frames.size()) + " asked");
        }
        if (!name.ends_with(frames[i])) {
          return Status::Remote(where + ": frame " + std::to_string(i) + " is '" +
                                std::string(name) + "', asked '" + frames[i] + "'");
        }
        return Status();
      }));
  if (count != frames.size()) {
    return Status::Remote(where + " has " + std::to_string(count) + " frames, " +
                          std::to_string(frames.size()) + " were asked");
  }
  return Status();
}

bool ClientOrdersServerFiles(const ServerSources& src, const DataOptions& data,
                             const UnitOptions& units) {
  if (UsesTemplate(units)) return true;
  if (data.validation.NeedsServerRandom()) return false;
  if (NamesManifest(src.share) || NamesManifest(src.remote)) return false;
  return src.seed_given || !data.job_file_mapping_json.empty() ||
         units.sorting == SortingMethod::kNatural || units.sorting == SortingMethod::kPredefined;
}

namespace {

// The workers' shared state once the units are planned.
struct ServerRun {
  const UploadJob& job;
  const std::vector<TaskUnit>& units;
  const std::vector<ServerUnitPlan>& plans;
  std::vector<UnitReport>& reports;
  const std::atomic<bool>* cancel;
  std::string journal_dir;
  std::vector<std::string> annotation_paths;  // --annotations of each unit (none: empty)
  CreationTurns turns;
  RunReporter reporter;

  ServerRun(const UploadJob& j, const std::vector<TaskUnit>& u,
            const std::vector<ServerUnitPlan>& p, std::vector<UnitReport>& r,
            const RunEvents& events, const std::atomic<bool>* c)
      : job(j), units(u), plans(p), reports(r), cancel(c), turns(u.size()),
        reporter(events, false) {}

  // Unit `index`: done by an earlier run (its journal says so), else its task.
  void RunOne(size_t index, CvatApi& api) {
    auto t0 = std::chrono::steady_clock::now();
    UnitReport& r = reports[index];
    UploadJob uj = job;
    uj.task.name = units[index].name;
    uj.journal_path = UnitJournalPath(journal_dir, job, uj.task.name);
    if (uj.annotations) uj.annotations->path = annotation_paths[index];
    bool building = false;
    UploadEvents ev = UnitTurnEvents(turns, reporter, index, r, &building, cancel);
    UploadOutcome out;
    out.server = job.server;
    if (job.task_id) out.task_id = job.task_id;
    if (CheckEarlierRun(api, uj.journal_path, out) != EarlierRun::kFinished) {
      RunServerUnit(api, uj, plans[index], ev, cancel, out);
    }
    turns.Pass(index);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    SettleUnit(api, uj.journal_path, out, r);
    reporter.End(r, out, building);
  }
};

// Lists the sources and groups them into units; fills the plans of the units.
Result<std::vector<TaskUnit>> PlanUnits(CvatApi& api, const UploadJob& job,
                                        const ServerSources& src, const UnitOptions& units,
                                        ServerRunOutcome& out, std::vector<ServerUnitPlan>* plans) {
  INGEST_ASSIGN_OR_RETURN(ServerListing listing,
                          ListServerSources(api, src, job.data.filename_pattern));
  out.skipped_files = listing.skipped;
  UnitOptions opt = units;
  opt.name_template = job.task.name;
  opt.pack = PackMode::kZip;  // --split-every cuts on the paths CVAT sorts, not base names
  INGEST_ASSIGN_OR_RETURN(std::vector<TaskUnit> grouped, GroupIntoUnits(listing.scan, opt));
  for (const TaskUnit& unit : grouped) {
    INGEST_ASSIGN_OR_RETURN(ServerUnitPlan plan, PlanUnit(unit, listing, src, job.data, opt));
    plans->push_back(std::move(plan));
    out.run.total_files += unit.records.size();
  }
  return grouped;
}

}  // namespace

ServerRunOutcome RunServerSourceUnits(UploadJob job, const ServerSources& src,
                                      const RunOptions& options, const ServerRunEvents& events,
                                      const std::atomic<bool>* cancel) {
  ServerRunOutcome out;
  auto t0 = std::chrono::steady_clock::now();
  auto stop = [&](Status s) {
    out.run.status = std::move(s);
    out.run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return out;
  };
  if (Status s = CheckRunFits(src, job.data, options.units); !s.ok()) return stop(s);
  HttpClient http(job.transfer.connection, job.auth_headers);
  CvatApi api(job.server, &http);
  if (Status s = ConnectToServer(job, api, &http, &out.notes); !s.ok()) return stop(s);
  std::vector<ServerUnitPlan> plans;
  Result<std::vector<TaskUnit>> units = PlanUnits(api, job, src, options.units, out, &plans);
  if (!units) return stop(units.error());
  std::vector<std::string> annotation_paths;
  if (job.annotations) {  // every unit's file, before any task is made
    Result<std::vector<std::string>> paths = UnitAnnotationPaths(job.annotations->path, *units);
    if (!paths) return stop(paths.error());
    annotation_paths = std::move(*paths);
  }
  if (events.run.on_units) events.run.on_units(*units, annotation_paths);
  std::vector<UnitReport> reports(units->size());
  for (size_t i = 0; i < units->size(); ++i) {
    reports[i].index = i;
    reports[i].name = (*units)[i].name;
    reports[i].files = (*units)[i].records.size();
    if (job.dry_run && events.on_planned) events.on_planned(reports[i], plans[i].request_json);
  }
  if (!job.dry_run) {
    ServerRun run(job, *units, plans, reports, events.run, cancel);
    run.annotation_paths = std::move(annotation_paths);
    if (!job.journal_path.empty()) run.journal_dir = RunJournalDir(job.journal_path);
    RunOnWorkers(job, http.common_headers(), units->size(), options.parallel_tasks, cancel,
                 [&run](size_t index, CvatApi& unit_api, HttpClient&) {
                   run.RunOne(index, unit_api);
                 });
  }
  out.run.units = std::move(reports);
  out.run.cancelled = cancel && cancel->load();
  return stop(out.run.cancelled ? Status::Cancelled("interrupted") : Status());
}

}  // namespace ingest::upload
