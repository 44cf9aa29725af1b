#include "upload/plan_check.h"

#include <cerrno>
#include <cstddef>
#include <string>

#include <fcntl.h>
#include <sys/stat.h>

#include "engine/hasher.h"
#include "engine/unique_fd.h"

namespace ingest::upload {
namespace {

// Why `f` is not what was planned ("" when it is).
std::string Changed(const ScanResult& scan, const FileRecord& f, std::vector<std::byte>* buf) {
  struct stat st;
  if (f.in_archive) {
    const ScanSource& src = scan.sources[f.source];
    if (!src.archive_stamp) return "";  // nothing recorded to check against
    if (::stat(src.path.c_str(), &st) != 0) return "gone";
    bool same = static_cast<uint64_t>(st.st_size) == src.archive_stamp->size &&
                MtimeNs(st) == src.archive_stamp->mtime_ns;
    return same ? "" : "its archive changed";
  }
  std::string path = FilesystemPath(scan, f);
  if (::stat(path.c_str(), &st) != 0) return errno == ENOENT ? "gone" : "cannot be read";
  if (static_cast<uint64_t>(st.st_size) != f.size) {
    return "size " + std::to_string(f.size) + " -> " + std::to_string(st.st_size);
  }
  if (MtimeNs(st) == f.mtime_ns) return "";
  if (f.hash.empty()) return "modified";
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return "cannot be read";
  Hasher hasher;
  if (buf->empty()) buf->resize(1 << 20);
  Result<uint64_t> n = HashRestOfFile(fd.get(), path, *buf, &hasher);
  if (!n || *n != f.size || !(hasher.Digest() == f.hash)) return "content changed";
  return "";
}

}  // namespace

Status CheckPlannedFiles(const ScanResult& scan, const std::vector<uint32_t>& records) {
  std::vector<std::byte> buffer;
  std::string list;
  size_t changed = 0;
  for (uint32_t r : records) {
    const FileRecord& f = scan.files[r];
    std::string why = Changed(scan, f, &buffer);
    if (why.empty()) continue;
    if (++changed <= 5) {
      list += (changed > 1 ? ", " : "") + DisplayPath(scan, f) + " (" + why + ")";
    }
  }
  if (changed == 0) return Status();
  if (changed > 5) list += " and " + std::to_string(changed - 5) + " more";
  return Status::InvalidArgument(
      std::to_string(changed) + (changed == 1 ? " file changed" : " files changed") +
      " since the plan was written: " + list +
      ". Restore them, or write the plan again (cvat-ingest plan) for every shard");
}

Status StampArchiveSources(std::vector<ScanSource>* sources) {
  for (ScanSource& src : *sources) {
    if (src.type != ScanSource::Type::kArchive || src.archive_stamp) continue;
    struct stat st;
    if (::stat(src.path.c_str(), &st) != 0) return FromErrno("stat " + src.path, errno);
    src.archive_stamp =
        FileStamp{static_cast<uint64_t>(st.st_size), MtimeNs(st), static_cast<uint64_t>(st.st_ino)};
  }
  return Status();
}

}  // namespace ingest::upload
