// ArchiveMembers: readers of an archive's members, streamed out of the archive by libarchive
// (`cvat-ingest upload --extract`), never extracted to disk and never held whole in memory.
//
// A member is found by its ordinal (its position among the archive's regular files, as the
// scanner counted them: FileRecord::inode of an archive member) and checked by its path.
// Streams are expensive to position (a compressed tar must be decompressed up to the
// member), so they are kept: a reader hands its stream back when it is destroyed, and the
// next Open() continues from the idle stream furthest along that is still before the member
// it wants. Members opened in archive order (the plan sends them in that order) therefore
// cost one pass over the archive; an out-of-order open or a read at a lower offset (a retry)
// opens the archive again and skips to the member.
//
// Not thread-safe: the transfer thread owns it. It must outlive its readers.
#ifndef INGEST_UPLOAD_ARCHIVE_MEMBERS_H_
#define INGEST_UPLOAD_ARCHIVE_MEMBERS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/archive_reader.h"
#include "engine/result.h"
#include "upload/file_reader.h"

namespace ingest::upload {

class ArchiveMembers {
 public:
  explicit ArchiveMembers(std::string archive_path) : path_(std::move(archive_path)) {}
  ~ArchiveMembers();
  ArchiveMembers(const ArchiveMembers&) = delete;
  ArchiveMembers& operator=(const ArchiveMembers&) = delete;

  // A reader of member number `ordinal`, whose path must be `member_path` (Corruption naming
  // the archive and member otherwise: the archive changed since it was scanned).
  Result<std::unique_ptr<FileReader>> Open(uint64_t ordinal, const std::string& member_path);

  const std::string& path() const { return path_; }
  // Times the archive was opened (for tests and benchmarks: 1 for an in-order pass).
  uint64_t opens() const { return opens_; }

  // A stream positioned just after Next() returned member `ordinal - 1` (0: fresh).
  struct Stream {
    std::unique_ptr<ArchiveReader> reader;
    uint64_t next_ordinal = 0;
  };
  // Returns a stream for reuse (called by readers when they are done).
  void Release(Stream stream);
  // A stream whose current member is `ordinal` with path `member_path`.
  Result<Stream> Seek(uint64_t ordinal, const std::string& member_path);

 private:
  std::string path_;
  std::vector<Stream> idle_;
  uint64_t opens_ = 0;
};

}  // namespace ingest::upload

#endif  // INGEST_UPLOAD_ARCHIVE_MEMBERS_H_
