// Annotations on arrival: once a task is ready, a file of annotations is imported into it
// the way cvat-cli's --annotation_path does it (CVAT's annotation import):
//
//   POST /api/tasks/{id}/annotations/ Upload-Start           -> 202
//   POST /api/tasks/{id}/annotations/ (TUS creation)         -> 201, Location
//   PATCH <Location> ... (HEAD to resync)                    -> 204
//   POST /api/tasks/{id}/annotations/?format=F&filename=N Upload-Finish -> 202 {"rq_id"}
//   GET /api/requests/{rq_id} until finished or failed (CVAT 2.16.0 and later); older servers
//   are polled as their SDK did: PUT .../annotations/?format=F&filename=N&rq_id=R, 202 while
//   it runs, 201 once done.
//
// The journal (upload/journal.h) keeps the import's state under its own keys, each written
// before the request it prepares (intent) or after the reply it records (outcome):
//   annotations, annotations_format   the file (absolute) and format, from the plan on
//   annotations_state                 "" -> uploading -> finishing -> accepted -> done
//   annotations_location              the TUS upload's path once created
//   annotations_rq_id                 once Upload-Finish was accepted
// so a resume never imports twice: an accepted import is only polled, and an interrupted
// Upload-Finish (state finishing without an rq_id) is looked up among the task's import
// requests (GET /api/requests?task_id=...&action=import&subresource=annotations) before it is
// sent again. A journal with an import is format 4: an older cvat-ingest refuses it rather
// than finishing the task without the import.
#ifndef INGEST_UPLOAD_ANNOTATION_IMPORT_H_
#define INGEST_UPLOAD_ANNOTATION_IMPORT_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/result.h"
#include "upload/cvat_api.h"
#include "upload/journal.h"
#include "upload/task_units.h"

namespace ingest::upload {

// What to import into a task once it is ready.
struct AnnotationSpec {
  std::string path;    // the file on this host (a {field} template before UnitAnnotationPaths)
  std::string format;  // one of the server's importers ("COCO 1.0", "CVAT 1.1", ...)
};

// Progress of an annotation file's TUS upload: `done` of `total` bytes the server holds;
// called when the upload starts (or resumes) and after each PATCH.
using AnnotationBytesFn = std::function<void(uint64_t done, uint64_t total)>;

// cvat-cli's --annotation_format default.
inline constexpr char kDefaultAnnotationFormat[] = "CVAT 1.1";

struct ImportFormat {
  std::string name;
  bool enabled = true;
};

// GET /api/server/annotation/formats: the server's importers, in its order.
Result<std::vector<ImportFormat>> ListImportFormats(CvatApi& api);

// The parsing of those replies, apart from the calls (fuzzed: tests/fuzz/api_replies_fuzz.cc):
// the importers of a formats reply, and the id of the newest import:annotations request of a
// page of requests created at or after `since_unix` ("" when none). Errors name `what`.
Result<std::vector<ImportFormat>> ParseImportFormats(const std::string& body,
                                                     const std::string& what);
Result<std::string> ParseImportRequests(const std::string& body, const std::string& what,
                                        int64_t since_unix);

// Checks that `format` names an importer of the server, enabled. InvalidArgument naming the
// format and listing those the server offers (with the one that differs only in case, when
// there is one).
Status CheckImportFormat(CvatApi& api, const std::string& format);

// True when `path` holds a {field} of a task name template (upload/task_units.h).
bool IsAnnotationTemplate(const std::string& path);

// The annotation file of each unit: `tmpl` expanded for it (or `tmpl` itself, without a
// field), made absolute. Every file must be a readable regular file: InvalidArgument listing
// the missing ones (the first five and a count) otherwise, before anything is sent.
Result<std::vector<std::string>> UnitAnnotationPaths(const std::string& tmpl,
                                                     const std::vector<TaskUnit>& units);

// Checks one annotation file (readable, regular, not empty) and returns its absolute path.
Result<std::string> CheckAnnotationFile(const std::string& path);

// Records `spec` in a new journal (format 4): a resume imports it even when not told again.
Status RecordAnnotations(Journal& journal, const AnnotationSpec& spec);

// The import a journal recorded (empty path when none).
AnnotationSpec JournalAnnotations(const Journal& journal);

// Imports `spec` into ready task `task_id` (see the top of this file), continuing from what
// `journal` (may be null) recorded; does nothing once the journal says done. `on_state` sees
// the import request's states while it is polled. Cancelled when *cancel turns true (the
// journal then lets a resume continue). A failed import is an error naming the file, the
// format and the server's message, and leaves the journal ready to try it afresh. `notes`
// gets one line about the import; `on_bytes` (may be empty) sees the file's upload.
Status ImportAnnotations(CvatApi& api, Journal* journal, int64_t task_id,
                         const AnnotationSpec& spec,
                         const std::function<void(const RequestState&)>& on_state,
                         const std::atomic<bool>* cancel, std::vector<std::string>* notes,
                         const AnnotationBytesFn& on_bytes = {});

// The import step of a task that just became ready: the import `journal` recorded (it wins:
// the file was fixed when the upload was planned), else `requested`, else nothing. With a
// journal, its state becomes "annotating" first (a resume then goes straight to the import;
// the caller marks it done after). See ImportAnnotations for the rest.
Status ImportOnArrival(CvatApi& api, Journal* journal,
                       const std::optional<AnnotationSpec>& requested, int64_t task_id,
                       const std::function<void(const RequestState&)>& on_state,
                       const std::atomic<bool>* cancel, std::vector<std::string>* notes,
                       const AnnotationBytesFn& on_bytes = {});

}  // namespace ingest::upload

#endif  // INGEST_UPLOAD_ANNOTATION_IMPORT_H_
