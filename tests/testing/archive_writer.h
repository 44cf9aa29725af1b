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

}  // namespace ingest::testing

#endif  // INGEST_TESTS_TESTING_ARCHIVE_WRITER_H_
