#include "cli/server_source_command.h"

#include <cstdio>

#include "cli/credentials.h"
#include "cli/exit_codes.h"
#include "cli/report.h"
#include "cli/run_record.h"
#include "cli/upload_options.h"
#include "upload/server_run.h"
#include "upload/journal.h"
#include "upload/server_sources.h"

namespace ingest::cli {
namespace {

// upload's options that are about local files: refused with server-side sources.
constexpr const char* kLocalOnly[] = {
    "manifest", "pack", "extract", "include", "exclude",
    "files-from", "skip-bad", "verify", "allow-changed", "fresh",
    "batch", "tus-threshold", "tus-chunk", "problems"};
// Options of a run whose units the client lists (upload/server_run.h): refused when CVAT
// lists the files itself (one data request, no unit to journal or to look for).
constexpr const char* kRunOnly[] = {"skip-existing", "journal"};

Status ReadSources(const ParsedArgs& opt, upload::ServerSources* src) {
  src->share = opt.GetAll("share");
  src->share_exclude = opt.GetAll("share-exclude");
  src->cloud_files = opt.GetAll("cloud-file");
  for (const std::string& r : opt.GetAll("remote")) {
    if (!r.starts_with("@")) {
      src->remote.push_back(r);
      continue;
    }
    Result<std::string> text = ReadWholeFile(r.substr(1));
    if (!text) return text.error().WithPrefix("--remote");
    size_t start = 0;
    while (start < text->size()) {
      size_t end = text->find('\n', start);
      if (end == std::string::npos) end = text->size();
      std::string line = text->substr(start, end - start);
      start = end + 1;
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      if (!line.empty() && line[0] != '#') src->remote.push_back(line);
    }
  }
  if (opt.Has("cloud-storage-id")) {
    INGEST_ASSIGN_OR_RETURN(uint64_t id, opt.GetUint("cloud-storage-id", 0));
    if (id == 0 || id > (uint64_t{1} << 62)) {
      return Status::InvalidArgument("--cloud-storage-id: an id from 1");
    }
    src->cloud_storage_id = static_cast<int64_t>(id);
  }
  if (opt.Has("manifest-in-bucket")) {
    if (!src->cloud_storage_id) {
      return Status::InvalidArgument("--manifest-in-bucket goes with --cloud-storage-id");
    }
    src->bucket_manifest = opt.Get("manifest-in-bucket");
    if (!src->bucket_manifest.ends_with(".jsonl")) {
      return Status::InvalidArgument("--manifest-in-bucket: a .jsonl file of the bucket");
    }
  }
  src->sorting_method = opt.Get("sorting-method", "lexicographical");
  src->sorting_given = opt.Has("sorting-method");
  src->seed_given = opt.Has("seed");
  if (!opt.positional.empty()) {
    return Status::InvalidArgument("'" + opt.positional[0] +
                                   "' is a local PATH; --share, --remote and --cloud-storage-id "
                                   "name files CVAT reads itself: one or the other");
  }
  for (const char* name : kLocalOnly) {
    if (opt.Has(name)) {
      return Status::InvalidArgument(std::string("--") + name +
                                     " is about local files; these are files CVAT reads itself");
    }
  }
  return Status();
}

int Report(const upload::ServerSourceOutcome& out, const upload::UploadJob& job,
           const std::string& server) {
  for (const std::string& note : out.notes) std::fprintf(stderr, "note: %s\n", note.c_str());
  if (!out.status.ok()) {
    int code = RunError("upload", out.status);
    if (out.task_deleted) {
      std::fprintf(stderr, "task %lld was deleted again (CVAT gives a task its data once)\n",
                   static_cast<long long>(*out.task_id));
    }
    return code;
  }
  if (job.dry_run) {
    std::printf("dry run: would create %s, then send the data request\n  %s\n",
                job.task_id ? ("nothing (task " + std::to_string(*job.task_id) + ")").c_str()
                            : ("a new task '" + job.task.name + "'").c_str(),
                out.request_json.c_str());
    return kExitOk;
  }
  std::string url = server;
  while (!url.empty() && url.back() == '/') url.pop_back();
  std::fprintf(stderr, "task %lld is ready: %lld frame%s, %s/tasks/%lld\n",
               static_cast<long long>(out.task.id), static_cast<long long>(out.task.size),
               out.task.size == 1 ? "" : "s", url.c_str(), static_cast<long long>(out.task.id));
  std::printf("%lld\n", static_cast<long long>(out.task.id));
  return kExitOk;
}

// The sources as the journal's key names them (one run's journal per sources and options).
std::vector<std::string> SourceKey(const upload::ServerSources& src) {
  std::vector<std::string> key;
  for (const std::string& p : src.share) key.push_back("share:" + p);
  for (const std::string& p : src.share_exclude) key.push_back("share-exclude:" + p);
  for (const std::string& u : src.remote) key.push_back("remote:" + u);
  if (src.cloud_storage_id) {
    key.push_back("cloud:" + std::to_string(*src.cloud_storage_id) + ":" + src.bucket_manifest);
  }
  for (const std::string& p : src.cloud_files) key.push_back("cloud-file:" + p);
  return key;
}

// The units of a run the client lists (and orders): with --task-per or --split-every, the
// run's journal folder (default: under ~/.local/state, as for local files) with the command
// for `resume`; then the run.
int RunListedUnits(Args args, const ParsedArgs& opt, UploadSettings& settings,
                   const upload::ServerSources& src, const upload::UnitOptions& units) {
  upload::UploadJob& job = settings.job;
  upload::RunOptions options = settings.run;
  options.units = units;
  job.sources = SourceKey(src);
  ServerRunPrinting how{settings.progress_mode, opt.Has("json"), ""};
  if (upload::UsesTemplate(units) && !opt.Has("no-journal") && !job.dry_run) {
    const std::string key = job.task.name + "\n" + opt.Get("task-per") + "\n" +
                            opt.Get("split-every") + "\n" + opt.Get("sorting-method") + "\n" +
                            opt.Get("seed") + "\n" + opt.Get("filename-pattern");
    job.journal_path = opt.Has("journal") ? opt.Get("journal")
                                          : upload::DefaultJournalDir() + "/" +
                                                upload::UploadKey(job.server, job.sources, key) +
                                                ".journal";
    Result<std::string> dir =
        BeginRunRecord(job.journal_path, std::vector<std::string>(args.begin(), args.end()));
    if (!dir) return RunError("upload", dir.error());
    how.run_dir = *dir;
  }
  int code = RunServerUnits(std::move(job), src, options, how);
  if (code == kExitOk && !how.run_dir.empty()) {
    if (Status s = MarkRunDone(how.run_dir); !s.ok()) return RunError("upload", s);
  }
  return code;
}

}  // namespace

bool HasServerSourceOptions(const ParsedArgs& opt) {
  for (const OptionSpec& spec : kServerSourceOptions) {
    if (opt.Has(spec.name)) return true;
  }
  return false;
}

int RunServerSourceUpload(Args args, const ParsedArgs& opt, const std::string& server) {
  UploadSettings settings;
  if (Status s = ReadUploadSettings(opt, false, &settings); !s.ok()) {
    return UsageError("upload", s);
  }
  upload::ServerSources src;
  if (Status s = ReadSources(opt, &src); !s.ok()) return UsageError("upload", s);
  upload::UploadJob& job = settings.job;
  upload::UnitOptions units = settings.run.units;
  units.sorting = job.plan.sorting;
  units.seed = job.plan.seed;
  src.client_orders = upload::ClientOrdersServerFiles(src, job.data, units);
  if (Status s = upload::CheckServerSources(&src, &job.data); !s.ok()) {
    return UsageError("upload", s);
  }
  if (opt.Has("task") && upload::UsesTemplate(units)) {
    return UsageError("upload", Status::InvalidArgument(
                                    "--task ID names one task; --task-per and --split-every make "
                                    "a run of many (use --create TEMPLATE)"));
  }
  Credentials creds;
  if (Status c = ReadCredentials(opt, &creds); !c.ok()) return UsageError("upload", c);
  job.server = server;
  job.auth_headers = creds.headers;
  job.login = creds.login;
  job.org = opt.Get("org");
  if (opt.Has("task")) {
    Result<uint64_t> id = opt.GetUint("task", 0);
    if (!id) return UsageError("upload", id.error());
    job.task_id = static_cast<int64_t>(*id);
  }
  if (src.client_orders) return RunListedUnits(args, opt, settings, src, units);
  for (const char* name : kRunOnly) {
    if (opt.Has(name)) {
      return UsageError("upload", Status::InvalidArgument(
                                      std::string("--") + name + " goes with a run whose files "
                                      "this client lists (--task-per, --split-every, or an order "
                                      "computed here); here CVAT lists the files itself"));
    }
  }
  std::fprintf(stderr, "plan: files CVAT reads itself (%s), sorting %s by the server\n",
               src.cloud_storage_id ? "cloud storage" : (src.share.empty() ? "remote" : "share"),
               src.sorting_method.c_str());
  upload::ServerSourceOutcome out = upload::RunServerSourceJob(
      job, src, [](const upload::RequestState&) {}, InstallInterruptFlag());
  return Report(out, job, server);
}

}  // namespace ingest::cli
