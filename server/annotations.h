// The annotation import of a task, as CVAT answers it (cvat/apps/engine/views.py TaskViewSet
// annotations / append_annotations_chunk, mixins.py UploadMixin):
//   GET  /api/server/annotation/formats                 the importers and exporters
//   POST /api/tasks/{id}/annotations/  Upload-Start     202
//   POST /api/tasks/{id}/annotations/  Upload-Length    TUS creation: 201 and Location, or 409
//                                                       while a complete file of that name
//                                                       waits for its import
//   HEAD/PATCH /api/tasks/{id}/annotations/{file_id}    TUS (a completed upload answers 404)
//   POST /api/tasks/{id}/annotations/?format=F&filename=N  Upload-Finish: 202 {"rq_id"} (400
//                                                       for an unknown format or no such file,
//                                                       409 while an import of the task runs)
//   GET  /api/requests?task_id=..&action=import&subresource=annotations  the import requests
//   PUT  /api/tasks/{id}/annotations/?format=F&rq_id=R  before CVAT 2.16.0: 202 while the
//                                                       import runs, 201 once done; later 410
// An import that finishes copies the file to <task dir>/annotations/<filename> and appends
// "<format>\t<filename>\t<size>" to <task dir>/annotations/imports.log, so tests compare
// bytes and count imports. Uploads in progress are kept in memory (a restart forgets them).
#ifndef INGEST_SERVER_ANNOTATIONS_H_
#define INGEST_SERVER_ANNOTATIONS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace ingest::server {

// One TUS upload of an annotation file.
struct AnnotationUpload {
  int64_t task_id = 0;
  std::string filename;
  std::string path;  // the partial file
  uint64_t length = 0;
  std::mutex mu;        // held for a whole PATCH or HEAD
  uint64_t offset = 0;  // GUARDED_BY(mu)
  bool gone = false;    // GUARDED_BY(mu): completed
};

class AnnotationUploads {
 public:
  std::shared_ptr<AnnotationUpload> Find(const std::string& file_id);
  void Add(const std::string& file_id, std::shared_ptr<AnnotationUpload> upload);
  void Remove(const std::string& file_id);

 private:
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<AnnotationUpload>> uploads_;  // GUARDED_BY(mu_)
};

// The JSON of GET /api/server/annotation/formats (CVAT's importers and exporters).
std::string AnnotationFormatsJson();
// True when CVAT imports annotations in format `name` (an importer's display name).
bool IsImportFormat(std::string_view name);
// The id of task `task_id`'s annotation import request (the newest CVAT's form).
std::string AnnotationImportId(int64_t task_id);

}  // namespace ingest::server

#endif  // INGEST_SERVER_ANNOTATIONS_H_
