// ArchiveReader: streams the members of an archive (zip, tar with any compression, 7z, ...,
// whatever libarchive reads) in place, never extracting to disk.
//
//   INGEST_ASSIGN_OR_RETURN(auto reader, ArchiveReader::Open(path));
//   ArchiveMember m;
//   while (true) {
//     INGEST_ASSIGN_OR_RETURN(bool more, reader->Next(&m));
//     if (!more) break;
//     if (!m.problem.ok()) { report; continue; }   // unsafe name, encrypted, ...
//     ... reader->Read(buf, n) until it returns 0 ...
//   }
#ifndef INGEST_ENGINE_ARCHIVE_READER_H_
#define INGEST_ENGINE_ARCHIVE_READER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "engine/result.h"
#include "engine/status.h"

struct archive;

namespace ingest {

struct ArchiveMember {
  // Member path with a leading "./" removed, '/'-separated, whatever the process's locale:
  // UTF-8 where the archive says what the name's charset is (zip names flagged UTF-8, pax
  // names, 7z), CP437 decoded to UTF-8 for other zip names (as Python's zipfile does), raw
  // bytes otherwise (ustar/GNU tar, cpio).
  std::string path;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  // Not OK when the member must be skipped: a name with ".." or an absolute name, an
  // encrypted member. Directories, links and other non-files are skipped by Next().
  Status problem;
};

class ArchiveReader {
 public:
  ~ArchiveReader();
  ArchiveReader(const ArchiveReader&) = delete;
  ArchiveReader& operator=(const ArchiveReader&) = delete;

  // Opens `path` for streaming. Fails when it is not an archive libarchive can read.
  static Result<std::unique_ptr<ArchiveReader>> Open(const std::string& path);

  // Moves to the next regular-file member. Returns false at the end of the archive, or an
  // error when the archive itself is damaged (reading cannot go on).
  Result<bool> Next(ArchiveMember* member);

  // Reads the current member's bytes; returns 0 at its end.
  Result<size_t> Read(void* buf, size_t n);

  const std::string& path() const { return path_; }

 private:
  ArchiveReader(std::string path, struct archive* a) : path_(std::move(path)), a_(a) {}
  Status Error(const std::string& what) const;

  std::string path_;
  struct archive* a_;
};

// True for a member name that could escape the extraction directory: absolute, or with a
// ".." component.
bool IsUnsafeMemberName(std::string_view name);

}  // namespace ingest

#endif  // INGEST_ENGINE_ARCHIVE_READER_H_
