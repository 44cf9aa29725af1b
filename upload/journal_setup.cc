// The journal of a fresh upload, created from its plan (see unit_steps.h).
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "engine/hasher.h"
#include "upload/plan_files.h"
#include "upload/unit_steps.h"

namespace ingest::upload {

Result<std::unique_ptr<Journal>> CreateJournal(const UploadJob& job, const ScanResult& scan,
                                               const UploadPlan& plan,
                                               std::optional<int64_t> task_id,
                                               const std::string& task_body,
                                               std::string* finish_body) {
  JournalHeader h;
  h.server = job.server;
  h.key = UploadKey(job.server, job.sources, task_id ? std::to_string(*task_id) : job.task.name);
  h.task_id = task_id.value_or(0);
  h.task_json = task_body;
  h.finish_json = std::move(*finish_body);
  h.state = JobState::kPlanned;
  h.kind = static_cast<int>(plan.kind);
  h.frame_order = JoinFrameOrder(plan.frame_order);
  std::map<uint32_t, std::pair<std::string, int64_t>> archives;  // source -> path, mtime
  // Where record `r` is read from: its file, or its archive and member (and their mtime).
  auto locate = [&](const FileRecord& r, std::string* path, std::string* member,
                    uint64_t* ordinal, int64_t* mtime_ns) -> Status {
    if (r.in_archive) {
      // The archive's path and time, once per archive (not once per member).
      std::pair<std::string, int64_t>& archive = archives[r.source];
      if (archive.first.empty()) {
        const std::string& apath = scan.sources[r.source].path;
        struct stat st;
        if (::stat(apath.c_str(), &st) != 0) return FromErrno("stat " + apath, errno);
        archive = {std::filesystem::absolute(apath).string(), MtimeNs(st)};
      }
      *path = archive.first;
      *member = r.rel_path;
      *ordinal = r.inode;
      *mtime_ns = archive.second;
    } else {
      *path = std::filesystem::absolute(FilesystemPath(scan, r)).string();
      *mtime_ns = r.mtime_ns;
    }
    return Status();
  };
  if (plan.zip) {
    h.zip_identity = plan.zip->identity;
    for (uint32_t i = 0; i < plan.files.size(); ++i) {
      if (plan.files[i].record == kGeneratedZip) h.zip_file = i;
    }
  }
  auto zip_row = [&](uint32_t i, JournalZipMember* m) -> Status {
    m->name = plan.zip->layout.member(i).name;
    m->size = plan.zip->layout.member(i).size;
    return locate(scan.files[plan.zip->records[i]], &m->path, &m->member, &m->ordinal,
                  &m->mtime_ns);
  };
  auto row = [&](uint32_t id, JournalFile* jf) -> Status {
    const PlannedFile& f = plan.files[id];
    if (f.record == kGeneratedManifest) {
      jf->path = job.plan.given_manifest.empty()
                     ? plan.manifest_path
                     : std::filesystem::absolute(plan.manifest_path).string();
      struct stat st;
      if (::stat(jf->path.c_str(), &st) != 0) return FromErrno("stat " + jf->path, errno);
      jf->mtime_ns = MtimeNs(st);
      INGEST_ASSIGN_OR_RETURN(std::unique_ptr<FileReader> reader, OpenFileReader(jf->path));
      std::vector<char> buffer;
      INGEST_ASSIGN_OR_RETURN(jf->hash, HashPrefix(*reader, f.size, &buffer));
      jf->hashed = f.size;
    } else if (f.record == kGeneratedZip) {
      // Its members are checked on resume (zip_members), not the zip's bytes.
    } else {
      const FileRecord& r = scan.files[f.record];
      INGEST_RETURN_IF_ERROR(locate(r, &jf->path, &jf->member, &jf->ordinal, &jf->mtime_ns));
      if (!r.hash.empty()) {
        jf->hash = ToHex(r.hash);
        jf->hashed = r.size;
      }
    }
    jf->name = f.name;
    jf->size = f.size;
    jf->route = f.route;
    jf->batch = f.batch;
    return Status();
  };
  Result<std::unique_ptr<Journal>> created =
      Journal::Create(job.journal_path, h, static_cast<uint32_t>(plan.files.size()), row,
                      plan.zip ? static_cast<uint32_t>(plan.zip->layout.member_count()) : 0,
                      zip_row);
  *finish_body = std::move(h.finish_json);
  return created;
}

}  // namespace ingest::upload
