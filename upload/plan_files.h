// PlanFiles: the FileSource of a fresh upload: opens each planned file from the scan it was
// planned from (a file on disk, an archive member streamed out of its archive under
// --extract, or the generated manifest). Used on the transfer thread only.
#ifndef INGEST_UPLOAD_PLAN_FILES_H_
#define INGEST_UPLOAD_PLAN_FILES_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/scanner.h"
#include "upload/archive_members.h"
#include "upload/transfer_engine.h"
#include "upload/upload_plan.h"
#include "upload/zip_stream.h"

namespace ingest::upload {

// Readers of archive members, one ArchiveMembers (and its kept streams) per archive.
class ArchiveFiles {
 public:
  Result<std::unique_ptr<FileReader>> Open(const std::string& archive, uint64_t ordinal,
                                           const std::string& member);

 private:
  std::map<std::string, std::unique_ptr<ArchiveMembers>> open_;
};

// The CRC-32s of a packed zip's members known so far, shared by the ZipStreams one upload
// opens (the engine may open the zip again, e.g. after a failed PATCH), and reported once
// each to `on_crc` (the journal) when set.
struct ZipCrcs {
  std::vector<std::optional<uint32_t>> crc;  // by member index
  std::function<void(size_t index, uint32_t crc)> on_crc;
};

// A ZipStream of `layout` whose member i opens with open_member(i), its CRCs in *crcs
// (which must outlive the stream).
std::unique_ptr<FileReader> OpenZipStream(
    const ZipLayout& layout,
    std::function<Result<std::unique_ptr<FileReader>>(size_t index)> open_member,
    ZipCrcs* crcs);

class PlanFiles final : public FileSource {
 public:
  // `scan` and `plan` must outlive this. `on_crc`, when set, is told each packed member's
  // CRC-32 as it is computed (the journal keeps them for a resume).
  PlanFiles(const ScanResult& scan, const UploadPlan& plan,
            std::function<void(size_t index, uint32_t crc)> on_crc = nullptr);
  Result<std::unique_ptr<FileReader>> Open(const PlannedFile& f) override;

 private:
  Result<std::unique_ptr<FileReader>> OpenRecord(uint32_t record);

  const ScanResult& scan_;
  const UploadPlan& plan_;
  ArchiveFiles archives_;
  ZipCrcs crcs_;
};

}  // namespace ingest::upload

#endif  // INGEST_UPLOAD_PLAN_FILES_H_
