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
  source.ahead = crcs->ahead.get();
  return std::make_unique<ZipStream>(layout, std::move(source));
}

std::unique_ptr<CrcAhead> MakeCrcAhead(
    const ZipLayout& layout, const ZipCrcs& crcs,
    const std::function<std::optional<PlainFile>(size_t)>& plain) {
  std::vector<CrcAhead::Member> members(layout.member_count());
  bool any = false;
  for (size_t i = 0; i < members.size(); ++i) {
    const uint64_t size = layout.member(i).size;
    if (size < CrcAhead::kMinSize || (i < crcs.crc.size() && crcs.crc[i])) continue;
    std::optional<PlainFile> p = plain(i);
    if (!p) continue;
    members[i] = {p->path, size, p->mtime_ns};
    any = true;
  }
  // 256 MiB ahead at most: the page cache keeps them until the stream reads them.
  return any ? std::make_unique<CrcAhead>(std::move(members), 256ull << 20) : nullptr;
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
    if (!crcs_.ahead) {
      crcs_.ahead = MakeCrcAhead(zip->layout, crcs_, [&](size_t i) -> std::optional<PlainFile> {
        const FileRecord& r = scan_.files[zip->records[i]];
        if (r.in_archive) return std::nullopt;
        return PlainFile{FilesystemPath(scan_, r), r.mtime_ns};
      });
    }
    return OpenZipStream(
        zip->layout, [this, zip](size_t i) { return OpenRecord(zip->records[i]); }, &crcs_);
  }
  return OpenRecord(f.record);
}

std::optional<PlainFile> PlanFiles::Plain(const PlannedFile& f) {
  if (f.record == kGeneratedManifest || f.record == kGeneratedZip) return std::nullopt;
  const FileRecord& r = scan_.files[f.record];
  if (r.in_archive) return std::nullopt;
  return PlainFile{FilesystemPath(scan_, r), r.mtime_ns};
}

Result<std::unique_ptr<FileReader>> PlanFiles::OpenRecord(uint32_t record) {
  const FileRecord& r = scan_.files[record];
  if (r.in_archive) {
    return archives_.Open(scan_.sources[r.source].path, r.inode, std::string(r.rel_path));
  }
  return OpenFileReader(FilesystemPath(scan_, r));
}

}  // namespace ingest::upload
