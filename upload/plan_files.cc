#include "upload/plan_files.h"

namespace ingest::upload {

Result<std::unique_ptr<FileReader>> ArchiveFiles::Open(const std::string& archive,
                                                       uint64_t ordinal,
                                                       const std::string& member) {
  std::unique_ptr<ArchiveMembers>& a = open_[archive];
  if (!a) a = std::make_unique<ArchiveMembers>(archive);
  return a->Open(ordinal, member);
}

Result<std::unique_ptr<FileReader>> PlanFiles::Open(const PlannedFile& f) {
  if (f.record == kGeneratedManifest) return OpenFileReader(plan_.manifest_path);
  const FileRecord& r = scan_.files[f.record];
  if (r.in_archive) {
    return archives_.Open(scan_.sources[r.source].path, r.inode, std::string(r.rel_path));
  }
  return OpenFileReader(FilesystemPath(scan_, r));
}

}  // namespace ingest::upload
