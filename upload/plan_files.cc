#include "upload/plan_files.h"

namespace ingest::upload {

Result<std::unique_ptr<FileReader>> ArchiveFiles::Open(const std::string& archive,
                                                       uint64_t ordinal,
                                                       const std::string& member) {
  std::unique_ptr<ArchiveMembers>& a = open_[archive];
  if (!a) a = std::make_unique<ArchiveMembers>(archive);
  return a->Open(ordinal, member);
}

std::unique_ptr<FileReader> OpenZipStream(
    const ZipLayout& layout,
    std::function<Result<std::unique_ptr<FileReader>>(size_t index)> open_member,
    ZipCrcs* crcs) {
  crcs->crc.resize(layout.member_count());
  ZipSource source;
  source.open = std::move(open_member);
  source.known_crc = [crcs](size_t i) { return crcs->crc[i]; };
  source.on_crc = [crcs](size_t i, uint32_t crc) {
    crcs->crc[i] = crc;
    if (crcs->on_crc) crcs->on_crc(i, crc);
  };
  return std::make_unique<ZipStream>(layout, std::move(source));
}

PlanFiles::PlanFiles(const ScanResult& scan, const UploadPlan& plan,
                     std::function<void(size_t index, uint32_t crc)> on_crc)
    : scan_(scan), plan_(plan) {
  crcs_.on_crc = std::move(on_crc);
}

Result<std::unique_ptr<FileReader>> PlanFiles::Open(const PlannedFile& f) {
  if (f.record == kGeneratedManifest) return OpenFileReader(plan_.manifest_path);
  if (f.record == kGeneratedZip) {
    if (!plan_.zip) return Status::Internal("the plan has no zip to send");
    const ZipPlan* zip = plan_.zip.get();
    return OpenZipStream(
        zip->layout, [this, zip](size_t i) { return OpenRecord(zip->records[i]); }, &crcs_);
  }
  return OpenRecord(f.record);
}

Result<std::unique_ptr<FileReader>> PlanFiles::OpenRecord(uint32_t record) {
  const FileRecord& r = scan_.files[record];
  if (r.in_archive) {
    return archives_.Open(scan_.sources[r.source].path, r.inode, std::string(r.rel_path));
  }
  return OpenFileReader(FilesystemPath(scan_, r));
}

}  // namespace ingest::upload
