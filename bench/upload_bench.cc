// upload/ micro-benchmarks: journal writes, multipart body encoding, archive members streamed
// out of a tar, and the transfer loop (TransferEngine) against the receiver in process
// (--discard, loopback). Inputs are generated at start in a temp dir.
#include <benchmark/benchmark.h>

#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "server/cvat_server.h"
#include "tests/testing/archive_writer.h"
#include "tests/testing/temp_dir.h"
#include "upload/archive_members.h"
#include "upload/cvat_api.h"
#include "upload/http_client.h"
#include "upload/journal.h"
#include "upload/multipart.h"
#include "upload/transfer_engine.h"

namespace ingest::upload {
namespace {

constexpr size_t kFiles = 256;
constexpr size_t kFileSize = 100 << 10;


// kFiles files of kFileSize bytes in a temp dir, made once.
struct Corpus {
  ingest::testing::ScopedTempDir dir;
  std::vector<std::string> paths;
  Corpus() {
    for (size_t i = 0; i < kFiles; ++i) {
      paths.push_back(dir.Join("f_" + std::to_string(i) + ".jpg"));
      ingest::testing::WriteFile(paths.back(), ingest::testing::PseudoRandomBytes(kFileSize, static_cast<uint32_t>(i)));
    }
  }
};
Corpus& TheCorpus() {
  static Corpus corpus;
  return corpus;
}

// Journal outcomes as the transfer engine reports them: one "done" per file, committed in
// the journal's 250 ms groups.
void BM_JournalFileDone(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  ingest::testing::ScopedTempDir dir;
  std::vector<JournalFile> files(n);
  for (size_t i = 0; i < n; ++i) {
    files[i].path = "/data/f_" + std::to_string(i) + ".jpg";
    files[i].name = "f_" + std::to_string(i) + ".jpg";
    files[i].size = kFileSize;
    files[i].batch = static_cast<uint32_t>(i / 300);
  }
  int round = 0;
  for (auto _ : state) {
    state.PauseTiming();
    JournalHeader h;
    h.server = "http://127.0.0.1:1";
    h.state = JobState::kUploading;
    auto j = Journal::Create(dir.Join("j" + std::to_string(round++)), h, files);
    if (!j) {
      state.SkipWithError(j.error().ToString().c_str());
      return;
    }
    state.ResumeTiming();
    for (uint32_t i = 0; i < n; ++i) (*j)->OnFileDone(i);
    benchmark::DoNotOptimize((*j)->Flush());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK(BM_JournalFileDone)->Arg(20000)->Unit(benchmark::kMillisecond);

// Reading every file's row as a resumed upload does (JournalSource), in windows of
// state.range(1) rows: 1 is a lookup per file, 1,024 what the upload uses.
void BM_JournalFileLookup(benchmark::State& state) {
  const uint32_t n = static_cast<uint32_t>(state.range(0));
  ingest::testing::ScopedTempDir dir;
  JournalHeader h;
  h.server = "http://127.0.0.1:1";
  auto j = Journal::Create(dir.Join("j"), h, n, [](uint32_t i, JournalFile* f) {
    f->path = "/data/some/dir/f_" + std::to_string(i) + ".jpg";
    f->name = "f_" + std::to_string(i) + ".jpg";
    f->size = kFileSize;
    f->batch = i / 300;
    return Status();
  });
  if (!j) {
    state.SkipWithError(j.error().ToString().c_str());
    return;
  }
  const uint32_t window = static_cast<uint32_t>(state.range(1));
  for (auto _ : state) {
    uint64_t sum = 0;
    for (uint32_t first = 0; first < n; first += window) {
      Status s = (*j)->ForEachFile(
          [&](uint32_t, const JournalFile& f) {
            sum += f.path.size();
            return Status();
          },
          first, first + window);
      benchmark::DoNotOptimize(s);
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK(BM_JournalFileLookup)->Args({200000, 1})->Args({200000, 1024})->Unit(benchmark::kMillisecond);

// A batch body of kFiles files read out in 2 MiB pieces (curl's upload buffer).
void BM_MultipartBody(benchmark::State& state) {
  Corpus& c = TheCorpus();
  std::vector<MultipartFile> parts;
  for (size_t i = 0; i < kFiles; ++i) parts.push_back({"f_" + std::to_string(i) + ".jpg", kFileSize});
  std::vector<char> buf(2 << 20);
  for (auto _ : state) {
    MultipartBody body(parts, 70, [&](size_t i) { return OpenFileReader(c.paths[i]); });
    uint64_t total = 0;
    for (;;) {
      Result<size_t> got = body.Read(buf.data(), buf.size());
      if (!got) {
        state.SkipWithError(got.error().ToString().c_str());
        return;
      }
      if (*got == 0) break;
      total += *got;
    }
    benchmark::DoNotOptimize(total);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kFiles * kFileSize));
}
BENCHMARK(BM_MultipartBody)->Unit(benchmark::kMillisecond);

// --extract: every member of a tar (or tar.gz) opened in archive order and read whole.
void BM_ArchiveMembersInOrder(benchmark::State& state) {
  bool gz = state.range(0) != 0;
  ingest::testing::ScopedTempDir dir;
  std::vector<ingest::testing::ArchiveEntry> entries;
  for (size_t i = 0; i < kFiles; ++i) {
    entries.push_back({"d/f_" + std::to_string(i) + ".jpg", ingest::testing::PseudoRandomBytes(kFileSize, static_cast<uint32_t>(i))});
  }
  std::string path = dir.Join(gz ? "a.tar.gz" : "a.tar");
  ingest::testing::WriteArchive(
      path, gz ? ingest::testing::ArchiveFormat::kTarGz : ingest::testing::ArchiveFormat::kTar,
      entries);
  std::vector<char> buf(256 << 10);
  for (auto _ : state) {
    ArchiveMembers archive(path);
    for (size_t i = 0; i < kFiles; ++i) {
      auto r = archive.Open(i, entries[i].name);
      if (!r) {
        state.SkipWithError(r.error().ToString().c_str());
        return;
      }
      for (uint64_t at = 0;;) {
        Result<size_t> got = (*r)->ReadAt(at, buf.data(), buf.size());
        if (!got || *got == 0) break;
        at += *got;
      }
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kFiles * kFileSize));
}
BENCHMARK(BM_ArchiveMembersInOrder)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// The transfer loop: kFiles files into a new task of the receiver in process (--discard),
// in batches (arg 0) or each through TUS (arg 1), 8 connections.
void BM_TransferLoop(benchmark::State& state) {
  bool tus = state.range(0) != 0;
  Corpus& c = TheCorpus();
  ingest::testing::ScopedTempDir data;
  server::ServerOptions opts;
  opts.data_dir = data.path();
  opts.discard = true;
  const std::string token = "0123456789abcdef0123456789abcdef01234567";
  opts.users = {{1, "admin", "", token, "", ""}};
  auto srv = server::CvatServer::Start(opts);
  if (!srv) {
    state.SkipWithError(srv.error().ToString().c_str());
    return;
  }
  std::vector<std::string> auth = {"Authorization: Token " + token};
  HttpClient http(ConnectionOptions{}, auth);
  CvatApi api((*srv)->url(), &http);

  UploadPlan plan;
  ScanResult scan;  // unused by the source below
  for (size_t i = 0; i < kFiles; ++i) {
    PlannedFile f;
    f.record = static_cast<uint32_t>(i);
    f.size = kFileSize;
    f.route = tus ? Route::kTus : Route::kBatch;
    plan.files.push_back(f);
  }
  std::vector<std::string> names;
  for (size_t i = 0; i < kFiles; ++i) names.push_back("f_" + std::to_string(i) + ".jpg");
  for (size_t i = 0; i < kFiles; ++i) plan.files[i].name = names[i];
  if (!tus) {
    for (size_t i = 0; i < kFiles; ++i) {
      if (i % 64 == 0) plan.batches.emplace_back();
      plan.files[i].batch = static_cast<uint32_t>(plan.batches.size() - 1);
      plan.batches.back().push_back(static_cast<uint32_t>(i));
    }
  }
  struct Paths final : FileSource {
    const std::vector<std::string>* paths;
    Result<std::unique_ptr<FileReader>> Open(const PlannedFile& f) override {
      return OpenFileReader((*paths)[f.record]);
    }
  } source;
  source.paths = &c.paths;
  for (auto _ : state) {
    state.PauseTiming();
    auto task = api.CreateTask(R"({"name":"bench","labels":[{"name":"x"}]})");
    if (!task || !api.StartUpload(task->id).ok()) {
      state.SkipWithError("cannot create a task");
      return;
    }
    TransferOptions t;
    t.data_url = api.DataUrl(task->id);
    t.origin = api.Origin();
    t.headers = auth;
    t.connections = 8;
    TransferCounters counters;
    state.ResumeTiming();
    TransferEngine engine(t, plan, &source, nullptr, &counters);
    Status s = engine.Run(nullptr);
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      return;
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kFiles * kFileSize));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kFiles));
}
BENCHMARK(BM_TransferLoop)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace ingest::upload
