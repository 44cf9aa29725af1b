// Writes archives at test time with libarchive (no binary blobs in the repository).
#ifndef INGEST_TESTS_TESTING_ARCHIVE_WRITER_H_
#define INGEST_TESTS_TESTING_ARCHIVE_WRITER_H_

#include <string>
#include <utility>
#include <vector>

namespace ingest::testing {

struct ArchiveEntry {
  std::string name;
  std::string data;
  bool directory = false;
};

enum class ArchiveFormat { kZip, kTar, kTarGz, kTarZst, k7z };

// Writes `entries` to `path` in `format`. With a non-empty `passphrase` (zip only) the
// members are encrypted. Fails the test on error.
void WriteArchive(const std::string& path, ArchiveFormat format,
                  const std::vector<ArchiveEntry>& entries, const std::string& passphrase = "");

// A member of a hand-built archive: `name` is written as these exact bytes.
struct RawMember {
  std::string name;
  std::string data;
  bool utf8_flag = false;  // zip: general purpose bit 11 (the name is UTF-8)
};

// Writes a zip of stored members byte by byte (no libarchive, so no locale decides the name
// bytes or the UTF-8 flag).
void WriteRawZip(const std::string& path, const std::vector<RawMember>& members);

// Writes a pax tar whose members carry their names in a pax "path" record (UTF-8 by the
// pax standard), the ustar name field holding only a placeholder.
void WritePaxTar(const std::string& path, const std::vector<RawMember>& members);

}  // namespace ingest::testing

#endif  // INGEST_TESTS_TESTING_ARCHIVE_WRITER_H_
