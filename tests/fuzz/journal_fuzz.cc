// libFuzzer harness: the resume journal reader (upload/journal.h): Journal::Open on a file of
// any bytes (seeded with real journals, so mutations reach the rows), then every row through
// ForEachFile. A damaged or hostile journal must give a Corruption or I/O error that names
// the file, never a crash.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "tests/fuzz/fuzz_util.h"
#include "upload/journal.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& dir = ingest::fuzz::ScratchDir();
  ingest::fuzz::ClearDir(dir);
  const std::string path = dir + "/upload.journal";
  ingest::fuzz::WriteBytes(path, ingest::fuzz::AsText(data, size));

  ingest::Result<std::unique_ptr<ingest::upload::Journal>> opened =
      ingest::upload::Journal::Open(path);
  if (!opened) {
    INGEST_FUZZ_CHECK(opened.error().message().find(path) != std::string::npos);
    return 0;
  }
  ingest::upload::Journal& journal = **opened;
  uint64_t rows = 0, bytes = 0;
  ingest::Status read = journal.ForEachFile([&](uint32_t, const ingest::upload::JournalFile& f) {
    ++rows;
    bytes += f.path.size() + f.name.size() + f.member.size() + f.location.size();
    return ingest::Status();
  });
  if (read.ok()) INGEST_FUZZ_CHECK(rows <= journal.file_count());
  (void)journal.header().server.size();
  (void)journal.frame_order().size();
  return 0;
}
