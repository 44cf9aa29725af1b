#include "upload/annotation_import.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <map>
#include <optional>
#include <thread>

#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/cvat_version.h"
#include "upload/api_replies.h"
#include "upload/curl_util.h"
#include "upload/file_reader.h"
#include "upload/transfer_engine.h"

namespace ingest::upload {
namespace {

constexpr uint64_t kChunk = 16 << 20;  // PATCH size: well under CVAT's 100 MiB
constexpr int kAttempts = 5;           // tries of one PATCH (with a HEAD between them)
constexpr int64_t kClockMargin = 120;  // seconds of clock skew between client and server

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Basename(const std::string& path) {
  return std::filesystem::path(path).filename().string();
}

std::optional<uint64_t> ParseOffset(const std::string& text) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

// Fills `buf` from `offset` (short reads are continued); IoError when the file ends early.
Status ReadFull(FileReader& reader, const std::string& path, uint64_t offset, std::string* buf) {
  size_t done = 0;
  while (done < buf->size()) {
    INGEST_ASSIGN_OR_RETURN(size_t n,
                            reader.ReadAt(offset + done, buf->data() + done, buf->size() - done));
    if (n == 0) return Status::IoError("read " + path + ": the file is shorter than it was");
    done += n;
  }
  return Status();
}

int64_t MtimeNsOf(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

// One import into one task: the steps of the top of annotation_import.h, each recorded.
class Importer {
 public:
  Importer(CvatApi& api, Journal* journal, int64_t task_id, const AnnotationSpec& spec,
           const std::atomic<bool>* cancel, AnnotationBytesFn on_bytes)
      : api_(api), journal_(journal), task_id_(task_id), spec_(spec), cancel_(cancel),
        on_bytes_(std::move(on_bytes)) {
    base_ = "/api/tasks/" + std::to_string(task_id) + "/annotations/";
    query_ =
        "?format=" + PercentEncode(spec.format) + "&filename=" + PercentEncode(Basename(spec.path));
  }

  Status Run(const std::function<void(const RequestState&)>& on_state,
             std::vector<std::string>* notes);

 private:
  std::string Get(const std::string& key) {
    return journal_ ? journal_->GetValue(key) : memory_[key];
  }
  Status Set(const std::string& key, const std::string& value) {
    if (journal_) return journal_->SetValue(key, value);
    memory_[key] = value;
    return Status();
  }
  bool Cancelled() const { return cancel_ && cancel_->load(); }
  std::string What() const {
    return "annotations " + spec_.path + " (" + spec_.format + ") for task " +
           std::to_string(task_id_);
  }
  // Upload-Start and the TUS upload of the file (resumed at the recorded location).
  Status Upload();
  Status SendBytes(const std::string& location, uint64_t offset, uint64_t size);
  // HEAD <location>: the offset the server holds; NotFound when the upload is gone (done).
  Result<uint64_t> Head(const std::string& location);
  // TUS creation: the new upload's path, or "" when the server holds the file complete (409).
  Result<std::string> Create(uint64_t size);
  // Upload-Finish: the import request's id ("" when the server says one runs already).
  Result<std::string> Finish();
  // The newest import request of the task made since Upload-Finish was recorded; "" if none.
  Result<std::string> FindRequest();
  Status Poll(const std::string& rq_id, const std::function<void(const RequestState&)>& on_state);
  Result<RequestState> PollOld(const std::string& rq_id);
  std::vector<std::string> TusHeaders() const {
    return {"Tus-Resumable: 1.0.0", "Origin: " + api_.Origin()};
  }

  CvatApi& api_;
  Journal* journal_;
  int64_t task_id_;
  const AnnotationSpec& spec_;
  const std::atomic<bool>* cancel_;
  AnnotationBytesFn on_bytes_;                 // progress of the file's upload (may be empty)
  std::string base_;                           // /api/tasks/<id>/annotations/
  std::string query_;                          // ?format=...&filename=...
  std::map<std::string, std::string> memory_;  // the state without a journal
};

Result<uint64_t> Importer::Head(const std::string& location) {
  HttpRequest req;
  req.method = "HEAD";
  req.url = api_.Origin() + location;
  req.headers = TusHeaders();
  INGEST_ASSIGN_OR_RETURN(HttpResponse r, api_.http()->Send(req));
  if (r.status == 404) return Status::NotFound("HEAD " + req.url + ": the upload is gone");
  if (r.status != 200) return HttpError("HEAD " + req.url, r);
  std::optional<uint64_t> offset = ParseOffset(r.Header("upload-offset"));
  if (!offset) return Status::Remote("HEAD " + req.url + ": no Upload-Offset in the reply");
  return *offset;
}

Result<std::string> Importer::Create(uint64_t size) {
  HttpRequest req;
  req.method = "POST";
  req.url = api_.base_url() + base_;
  req.headers = TusHeaders();
  req.headers.push_back("Upload-Length: " + std::to_string(size));
  req.headers.push_back("Upload-Metadata: filename " + Base64(Basename(spec_.path)));
  INGEST_ASSIGN_OR_RETURN(HttpResponse r, api_.http()->Send(req));
  // 409: a complete file of this name is there already (our upload, finished before its
  // last reply was recorded).
  if (r.status == 409) return std::string();
  if (r.status != 201) return HttpError("POST " + req.url + " (TUS creation)", r);
  std::string location = r.Header("location");
  if (location.empty()) return Status::Remote("POST " + req.url + ": the reply has no Location");
  return ResolveServerLocation(req.url, location);
}

Status Importer::SendBytes(const std::string& location, uint64_t offset, uint64_t size) {
  INGEST_ASSIGN_OR_RETURN(std::unique_ptr<FileReader> reader, OpenFileReader(spec_.path));
  std::string chunk;
  int failures = 0;
  if (on_bytes_) on_bytes_(offset, size);
  while (offset < size) {
    if (Cancelled()) return Status::Cancelled("stopped sending " + spec_.path);
    chunk.resize(static_cast<size_t>(std::min(kChunk, size - offset)));
    INGEST_RETURN_IF_ERROR(ReadFull(*reader, spec_.path, offset, &chunk));
    HttpRequest req;
    req.method = "PATCH";
    req.url = api_.Origin() + location;
    req.headers = TusHeaders();
    req.headers.push_back("Content-Type: application/offset+octet-stream");
    req.headers.push_back("Upload-Offset: " + std::to_string(offset));
    req.body = chunk;
    Result<HttpResponse> r = api_.http()->Send(req);
    if (r && r->status == 204) {
      std::optional<uint64_t> at = ParseOffset(r->Header("upload-offset"));
      offset = at ? *at : offset + chunk.size();
      failures = 0;
      if (on_bytes_) on_bytes_(offset, size);
      continue;
    }
    if (r && r->status == 404 && offset + chunk.size() >= size) return Status();  // completed
    const bool transient = !r ? r.error().code() == Status::Code::kNetwork
                              : r->status >= 500 || r->status == 409 || r->status == 429;
    if (!transient || ++failures >= kAttempts) {
      return r ? HttpError("PATCH " + req.url, *r) : r.error();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100 << failures));
    Result<uint64_t> head = Head(location);  // where the server is (409 carries no offset)
    if (!head && head.error().code() == Status::Code::kNotFound) return Status();  // completed
    if (!head) return head.error();
    offset = *head;
  }
  return Status();
}

Status Importer::Upload() {
  struct stat st;
  if (::stat(spec_.path.c_str(), &st) != 0) return FromErrno("stat " + spec_.path, errno);
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  const std::string identity = std::to_string(size) + ":" + std::to_string(MtimeNsOf(st));
  std::string location = Get("annotations_location");
  if (!location.empty() && Get("annotations_identity") != identity) {
    return Status::InvalidArgument(
        spec_.path + " changed since its upload to task " + std::to_string(task_id_) +
        " started (size or modification time): restore it, or delete the task's journal and "
        "import the file in CVAT");
  }
  if (Get("annotations_state").empty()) {
    INGEST_RETURN_IF_ERROR(
        api_.Request("POST", base_ + query_, "", {"Upload-Start: true"}, {202}).status());
    INGEST_RETURN_IF_ERROR(Set("annotations_state", "uploading"));
  }
  uint64_t offset = 0;
  if (!location.empty()) {
    Result<uint64_t> head = Head(location);
    if (!head && head.error().code() == Status::Code::kNotFound) return Status();  // complete
    if (!head) return head.error();
    offset = *head;
  } else {
    INGEST_ASSIGN_OR_RETURN(location, Create(size));
    if (location.empty()) return Status();  // complete already
    INGEST_RETURN_IF_ERROR(Set("annotations_identity", identity));
    INGEST_RETURN_IF_ERROR(Set("annotations_location", location));
  }
  return SendBytes(location, offset, size);
}

Result<std::string> Importer::Finish() {
  INGEST_ASSIGN_OR_RETURN(HttpResponse r, api_.Request("POST", base_ + query_, "",
                                                       {"Upload-Finish: true"}, {201, 202, 409}));
  if (r.status == 409) return std::string();        // an import of this task runs already
  if (r.status == 201) return std::string("done");  // an old server that imported at once
  return ParseRqIdReply(r.body, "POST " + base_ + " (Upload-Finish)");
}

Result<std::string> Importer::FindRequest() {
  if (!api_.has_requests_api()) return std::string();
  const std::string path =
      "/api/requests?action=import&target=task&subresource=annotations"
      "&task_id=" +
      std::to_string(task_id_);
  INGEST_ASSIGN_OR_RETURN(HttpResponse r, api_.Request("GET", path, "", {}, {200}));
  const int64_t since = std::atoll(Get("annotations_finish_unix").c_str()) - kClockMargin;
  return ParseImportRequests(r.body, "GET " + path, since);
}

Result<RequestState> Importer::PollOld(const std::string& rq_id) {
  const std::string path = base_ + query_ + "&rq_id=" + PercentEncode(rq_id);
  INGEST_ASSIGN_OR_RETURN(HttpResponse r, api_.Request("PUT", path, "", {}, {201, 202}));
  RequestState s;
  s.status = r.status == 201 ? "finished" : "started";
  return s;
}

Status Importer::Poll(const std::string& rq_id,
                      const std::function<void(const RequestState&)>& on_state) {
  auto interval = std::chrono::milliseconds(20);
  for (;;) {
    if (Cancelled()) return Status::Cancelled("stopped waiting for the import of " + spec_.path);
    Result<RequestState> state = api_.has_requests_api() ? api_.GetRequest(rq_id) : PollOld(rq_id);
    if (!state && state.error().code() == Status::Code::kNotFound) {
      // Expired (RQ keeps an ended request a few minutes): it ran, but its result is lost.
      return Status::Remote(What() + ": the server no longer knows import request " + rq_id +
                            "; check the task's annotations in CVAT");
    }
    if (!state) return state.error();
    if (on_state) on_state(*state);
    if (state->status == "finished") return Status();
    if (state->status == "failed") {
      return Status::Remote(What() + ": the server could not import it: " + state->message);
    }
    std::this_thread::sleep_for(interval);
    interval = std::min(interval * 2, std::chrono::milliseconds(2000));
  }
}

Status Importer::Run(const std::function<void(const RequestState&)>& on_state,
                     std::vector<std::string>* notes) {
  const auto t0 = std::chrono::steady_clock::now();
  std::string state = Get("annotations_state");
  if (state == "done") return Status();
  std::string rq_id = Get("annotations_rq_id");
  if (state == "finishing" && rq_id.empty()) {
    // Stopped after Upload-Finish was sent: the server may have taken it.
    INGEST_ASSIGN_OR_RETURN(rq_id, FindRequest());
    if (!rq_id.empty()) {
      INGEST_RETURN_IF_ERROR(Set("annotations_rq_id", rq_id));
      INGEST_RETURN_IF_ERROR(Set("annotations_state", "accepted"));
    }
  }
  if (rq_id.empty()) {
    if (state != "finishing") {
      INGEST_RETURN_IF_ERROR(Upload().WithPrefix(What()));
    }
    if (Cancelled()) return Status::Cancelled("stopped sending " + spec_.path);
    INGEST_RETURN_IF_ERROR(Set("annotations_finish_unix", std::to_string(std::time(nullptr))));
    INGEST_RETURN_IF_ERROR(Set("annotations_state", "finishing"));
    Result<std::string> accepted = Finish();
    if (!accepted) return accepted.error().WithPrefix(What());
    rq_id = *accepted;
    if (rq_id.empty()) {
      INGEST_ASSIGN_OR_RETURN(rq_id, FindRequest());
    }
    if (rq_id.empty()) {
      return Status::Remote(What() +
                            ": the server says an import runs already, and it is not "
                            "among the task's requests");
    }
    INGEST_RETURN_IF_ERROR(Set("annotations_rq_id", rq_id));
    INGEST_RETURN_IF_ERROR(Set("annotations_state", "accepted"));
  }
  Status polled = rq_id == "done" ? Status() : Poll(rq_id, on_state);
  if (!polled.ok() && polled.code() != Status::Code::kCancelled &&
      polled.message().find("could not import") != std::string::npos) {
    // A failed import changed nothing: the next run tries it afresh.
    for (const char* key : {"annotations_location", "annotations_rq_id", "annotations_state"}) {
      INGEST_RETURN_IF_ERROR(Set(key, ""));
    }
  }
  INGEST_RETURN_IF_ERROR(polled);
  INGEST_RETURN_IF_ERROR(Set("annotations_state", "done"));
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  char line[64];
  std::snprintf(line, sizeof line, " in %.1f s", secs);
  if (notes) notes->push_back(What() + ": imported" + line);
  return Status();
}

}  // namespace

Result<std::vector<ImportFormat>> ParseImportFormats(const std::string& body,
                                                     const std::string& what) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(body);
  simdjson::dom::element doc;
  simdjson::dom::array importers;
  if (parser.parse(padded).get(doc) != simdjson::SUCCESS ||
      doc["importers"].get(importers) != simdjson::SUCCESS) {
    return Status::Remote(what + ": the reply has no list of importers");
  }
  std::vector<ImportFormat> out;
  for (simdjson::dom::element e : importers) {
    std::string_view name;
    if (e["name"].get(name) != simdjson::SUCCESS) continue;
    ImportFormat f;
    f.name = std::string(name);
    bool enabled = true;
    if (e["enabled"].get(enabled) == simdjson::SUCCESS) f.enabled = enabled;
    out.push_back(std::move(f));
  }
  return out;
}

Result<std::string> ParseImportRequests(const std::string& body, const std::string& what,
                                        int64_t since_unix) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(body);
  simdjson::dom::element doc;
  simdjson::dom::array results;
  if (parser.parse(padded).get(doc) != simdjson::SUCCESS ||
      doc["results"].get(results) != simdjson::SUCCESS) {
    return Status::Remote(what + ": the reply is not a page of requests");
  }
  std::string best;
  int64_t best_time = 0;
  for (simdjson::dom::element e : results) {
    std::string_view id, type, created;
    if (e["id"].get(id) != simdjson::SUCCESS) continue;
    if (e["operation"]["type"].get(type) == simdjson::SUCCESS && type != "import:annotations") {
      continue;
    }
    int64_t t = e["created_date"].get(created) == simdjson::SUCCESS ? ParseIsoTime(created) : 0;
    if (t < since_unix || t < best_time) continue;
    best = std::string(id);
    best_time = t;
  }
  return best;
}

Result<std::vector<ImportFormat>> ListImportFormats(CvatApi& api) {
  const std::string path = "/api/server/annotation/formats";
  INGEST_ASSIGN_OR_RETURN(HttpResponse r, api.Request("GET", path, "", {}, {200}));
  return ParseImportFormats(r.body, "GET " + path);
}

Status CheckImportFormat(CvatApi& api, const std::string& format) {
  INGEST_ASSIGN_OR_RETURN(std::vector<ImportFormat> formats, ListImportFormats(api));
  std::string offered, near;
  for (const ImportFormat& f : formats) {
    if (f.name == format) {
      if (f.enabled) return Status();
      return Status::InvalidArgument("--annotations-format '" + format +
                                     "': the server has this importer disabled");
    }
    if (!f.enabled) continue;
    if (Lower(f.name) == Lower(format)) near = f.name;
    offered += (offered.empty() ? "" : ", ") + ("'" + f.name + "'");
  }
  std::string msg = "--annotations-format '" + format + "' is not a format this server imports";
  if (!near.empty()) msg += " (did you mean '" + near + "'?)";
  return Status::InvalidArgument(msg + "; it imports: " + (offered.empty() ? "none" : offered));
}

bool IsAnnotationTemplate(const std::string& path) { return path.find('{') != std::string::npos; }

Result<std::string> CheckAnnotationFile(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return FromErrno("--annotations " + path, errno);
  if (!S_ISREG(st.st_mode)) {
    return Status::InvalidArgument("--annotations " + path + ": not a regular file");
  }
  if (st.st_size == 0) return Status::InvalidArgument("--annotations " + path + ": empty");
  if (::access(path.c_str(), R_OK) != 0) return FromErrno("--annotations " + path, errno);
  return std::filesystem::absolute(path).lexically_normal().string();
}

Result<std::vector<std::string>> UnitAnnotationPaths(const std::string& tmpl,
                                                     const std::vector<TaskUnit>& units) {
  std::vector<std::string> out;
  std::vector<std::string> missing;
  for (size_t i = 0; i < units.size(); ++i) {
    std::string path = tmpl;
    if (IsAnnotationTemplate(tmpl)) {
      Result<std::string> expanded = ExpandTemplate(tmpl, units[i], i, units.size());
      if (!expanded) {
        return Status::InvalidArgument("--annotations '" + tmpl +
                                       "': " + expanded.error().message());
      }
      path = *expanded;
    }
    Result<std::string> checked = CheckAnnotationFile(path);
    if (!checked) {
      missing.push_back("task '" + units[i].name + "': " + checked.error().message());
      out.emplace_back();
      continue;
    }
    out.push_back(*checked);
  }
  if (missing.empty()) return out;
  std::string list;
  for (size_t k = 0; k < missing.size() && k < 5; ++k) list += (k ? "; " : "") + missing[k];
  if (missing.size() > 5) list += "; and " + std::to_string(missing.size() - 5) + " more";
  return Status::InvalidArgument(std::to_string(missing.size()) + " of " +
                                 std::to_string(units.size()) +
                                 (units.size() == 1 ? " task has" : " tasks have") +
                                 " no annotation file (nothing was sent): " + list);
}

Status RecordAnnotations(Journal& journal, const AnnotationSpec& spec) {
  INGEST_RETURN_IF_ERROR(journal.SetValue("annotations_format", spec.format));
  return journal.SetValue("annotations", spec.path, kJournalFormatAnnotations);
}

AnnotationSpec JournalAnnotations(const Journal& journal) {
  return {journal.GetValue("annotations"), journal.GetValue("annotations_format")};
}

Status ImportAnnotations(CvatApi& api, Journal* journal, int64_t task_id,
                         const AnnotationSpec& spec,
                         const std::function<void(const RequestState&)>& on_state,
                         const std::atomic<bool>* cancel, std::vector<std::string>* notes,
                         const AnnotationBytesFn& on_bytes) {
  return Importer(api, journal, task_id, spec, cancel, on_bytes).Run(on_state, notes);
}

Status ImportOnArrival(CvatApi& api, Journal* journal,
                       const std::optional<AnnotationSpec>& requested, int64_t task_id,
                       const std::function<void(const RequestState&)>& on_state,
                       const std::atomic<bool>* cancel, std::vector<std::string>* notes,
                       const AnnotationBytesFn& on_bytes) {
  AnnotationSpec spec = journal ? JournalAnnotations(*journal) : AnnotationSpec();
  if (spec.path.empty() && requested) {
    spec = *requested;
    if (journal) INGEST_RETURN_IF_ERROR(RecordAnnotations(*journal, spec));
  }
  if (spec.path.empty()) return Status();
  if (journal && journal->header().state != JobState::kAnnotating) {
    INGEST_RETURN_IF_ERROR(journal->SetState(JobState::kAnnotating));
  }
  return ImportAnnotations(api, journal, task_id, spec, on_state, cancel, notes, on_bytes);
}

}  // namespace ingest::upload
