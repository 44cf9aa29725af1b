// The annotation import endpoints (see annotations.h): TUS of the file into the task's tmp
// folder, then an import request on the registry's workers.
#include "server/annotations.h"

#include <cerrno>
#include <filesystem>
#include <fstream>

#include <fcntl.h>
#include <unistd.h>

#include "engine/unique_fd.h"
#include "server/server_impl.h"
#include "server/wire_text.h"

namespace ingest::server {
namespace {

struct FormatRow {
  const char* name;
  const char* ext;
  bool import;  // also an importer (every row is an exporter)
};

// CVAT's formats (cvat/apps/dataset_manager/formats), 2D ones and the common 3D ones.
constexpr FormatRow kFormats[] = {
    {"CVAT for video 1.1", "ZIP", false},
    {"CVAT for images 1.1", "ZIP", false},
    {"CVAT 1.1", "XML, ZIP", true},
    {"COCO 1.0", "JSON, ZIP", true},
    {"COCO Keypoints 1.0", "JSON, ZIP", true},
    {"Datumaro 1.0", "JSON, ZIP", true},
    {"PASCAL VOC 1.1", "ZIP", true},
    {"Segmentation mask 1.1", "ZIP", true},
    {"YOLO 1.1", "ZIP", true},
    {"Ultralytics YOLO Detection 1.0", "ZIP", true},
    {"Ultralytics YOLO Segmentation 1.0", "ZIP", true},
    {"ImageNet 1.0", "ZIP", true},
    {"LabelMe 3.0", "ZIP", true},
    {"MOT 1.1", "ZIP", true},
    {"MOTS PNG 1.0", "ZIP", true},
    {"Open Images V6 1.0", "ZIP", true},
    {"CamVid 1.0", "ZIP", true},
    {"Cityscapes 1.0", "ZIP", true},
    {"KITTI 1.0", "ZIP", true},
    {"Market-1501 1.0", "ZIP", true},
    {"VGGFace2 1.0", "ZIP", true},
    {"WiderFace 1.0", "ZIP", true},
    {"LFW 1.0", "ZIP", true},
    {"ICDAR Recognition 1.0", "ZIP", true},
    {"Sly Point Cloud Format 1.0", "ZIP", true},
    {"Kitti Raw Format 1.0", "ZIP", true},
};

std::string FormatJson(const FormatRow& f) {
  std::string out = "{";
  AppendStringField("name", f.name, &out);
  AppendStringField("ext", f.ext, &out);
  AppendStringField("version",
                    std::string_view(f.name).substr(std::string_view(f.name).rfind(' ') + 1), &out);
  AppendRawField("enabled", "true", &out);
  const bool three_d = std::string_view(f.name).find("Point Cloud") != std::string_view::npos ||
                       std::string_view(f.name).starts_with("Kitti Raw");
  AppendStringField("dimension", three_d ? "3d" : "2d", &out);
  return out + "}";
}

std::string TmpDir(const TaskStore& store, int64_t task_id) {
  return store.TaskDir(task_id) + "/annotations_tmp";
}

// CVAT's is_valid_uploaded_file_name: the name stays inside the upload folder.
bool IsSafeName(const std::string& name) {
  return !name.empty() && name.find('/') == std::string::npos && name != "." && name != "..";
}

}  // namespace

std::shared_ptr<AnnotationUpload> AnnotationUploads::Find(const std::string& file_id) {
  std::lock_guard lock(mu_);
  auto it = uploads_.find(file_id);
  return it == uploads_.end() ? nullptr : it->second;
}

void AnnotationUploads::Add(const std::string& file_id, std::shared_ptr<AnnotationUpload> up) {
  std::lock_guard lock(mu_);
  uploads_[file_id] = std::move(up);
}

void AnnotationUploads::Remove(const std::string& file_id) {
  std::lock_guard lock(mu_);
  uploads_.erase(file_id);
}

std::string AnnotationFormatsJson() {
  std::string importers, exporters;
  for (const FormatRow& f : kFormats) {
    exporters += (exporters.empty() ? "" : ",") + FormatJson(f);
    if (f.import) importers += (importers.empty() ? "" : ",") + FormatJson(f);
  }
  return "{\"importers\":[" + importers + "],\"exporters\":[" + exporters + "]}";
}

bool IsImportFormat(std::string_view name) {
  for (const FormatRow& f : kFormats) {
    if (f.import && name == f.name) return true;
  }
  return false;
}

std::string AnnotationImportId(int64_t task_id) {
  return "action=import&target=task&target_id=" + std::to_string(task_id) +
         "&subresource=annotations";
}

void CvatServer::Impl::HandleAnnotationsPost(Call& call, int64_t task_id) {
  std::shared_ptr<Task> task = store_.Find(task_id);
  if (!task) return SendJson(call, 404, DetailJson("Not found."));
  const httplib::Request& req = call.req;
  if (req.has_header("Upload-Finish")) return FinishAnnotations(call, task_id);
  if (req.has_header("Upload-Start")) {
    call.res.status = 202;
    return;
  }
  if (!req.has_header("Upload-Length")) {
    return SendJson(call, 400, DetailJson("Upload-Length, Upload-Start or Upload-Finish expected"));
  }
  // TUS creation (UploadMixin.init_tus_upload).
  std::string filename;
  std::string meta = req.get_header_value("Upload-Metadata");
  for (size_t at = 0; at < meta.size();) {
    size_t comma = meta.find(',', at);
    std::string kv = meta.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
    at = comma == std::string::npos ? meta.size() : comma + 1;
    size_t sp = kv.find(' ');
    if (sp != std::string::npos && kv.substr(0, sp) == "filename") {
      filename = Base64Decode(kv.substr(sp + 1)).value_or("");
    }
  }
  AddTusHeaders(call.res, opts_.max_file_size);
  if (!IsSafeName(filename)) {
    return SendText(call, 400, "File name " + filename + " is not allowed");
  }
  const std::string dir = TmpDir(store_, task_id);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (std::filesystem::exists(dir + "/" + filename, ec)) {
    // A complete file of that name: kept while its import has not ended.
    std::optional<RequestRecord> r = registry_->Get(AnnotationImportId(task_id));
    if (r && (r->status == "finished" || r->status == "failed")) {
      std::filesystem::remove(dir + "/" + filename, ec);
    } else {
      return SendText(call, 409, "File with same name already exists");
    }
  }
  std::optional<uint64_t> length = ParseDecimal(req.get_header_value("Upload-Length"));
  if (!length) return SendServerError(call);
  if (*length > opts_.max_file_size) {
    return SendText(
        call, 413,
        "File size exceeds max limit of " + std::to_string(opts_.max_file_size) + " bytes");
  }
  const std::string file_id = std::to_string(call.user->id) + "_" + NewUuid4();
  auto up = std::make_shared<AnnotationUpload>();
  up->task_id = task_id;
  up->filename = filename;
  up->path = dir + "/" + file_id;
  up->length = *length;
  UniqueFd fd(::open(up->path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd.valid()) return SendServerError(call);
  annotation_uploads_->Add(file_id, up);
  call.res.set_header("Location", req.path + (req.path.ends_with("/") ? "" : "/") + file_id);
  call.res.set_header("Upload-Filename", filename);
  call.res.status = 201;
}

void CvatServer::Impl::HandleAnnotationsTus(Call& call, int64_t task_id,
                                            const std::string& file_id) {
  std::shared_ptr<AnnotationUpload> up = annotation_uploads_->Find(file_id);
  AddTusHeaders(call.res, opts_.max_file_size);
  if (!up || up->task_id != task_id) return SendJson(call, 404, "");
  std::lock_guard lock(up->mu);
  if (up->gone) return SendJson(call, 404, "");
  if (call.req.method == "HEAD") {
    call.res.set_header("Upload-Offset", std::to_string(up->offset));
    call.res.set_header("Upload-Length", std::to_string(up->length));
    call.res.status = 200;
    return;
  }
  std::optional<uint64_t> offset = ParseDecimal(call.req.get_header_value("Upload-Offset"));
  if (!offset || *offset != up->offset) return SendJson(call, 409, "");
  std::string body;
  if (!ReadSmallBody(call, up->length - up->offset, &body)) return;
  UniqueFd fd(::open(up->path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid() || ::pwrite(fd.get(), body.data(), body.size(), static_cast<off_t>(up->offset)) !=
                         static_cast<ssize_t>(body.size())) {
    return SendServerError(call);
  }
  body_bytes_ += body.size();
  up->offset += body.size();
  if (up->offset == up->length) {
    std::error_code ec;
    std::filesystem::rename(up->path, TmpDir(store_, task_id) + "/" + up->filename, ec);
    if (ec) return SendServerError(call);
    up->gone = true;
    annotation_uploads_->Remove(file_id);
  }
  call.res.set_header("Upload-Offset", std::to_string(up->offset));
  call.res.set_header("Upload-Filename", up->filename);
  call.res.status = 204;
}

void CvatServer::Impl::FinishAnnotations(Call& call, int64_t task_id) {
  const std::string format = call.req.get_param_value("format");
  const std::string filename = call.req.get_param_value("filename");
  if (!IsImportFormat(format)) {
    return SendJson(call, 400, JsonStringArray({"Unknown input format '" + format + "'"}));
  }
  const std::string tmp = TmpDir(store_, task_id) + "/" + filename;
  std::error_code ec;
  if (!IsSafeName(filename) || !std::filesystem::is_regular_file(tmp, ec)) {
    return SendText(call, 400, "No such file were uploaded");
  }
  const std::string dest_dir = store_.TaskDir(task_id) + "/annotations";
  const double delay = opts_.import_delay_seconds;
  TaskStore* store = &store_;
  RequestRegistry* registry = registry_.get();
  RequestRecord rec;
  rec.id = AnnotationImportId(task_id);
  rec.type = "import:annotations";
  rec.format = format;
  rec.task_id = task_id;
  rec.owner_id = call.user->id;
  rec.owner_name = call.user->name;
  auto job = [=](const RequestRegistry::Progress&) -> std::optional<std::string> {
    registry->Hold(delay);
    std::shared_ptr<Task> t = store->Find(task_id);
    if (!t) return std::string("The task was deleted");
    {
      std::lock_guard lock(t->mu);
      if (t->size == 0) return std::string("The task has no data");
    }
    std::error_code e;
    std::filesystem::create_directories(dest_dir, e);
    std::filesystem::copy_file(tmp, dest_dir + "/" + filename,
                               std::filesystem::copy_options::overwrite_existing, e);
    const uintmax_t size = std::filesystem::file_size(tmp, e);
    std::filesystem::remove(tmp, e);  // CVAT removes the uploaded file after the import
    std::ofstream log(dest_dir + "/imports.log", std::ios::app);
    log << format << '\t' << filename << '\t' << size << '\n';
    if (!log) return std::string("cannot record the import");
    return std::nullopt;
  };
  const std::string what = "annotations: import of " + filename + " (" + format + ") into task " +
                           std::to_string(task_id);
  if (!registry_->EnqueueRecord(rec, job)) {
    if (opts_.log) opts_.log(what + " refused: one runs already (409)");
    return SendJson(call, 409, DetailJson("Import request is being processed"));
  }
  if (opts_.log) opts_.log(what + " queued");
  std::string out = "{";
  AppendStringField("rq_id", rec.id, &out);
  SendJson(call, 202, out + "}");
}

void CvatServer::Impl::HandleAnnotationsPut(Call& call, int64_t task_id) {
  const httplib::Request& req = call.req;
  if (!req.has_param("format") && !req.has_param("rq_id")) {
    return SendJson(call, 405, DetailJson("Replacing annotations is not served here"));
  }
  if (version_ >= kCvatRequestsApi) {
    return SendJson(call, 410,
                    DetailJson("This endpoint no longer handles import status "
                               "checking; use GET /api/requests/<rq_id>"));
  }
  std::optional<RequestRecord> r = registry_->Get(AnnotationImportId(task_id));
  if (!r) return SendJson(call, 404, DetailJson("Unknown request id"));
  if (r->status == "finished") {
    call.res.status = 201;
    return;
  }
  if (r->status == "failed") return SendText(call, 500, r->message);
  call.res.status = 202;
}

void CvatServer::Impl::HandleRequestList(Call& call) {
  if (version_ < kCvatRequestsApi) return SendJson(call, 404, DetailJson("Not found."));
  const httplib::Request& req = call.req;
  int64_t task_id = 0;
  if (req.has_param("task_id")) {
    std::optional<uint64_t> id = ParseDecimal(req.get_param_value("task_id"));
    if (!id) return SendJson(call, 400, FieldErrorJson("task_id", "Enter a number."));
    task_id = static_cast<int64_t>(*id);
  }
  const std::string action = req.get_param_value("action");
  const std::string subresource = req.get_param_value("subresource");
  std::string results;
  size_t count = 0;
  for (const RequestRecord& r : registry_->List(task_id)) {
    const std::string r_action = r.type.substr(0, r.type.find(':'));
    const std::string r_sub =
        r.type.find(':') == std::string::npos ? std::string() : r.type.substr(r.type.find(':') + 1);
    if (!action.empty() && action != r_action) continue;
    if (!subresource.empty() && subresource != r_sub) continue;
    if (r.owner_id != call.user->id) continue;
    results += (count++ ? "," : "") + RequestJson(r);
  }
  SendJson(call, 200,
           "{\"count\":" + std::to_string(count) +
               ",\"next\":null,\"previous\":null,\"results\":[" + results + "]}");
}

}  // namespace ingest::server
