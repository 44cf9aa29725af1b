// libFuzzer harness: the receiver's data directory as TaskStore::Open reads it at start
// (server/task_store.h): task.json, client_files.jsonl, frames.jsonl, the uploads.jsonl
// journal replay, an older raw/<file_id>.meta state file and next_id.
//
// Input: a flag byte (bit 0: --discard, bit 1: also a data file for the .meta upload), then
// the files' contents separated by kSectionSep, in the order above. Every file may be torn,
// hostile or not JSON: Open must never crash, and the store must stay usable afterwards.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <sys/stat.h>

#include "server/task_store.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = ingest::fuzz::AsText(data, size);
  if (in.empty()) return 0;
  const unsigned flags = static_cast<unsigned char>(in[0]);
  in.remove_prefix(1);
  std::vector<std::string_view> files = ingest::fuzz::Sections(in, ingest::fuzz::kSectionSep, 6);

  const std::string dir = ingest::fuzz::ScratchDir() + "/data";
  ingest::fuzz::ClearDir(ingest::fuzz::ScratchDir());
  const std::string task = dir + "/tasks/1";
  ::mkdir(dir.c_str(), 0700);
  ::mkdir((dir + "/tasks").c_str(), 0700);
  ::mkdir(task.c_str(), 0700);
  ::mkdir((task + "/raw").c_str(), 0700);
  ingest::fuzz::WriteBytes(task + "/task.json", files[0]);
  if (!files[1].empty()) ingest::fuzz::WriteBytes(task + "/client_files.jsonl", files[1]);
  if (!files[2].empty()) ingest::fuzz::WriteBytes(task + "/frames.jsonl", files[2]);
  if (!files[3].empty()) ingest::fuzz::WriteBytes(task + "/uploads.jsonl", files[3]);
  if (!files[4].empty()) {
    ingest::fuzz::WriteBytes(task + "/raw/1_u.meta", files[4]);
    if (flags & 2) ingest::fuzz::WriteBytes(task + "/raw/1_u", "abc");
  }
  if (!files[5].empty()) ingest::fuzz::WriteBytes(dir + "/next_id", files[5]);

  ingest::server::TaskStore store(dir, (flags & 1) != 0);
  ingest::Status opened = store.Open();
  if (!opened.ok()) {
    INGEST_FUZZ_CHECK(!opened.message().empty());
    return 0;
  }
  std::shared_ptr<ingest::server::Task> t = store.Find(1);
  INGEST_FUZZ_CHECK(t != nullptr);
  {
    std::lock_guard lock(t->mu);
    INGEST_FUZZ_CHECK(t->client_files.size() == t->client_file_set.size());
  }
  // A loaded store keeps working: a new task gets a fresh id.
  ingest::server::Task spec;
  spec.name = "fuzz";
  ingest::Result<std::shared_ptr<ingest::server::Task>> created = store.Create(spec);
  if (created) INGEST_FUZZ_CHECK((*created)->id > 1);
  return 0;
}
