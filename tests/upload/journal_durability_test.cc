// Issue 15 point 9: the journal's intent records ("this batch may have been sent") must reach
// the disk before the batch goes out, or a power loss could undo them and a resume would send
// the batch again (CVAT appends it twice). The journal runs synchronous=NORMAL, under which a
// WAL commit is not synced; the test watches the syncs SQLite asks of the WAL file through a
// VFS that wraps the default one and counts them.
#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "tests/testing/temp_dir.h"
#include "upload/journal.h"

namespace ingest::upload {
namespace {

// A file of the counting VFS: ours first, the default VFS's file right after it.
struct CountingFile {
  sqlite3_file base;
  sqlite3_file* real;
  bool wal;
};

sqlite3_vfs* g_real_vfs = nullptr;
std::atomic<int> g_wal_syncs{0};

sqlite3_file* Real(sqlite3_file* f) { return reinterpret_cast<CountingFile*>(f)->real; }

int Close(sqlite3_file* f) { return Real(f)->pMethods->xClose(Real(f)); }
int Read(sqlite3_file* f, void* p, int n, sqlite3_int64 at) {
  return Real(f)->pMethods->xRead(Real(f), p, n, at);
}
int Write(sqlite3_file* f, const void* p, int n, sqlite3_int64 at) {
  return Real(f)->pMethods->xWrite(Real(f), p, n, at);
}
int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  return Real(f)->pMethods->xTruncate(Real(f), size);
}
int Sync(sqlite3_file* f, int flags) {
  if (reinterpret_cast<CountingFile*>(f)->wal) ++g_wal_syncs;
  return Real(f)->pMethods->xSync(Real(f), flags);
}
int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  return Real(f)->pMethods->xFileSize(Real(f), size);
}
int Lock(sqlite3_file* f, int level) { return Real(f)->pMethods->xLock(Real(f), level); }
int Unlock(sqlite3_file* f, int level) { return Real(f)->pMethods->xUnlock(Real(f), level); }
int CheckReservedLock(sqlite3_file* f, int* out) {
  return Real(f)->pMethods->xCheckReservedLock(Real(f), out);
}
int FileControl(sqlite3_file* f, int op, void* arg) {
  return Real(f)->pMethods->xFileControl(Real(f), op, arg);
}
int SectorSize(sqlite3_file* f) { return Real(f)->pMethods->xSectorSize(Real(f)); }
int DeviceCharacteristics(sqlite3_file* f) {
  return Real(f)->pMethods->xDeviceCharacteristics(Real(f));
}
int ShmMap(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return Real(f)->pMethods->xShmMap(Real(f), region, size, extend, out);
}
int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return Real(f)->pMethods->xShmLock(Real(f), offset, n, flags);
}
void ShmBarrier(sqlite3_file* f) { Real(f)->pMethods->xShmBarrier(Real(f)); }
int ShmUnmap(sqlite3_file* f, int remove) { return Real(f)->pMethods->xShmUnmap(Real(f), remove); }
int Fetch(sqlite3_file* f, sqlite3_int64 at, int n, void** out) {
  return Real(f)->pMethods->xFetch(Real(f), at, n, out);
}
int Unfetch(sqlite3_file* f, sqlite3_int64 at, void* p) {
  return Real(f)->pMethods->xUnfetch(Real(f), at, p);
}

const sqlite3_io_methods kMethods = {
    3,
    Close,
    Read,
    Write,
    Truncate,
    Sync,
    FileSize,
    Lock,
    Unlock,
    CheckReservedLock,
    FileControl,
    SectorSize,
    DeviceCharacteristics,
    ShmMap,
    ShmLock,
    ShmBarrier,
    ShmUnmap,
    Fetch,
    Unfetch,
};

int Open(sqlite3_vfs*, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  auto* c = reinterpret_cast<CountingFile*>(file);
  c->real = reinterpret_cast<sqlite3_file*>(c + 1);
  c->wal = (flags & SQLITE_OPEN_WAL) != 0;
  int rc = g_real_vfs->xOpen(g_real_vfs, name, c->real, flags, out_flags);
  c->base.pMethods = c->real->pMethods ? &kMethods : nullptr;
  return rc;
}

class JournalDurabilityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_real_vfs = sqlite3_vfs_find(nullptr);
    ASSERT_NE(g_real_vfs, nullptr);
    ASSERT_GE(g_real_vfs->iVersion, 3);
    vfs_ = *g_real_vfs;
    vfs_.zName = "ingest-counting";
    vfs_.szOsFile = static_cast<int>(sizeof(CountingFile)) + g_real_vfs->szOsFile;
    vfs_.xOpen = Open;
    vfs_.pNext = nullptr;
    ASSERT_EQ(sqlite3_vfs_register(&vfs_, 1), SQLITE_OK);  // the default from here on
  }
  void TearDown() override {
    sqlite3_vfs_register(g_real_vfs, 1);
    sqlite3_vfs_unregister(&vfs_);
  }

  // A journal of `count` 100-byte files at dir_/j; `batch_of(id)` gives a file's batch, or
  // nullopt for a file sent by TUS.
  Result<std::unique_ptr<Journal>> Make(uint32_t count,
                                        std::function<std::optional<uint32_t>(uint32_t)> batch_of) {
    JournalHeader h;
    h.server = "http://127.0.0.1:1";
    return Journal::Create(dir_.Join("j"), h, count, [&](uint32_t id, JournalFile* f) {
      f->path = "/data/f" + std::to_string(id);
      f->name = "f" + std::to_string(id) + ".png";
      f->size = 100;
      std::optional<uint32_t> batch = batch_of(id);
      f->route = batch ? Route::kBatch : Route::kTus;
      f->batch = batch.value_or(0);
      return Status();
    });
  }

  sqlite3_vfs vfs_{};
  testing::ScopedTempDir dir_;
};

TEST_F(JournalDurabilityTest, BatchIntentIsSyncedAndOutcomesAreNot) {
  std::string path = dir_.Join("j");
  auto created = Make(20, [](uint32_t id) {
    return id < 10 ? std::optional<uint32_t>(0) : std::nullopt;  // 10 files in batch 0
  });
  ASSERT_TRUE(created.has_value()) << created.error().ToString();
  Journal& j = **created;

  // The first commit after the WAL was reset syncs its new header whatever the setting.
  j.OnTusOffset(11, 10);
  ASSERT_TRUE(j.Flush().ok());
  // Outcomes: buffered, committed without a sync (what makes the journal cheap).
  g_wal_syncs = 0;
  j.OnTusCreated(12, "/api/tasks/1/data/u");
  j.OnTusOffset(12, 50);
  ASSERT_TRUE(j.Flush().ok());
  EXPECT_EQ(g_wal_syncs.load(), 0) << "the counting VFS or the journal's settings changed";

  // The intent: on disk before OnBatchSending returns (before the batch is sent).
  j.OnBatchSending(0);
  ASSERT_TRUE(j.error().ok()) << j.error().ToString();
  EXPECT_GE(g_wal_syncs.load(), 1) << "the batch's intent record was committed without a sync";

  // And only that commit: the outcomes after it are NORMAL again.
  g_wal_syncs = 0;
  j.OnFileDone(12);
  ASSERT_TRUE(j.Flush().ok());
  EXPECT_EQ(g_wal_syncs.load(), 0);
  created->reset();

  auto opened = Journal::Open(path);
  ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
  auto files = (*opened)->Files();
  ASSERT_TRUE(files.has_value());
  EXPECT_EQ((*files)[3].state, JournalFileState::kBatchSending);
  EXPECT_EQ((*files)[12].state, JournalFileState::kDone);
}

// One synced commit records the intent of the batch being sent and of the next ones (batches
// go out in plan order), so a run of small batches does not wait for the disk before each:
// the batches it covers send without a sync; the first one past it syncs again.
TEST_F(JournalDurabilityTest, OneSyncCoversTheIntentOfTheNextBatches) {
  std::string path = dir_.Join("j");
  constexpr uint32_t kBatches = 40;
  auto created = Make(kBatches, [](uint32_t id) { return std::optional<uint32_t>(id); });
  ASSERT_TRUE(created.has_value()) << created.error().ToString();
  Journal& j = **created;
  j.OnTusOffset(0, 0);
  ASSERT_TRUE(j.Flush().ok());  // the WAL header's first sync, out of the way

  uint32_t synced_at = 0, syncs = 0, covered = 0;
  for (uint32_t b = 0; b < kBatches; ++b) {
    g_wal_syncs = 0;
    j.OnBatchSending(b);
    ASSERT_TRUE(j.error().ok()) << j.error().ToString();
    if (g_wal_syncs.load() > 0) {
      ++syncs;
      if (b > 0) covered = b - synced_at;
      synced_at = b;
    }
    j.OnFileDone(b);
  }
  EXPECT_GT(covered, 1u) << "each batch's intent was synced on its own";
  EXPECT_LE(syncs, kBatches / 4) << "syncs for " << kBatches << " batches";
  EXPECT_GE(syncs, 2u) << "the window never ends: later batches were sent with no intent";

  created->reset();
  auto opened = Journal::Open(path);
  ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
  auto files = (*opened)->Files();
  ASSERT_TRUE(files.has_value());
  for (uint32_t b = 0; b < kBatches; ++b) EXPECT_EQ((*files)[b].state, JournalFileState::kDone);
}

// Batches the window marked but the run never sent stay "possibly sent" on disk.
TEST_F(JournalDurabilityTest, BatchesMarkedAheadAreOnDiskAsPossiblySent) {
  std::string path = dir_.Join("j");
  auto created = Make(40, [](uint32_t id) { return std::optional<uint32_t>(id); });  // one each
  ASSERT_TRUE(created.has_value()) << created.error().ToString();
  (*created)->OnBatchSending(0);
  ASSERT_TRUE((*created)->error().ok()) << (*created)->error().ToString();
  created->reset();
  auto opened = Journal::Open(path);
  ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
  auto files = (*opened)->Files();
  ASSERT_TRUE(files.has_value());
  EXPECT_EQ((*files)[0].state, JournalFileState::kBatchSending);
  EXPECT_EQ((*files)[1].state, JournalFileState::kBatchSending);
  EXPECT_EQ((*files)[39].state, JournalFileState::kPending);
}

}  // namespace
}  // namespace ingest::upload
