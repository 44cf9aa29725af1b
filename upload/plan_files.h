// PlanFiles: the FileSource of a fresh upload: opens each planned file from the scan it was
// planned from (a file on disk, an archive member streamed out of its archive under
// --extract, or the generated manifest). Used on the transfer thread only.
#ifndef INGEST_UPLOAD_PLAN_FILES_H_
#define INGEST_UPLOAD_PLAN_FILES_H_

#include <map>
#include <memory>
#include <string>

#include "engine/scanner.h"
#include "upload/archive_members.h"
#include "upload/transfer_engine.h"
#include "upload/upload_plan.h"

namespace ingest::upload {

// Readers of archive members, one ArchiveMembers (and its kept streams) per archive.
class ArchiveFiles {
 public:
  Result<std::unique_ptr<FileReader>> Open(const std::string& archive, uint64_t ordinal,
                                           const std::string& member);

 private:
  std::map<std::string, std::unique_ptr<ArchiveMembers>> open_;
};

class PlanFiles final : public FileSource {
 public:
  // `scan` and `plan` must outlive this.
  PlanFiles(const ScanResult& scan, const UploadPlan& plan) : scan_(scan), plan_(plan) {}
  Result<std::unique_ptr<FileReader>> Open(const PlannedFile& f) override;

 private:
  const ScanResult& scan_;
  const UploadPlan& plan_;
  ArchiveFiles archives_;
};

}  // namespace ingest::upload

#endif  // INGEST_UPLOAD_PLAN_FILES_H_
