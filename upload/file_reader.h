// FileReader: the bytes of one planned file, read by offset. A plain file is read with
// pread; an archive member (`cvat-ingest upload --extract`) is streamed out of its archive
// by libarchive, never extracted to disk (upload/archive_members.h).
//
// Readers are used from the transfer thread only. Reads come at increasing offsets (a PATCH
// continues where the last one stopped, a batch body reads each file from its start); a read
// at a lower offset (a retry after the server confirmed less than was sent) is allowed but
// may cost a re-read from the start for an archive member.
#ifndef INGEST_UPLOAD_FILE_READER_H_
#define INGEST_UPLOAD_FILE_READER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/result.h"

namespace ingest::upload {

class FileReader {
 public:
  virtual ~FileReader() = default;
  // Copies up to `n` bytes at `offset` into `buf`; returns 0 only at the end of the file.
  virtual Result<size_t> ReadAt(uint64_t offset, char* buf, size_t n) = 0;
};

// A reader of the regular file at `path` (IoError naming it when it cannot be opened).
Result<std::unique_ptr<FileReader>> OpenFileReader(const std::string& path);

// XXH3-128 (hex) of the first `n` bytes of `reader`, read through `buf` (the caller's, reused
// from file to file); "" when the reader ends before `n` bytes (it is not the same file).
Result<std::string> HashPrefix(FileReader& reader, uint64_t n, std::vector<char>* buf);

}  // namespace ingest::upload

#endif  // INGEST_UPLOAD_FILE_READER_H_
