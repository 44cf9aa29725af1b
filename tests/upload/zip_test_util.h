// Helpers of the zip stream tests: members in memory or on disk, the whole stream read out,
// and three independent zip readers (Python's zipfile, Info-ZIP unzip, libarchive) that check
// a written zip against the members' expected names, sizes and CRC-32s.
#ifndef INGEST_TESTS_UPLOAD_ZIP_TEST_UTIL_H_
#define INGEST_TESTS_UPLOAD_ZIP_TEST_UTIL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "upload/file_reader.h"
#include "upload/zip_stream.h"

namespace ingest::upload::testing {

// What a reader must find for one member.
struct ExpectedMember {
  std::string name;
  uint64_t size = 0;
  uint32_t crc = 0;
};

// zlib's CRC-32 of `bytes` (the expectation, computed apart from the stream).
uint32_t CrcOf(std::string_view bytes);
// The CRC-32 of the file at `path`, read in 1 MiB blocks.
uint32_t CrcOfFile(const std::string& path);

// A FileReader over bytes in memory.
std::unique_ptr<FileReader> MemoryReader(std::string bytes);

// The whole zip, read in blocks of `block` bytes from offset 0.
std::string ReadAll(ZipStream& stream, size_t block = (1 << 20) + 7);
// The zip from `offset` to its end.
std::string ReadFrom(ZipStream& stream, uint64_t offset, size_t block = (1 << 20) + 7);
// Writes the whole zip to `path`, leaving holes where a 1 MiB block is all zeros (so a zip
// of a sparse 4 GiB member takes little disk). Fails the test on error.
void WriteZipSparse(ZipStream& stream, const std::string& path);

// Each returns "" when the reader read the zip at `zip_path` without error and found exactly
// `expected` (names in order, sizes, CRC-32s, and data whose CRC-32 matches), else what it
// saw. `work_dir` holds the Python check's script and listing.
std::string CheckWithPythonZipfile(const std::string& zip_path,
                                   const std::vector<ExpectedMember>& expected,
                                   const std::string& work_dir);
std::string CheckWithUnzip(const std::string& zip_path,
                           const std::vector<ExpectedMember>& expected);
// `streaming`: libarchive given no seek callback (its streaming zip reader, which finds each
// member's end from its data descriptor) instead of its seeking reader (the central directory).
std::string CheckWithLibarchive(const std::string& zip_path,
                                const std::vector<ExpectedMember>& expected, bool streaming);

// Runs `command` through /bin/sh; returns its exit status and puts stdout+stderr in `output`.
int RunCommand(const std::string& command, std::string* output);

}  // namespace ingest::upload::testing

#endif  // INGEST_TESTS_UPLOAD_ZIP_TEST_UTIL_H_
