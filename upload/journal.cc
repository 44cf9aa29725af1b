#include "upload/journal.h"

#include <fcntl.h>

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <map>

#include "engine/hasher.h"
#include "upload/journal_rows.h"

namespace ingest::upload {
namespace {

constexpr auto kCommitEvery = std::chrono::milliseconds(250);
// Batches whose intent one synced commit records (OnBatchSending).
constexpr uint32_t kIntentAhead = 8;
// Checkpoints (which fsync) stall the transfer thread that writes the journal: a WAL of up to
// about 64 MiB (16,384 pages) is checkpointed when it is closed instead of during an upload
// of up to several hundred thousand files. Commits are synchronous=NORMAL (the WAL survives a
// process crash; a power loss may lose the newest commits, which a resume redoes with a HEAD
// or a re-creation), except the intent records of batches (CommitDurably).
constexpr const char* kCheckpointEvery = "PRAGMA wal_autocheckpoint=16384";

// A prepared statement, finalized on scope exit.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) { rc_ = sqlite3_prepare_v2(db, sql, -1, &s_, nullptr); }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  bool ok() const { return rc_ == SQLITE_OK; }
  sqlite3_stmt* get() { return s_; }
  Stmt& Bind(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Stmt& Bind(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  int Step() { return sqlite3_step(s_); }
  std::string Text(int col) {
    const unsigned char* t = sqlite3_column_text(s_, col);
    return t ? std::string(reinterpret_cast<const char*>(t),
                           static_cast<size_t>(sqlite3_column_bytes(s_, col)))
             : std::string();
  }
  int64_t Int(int col) { return sqlite3_column_int64(s_, col); }

 private:
  sqlite3_stmt* s_ = nullptr;
  int rc_;
};

Status DbError(sqlite3* db, const std::string& path, const std::string& what) {
  int code = sqlite3_errcode(db);
  std::string msg = "journal " + path + ": " + what + ": " + sqlite3_errmsg(db);
  if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) return Status::Corruption(msg);
  return Status::IoError(msg);
}

const char* kSchema =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE files(id INTEGER PRIMARY KEY, path TEXT NOT NULL, name TEXT NOT NULL,"
    " size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, route INTEGER NOT NULL,"
    " batch INTEGER NOT NULL, state INTEGER NOT NULL, location TEXT NOT NULL DEFAULT '',"
    " offset INTEGER NOT NULL DEFAULT 0, member TEXT NOT NULL DEFAULT '',"
    " ordinal INTEGER NOT NULL DEFAULT 0, hash TEXT NOT NULL DEFAULT '',"
    " hashed INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX files_batch ON files(batch);"
    "CREATE TABLE zip_members(id INTEGER PRIMARY KEY, path TEXT NOT NULL, member TEXT NOT NULL,"
    " ordinal INTEGER NOT NULL, name TEXT NOT NULL, size INTEGER NOT NULL,"
    " mtime_ns INTEGER NOT NULL, crc INTEGER);";

}  // namespace

Journal::~Journal() {
  if (in_tx_) Record(Exec("COMMIT"));
  sqlite3_finalize(offset_stmt_);
  sqlite3_finalize(done_stmt_);
  sqlite3_finalize(hash_stmt_);
  sqlite3_finalize(crc_stmt_);
  sqlite3_close(db_);
}

Status Journal::Exec(const std::string& sql) {
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    return DbError(db_, path_, sql.substr(0, sql.find(' ')));
  }
  return Status();
}

Status Journal::Begin() {
  if (in_tx_) return Status();
  INGEST_RETURN_IF_ERROR(Exec("BEGIN"));
  in_tx_ = true;
  tx_start_ = std::chrono::steady_clock::now();
  return Status();
}

Status Journal::Flush() {
  if (!in_tx_) return Status();
  in_tx_ = false;
  return Exec("COMMIT");
}

void Journal::MaybeCommit() {
  if (in_tx_ && std::chrono::steady_clock::now() - tx_start_ >= kCommitEvery) Record(Flush());
}

Status Journal::SetMeta(std::string_view key, std::string_view value) {
  Stmt st(db_, "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)");
  if (!st.ok()) return DbError(db_, path_, "prepare");
  // Not copied by SQLite: both outlive the step (the frame order of a million files is 15 MB).
  sqlite3_bind_text(st.get(), 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
  sqlite3_bind_text(st.get(), 2, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
  if (st.Step() != SQLITE_DONE) return DbError(db_, path_, "write " + std::string(key));
  return Status();
}

Result<std::unique_ptr<Journal>> Journal::Create(const std::string& path,
                                                 const JournalHeader& header,
                                                 const std::vector<JournalFile>& files) {
  return Create(path, header, static_cast<uint32_t>(files.size()),
                [&](uint32_t id, JournalFile* f) {
                  *f = files[id];
                  return Status();
                });
}

Result<std::unique_ptr<Journal>> Journal::Create(const std::string& path,
                                                 const JournalHeader& header, uint32_t count,
                                                 const FileRowFn& row, uint32_t zip_count,
                                                 const ZipRowFn& zip_row) {
  std::error_code ec;
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (::access(path.c_str(), F_OK) == 0) {
    return Status::InvalidArgument("journal " + path + " already exists");
  }
  // Made under a temporary name and renamed into place once complete: a process killed
  // while it is made leaves no journal (a half-made one would be taken for an interrupted
  // upload and refused as damaged). Nothing has been sent before a journal exists.
  const std::string temp = path + ".creating";
  for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((temp + suffix).c_str());
  JournalHeader kept;
  uint32_t kept_count = 0;
  {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(temp.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                        nullptr) != SQLITE_OK) {
      Status s = Status::IoError("journal " + path + ": cannot create: " +
                                 (db ? sqlite3_errmsg(db) : "out of memory"));
      sqlite3_close(db);
      return s;
    }
    std::unique_ptr<Journal> j(new Journal(path, db));
    ::chmod(temp.c_str(), 0600);
    Status filled = j->Fill(header, count, row, zip_count, zip_row);
    if (!filled.ok()) {
      j.reset();
      for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((temp + suffix).c_str());
      return filled;
    }
    kept = j->header_;
    kept_count = j->file_count_;
  }  // closed: the WAL is checkpointed into the file and removed
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    Status s = FromErrno("journal " + path + ": rename from " + temp, errno);
    ::unlink(temp.c_str());
    return s;
  }
  if (int dir = ::open(parent.empty() ? "." : parent.c_str(), O_RDONLY | O_DIRECTORY);
      dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    Status s = Status::IoError("journal " + path + ": cannot open: " +
                               (db ? sqlite3_errmsg(db) : "out of memory"));
    sqlite3_close(db);
    return s;
  }
  std::unique_ptr<Journal> j(new Journal(path, db));
  INGEST_RETURN_IF_ERROR(j->Exec("PRAGMA synchronous=NORMAL"));
  INGEST_RETURN_IF_ERROR(j->Exec(kCheckpointEvery));
  j->header_ = std::move(kept);
  j->file_count_ = kept_count;
  return j;
}

Status Journal::Fill(const JournalHeader& header, uint32_t count, const FileRowFn& row,
                     uint32_t zip_count, const ZipRowFn& zip_row) {
  INGEST_RETURN_IF_ERROR(Exec("PRAGMA journal_mode=WAL"));
  INGEST_RETURN_IF_ERROR(Exec("PRAGMA synchronous=NORMAL"));
  INGEST_RETURN_IF_ERROR(Exec(kCheckpointEvery));
  INGEST_RETURN_IF_ERROR(Exec("BEGIN"));
  INGEST_RETURN_IF_ERROR(Exec(kSchema));
  // The big text fields are written, not kept (see header()).
  JournalHeader& h = header_;
  h.server = header.server;
  h.key = header.key;
  h.task_id = header.task_id;
  h.rq_id = header.rq_id;
  h.state = header.state;
  h.kind = header.kind;
  h.zip_file = header.zip_file;
  h.zip_identity = header.zip_identity;
  h.created_unix = header.created_unix != 0 ? header.created_unix
                                             : static_cast<int64_t>(std::time(nullptr));
  // Numbers as named strings: a temporary in the list below would die before the loop body.
  const std::string format = std::to_string(kJournalFormat), task_id = std::to_string(h.task_id),
                    kind = std::to_string(h.kind), created = std::to_string(h.created_unix),
                    files = std::to_string(count);
  for (const auto& [k, v] : std::initializer_list<std::pair<std::string_view, std::string_view>>{
           {"format", format},
           {"server", h.server},
           {"key", h.key},
           {"task_id", task_id},
           {"task_json", header.task_json},
           {"finish_json", header.finish_json},
           {"rq_id", h.rq_id},
           {"state", JobStateText(h.state)},
           {"kind", kind},
           {"frame_order", header.frame_order},
           {"created", created},
           {"files", files}}) {
    INGEST_RETURN_IF_ERROR(SetMeta(k, v));
  }
  Stmt ins(db_, "INSERT INTO files(id, path, name, size, mtime_ns, route, batch, state, member,"
               " ordinal, hash, hashed) VALUES(?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)");
  if (!ins.ok()) return DbError(db_, path_, "prepare");
  file_count_ = count;
  JournalFile f;
  for (uint32_t i = 0; i < count; ++i) {
    // Cleared field by field: the strings keep their buffers from row to row.
    f.path.clear();
    f.member.clear();
    f.name.clear();
    f.hash.clear();
    f.location.clear();
    f.ordinal = f.size = f.hashed = f.offset = 0;
    f.mtime_ns = 0;
    f.route = Route::kBatch;
    f.batch = 0;
    f.state = JournalFileState::kPending;
    INGEST_RETURN_IF_ERROR(row(i, &f));
    sqlite3_reset(ins.get());
    ins.Bind(1, static_cast<int64_t>(i)).Bind(2, f.path).Bind(3, f.name);
    ins.Bind(4, static_cast<int64_t>(f.size)).Bind(5, f.mtime_ns);
    ins.Bind(6, static_cast<int64_t>(f.route)).Bind(7, static_cast<int64_t>(f.batch));
    ins.Bind(8, f.member).Bind(9, static_cast<int64_t>(f.ordinal));
    ins.Bind(10, f.hash).Bind(11, static_cast<int64_t>(f.hashed));
    if (ins.Step() != SQLITE_DONE) return DbError(db_, path_, "write files");
  }
  if (h.zip_file >= 0) {
    INGEST_RETURN_IF_ERROR(SetMeta("zip_file", std::to_string(h.zip_file)));
    INGEST_RETURN_IF_ERROR(SetMeta("zip_identity", h.zip_identity));
    Stmt zins(db_, "INSERT INTO zip_members(id, path, member, ordinal, name, size, mtime_ns)"
                   " VALUES(?, ?, ?, ?, ?, ?, ?)");
    if (!zins.ok()) return DbError(db_, path_, "prepare");
    JournalZipMember m;
    for (uint32_t i = 0; i < zip_count; ++i) {
      m = JournalZipMember();
      INGEST_RETURN_IF_ERROR(zip_row(i, &m));
      sqlite3_reset(zins.get());
      zins.Bind(1, static_cast<int64_t>(i)).Bind(2, m.path).Bind(3, m.member);
      zins.Bind(4, static_cast<int64_t>(m.ordinal)).Bind(5, m.name);
      zins.Bind(6, static_cast<int64_t>(m.size)).Bind(7, m.mtime_ns);
      if (zins.Step() != SQLITE_DONE) return DbError(db_, path_, "write zip members");
    }
  }
  return Exec("COMMIT");
}

Result<std::unique_ptr<Journal>> Journal::Open(const std::string& path) {
  if (::access(path.c_str(), R_OK | W_OK) != 0) return FromErrno("journal " + path, errno);
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    Status s = Status::IoError("journal " + path + ": cannot open: " +
                               (db ? sqlite3_errmsg(db) : "out of memory"));
    sqlite3_close(db);
    return s;
  }
  std::unique_ptr<Journal> j(new Journal(path, db));
  INGEST_RETURN_IF_ERROR(j->Exec("PRAGMA synchronous=NORMAL"));
  INGEST_RETURN_IF_ERROR(j->Exec(kCheckpointEvery));
  Status ok = j->ReadHeader();
  if (!ok.ok()) {
    if (ok.code() == Status::Code::kCorruption) return ok;
    return Status::Corruption(ok.message() + " (not a cvat-ingest journal, or damaged)");
  }
  return j;
}

Status Journal::ReadHeader() {
  Stmt check(db_, "PRAGMA quick_check");
  if (!check.ok() || check.Step() != SQLITE_ROW || check.Text(0) != "ok") {
    return Status::Corruption("journal " + path_ + ": damaged (integrity check failed)");
  }
  Stmt st(db_, "SELECT key, value FROM meta");
  if (!st.ok()) return DbError(db_, path_, "read");
  std::map<std::string, std::string> meta;
  int rc;
  while ((rc = st.Step()) == SQLITE_ROW) meta[st.Text(0)] = st.Text(1);
  if (rc != SQLITE_DONE) return DbError(db_, path_, "read");
  const std::string& format = meta["format"];
  if (format != std::to_string(kJournalFormat) && format != "2" &&
      format != std::to_string(kJournalFormatAnnotations) &&
      format != std::to_string(kJournalFormatServerSources)) {
    return Status::Corruption("journal " + path_ + ": format " + format +
                              ", this cvat-ingest reads formats 2 to " +
                              std::to_string(kJournalFormatServerSources));
  }
  values_.insert(meta.begin(), meta.end());  // what SetValue wrote, with the header's keys
  header_.server = std::move(meta["server"]);
  header_.key = std::move(meta["key"]);
  header_.task_id = std::atoll(meta["task_id"].c_str());
  header_.task_json = std::move(meta["task_json"]);
  header_.finish_json = std::move(meta["finish_json"]);
  header_.rq_id = std::move(meta["rq_id"]);
  // A journal of an earlier build without the key reads as planned, as it did then.
  std::optional<JobState> state =
      meta["state"].empty() ? JobState::kPlanned : ParseJobState(meta["state"]);
  if (!state) {
    return Status::Corruption("journal " + path_ + ": unknown upload state '" + meta["state"] +
                              "' (damaged, or written by a newer cvat-ingest?)");
  }
  header_.state = *state;
  header_.kind = std::atoi(meta["kind"].c_str());
  header_.frame_order = std::move(meta["frame_order"]);
  header_.created_unix = std::atoll(meta["created"].c_str());
  header_.zip_file = meta.count("zip_file") ? std::atoll(meta["zip_file"].c_str()) : -1;
  header_.zip_identity = std::move(meta["zip_identity"]);
  Stmt count(db_, "SELECT COUNT(*) FROM files");
  if (!count.ok() || count.Step() != SQLITE_ROW ||
      std::to_string(count.Int(0)) != meta["files"]) {
    return Status::Corruption("journal " + path_ + ": the file list is incomplete (truncated?)");
  }
  file_count_ = static_cast<uint32_t>(count.Int(0));
  return Status();
}

Status Journal::ForEachFile(const std::function<Status(uint32_t, const JournalFile&)>& fn,
                            uint32_t first, uint32_t end) {
  const std::string sql = std::string("SELECT ") + kJournalFileColumns +
                          " FROM files WHERE id >= ? AND id < ? ORDER BY id";
  Stmt st(db_, sql.c_str());
  if (!st.ok()) return DbError(db_, path_, "read files");
  st.Bind(1, static_cast<int64_t>(first)).Bind(2, static_cast<int64_t>(end));
  JournalFile f;
  int rc;
  while ((rc = st.Step()) == SQLITE_ROW) {
    if (std::string bad = CheckFileRow(st.get(), file_count_); !bad.empty()) {
      return Status::Corruption("journal " + path_ + ": " + bad + " (damaged?)");
    }
    uint32_t id = ReadFileRow(st.get(), &f);
    INGEST_RETURN_IF_ERROR(fn(id, f));
  }
  if (rc != SQLITE_DONE) return DbError(db_, path_, "read files");
  return Status();
}

Result<std::vector<JournalZipMember>> Journal::ZipMembers() {
  std::vector<JournalZipMember> out;
  if (header_.zip_file < 0) return out;
  Stmt st(db_, "SELECT path, member, ordinal, name, size, mtime_ns, crc FROM zip_members"
               " ORDER BY id");
  if (!st.ok()) return DbError(db_, path_, "read zip members");
  int rc;
  while ((rc = st.Step()) == SQLITE_ROW) {
    JournalZipMember& m = out.emplace_back();
    m.path = st.Text(0);
    m.member = st.Text(1);
    m.ordinal = static_cast<uint64_t>(st.Int(2));
    m.name = st.Text(3);
    m.size = static_cast<uint64_t>(st.Int(4));
    m.mtime_ns = st.Int(5);
    if (sqlite3_column_type(st.get(), 6) != SQLITE_NULL) {
      m.crc = static_cast<uint32_t>(st.Int(6));
    }
  }
  if (rc != SQLITE_DONE) return DbError(db_, path_, "read zip members");
  return out;
}

void Journal::OnZipCrc(size_t index, uint32_t crc) {
  Record(Begin());
  RunCached(&crc_stmt_, "UPDATE zip_members SET crc=? WHERE id=?",
            {static_cast<int64_t>(crc), static_cast<int64_t>(index)});
  MaybeCommit();
}

Result<std::vector<JournalFile>> Journal::Files() {
  std::vector<JournalFile> out;
  INGEST_RETURN_IF_ERROR(ForEachFile([&](uint32_t, const JournalFile& f) {
    out.push_back(f);
    return Status();
  }));
  return out;
}


Status Journal::SetTask(int64_t task_id) {
  INGEST_RETURN_IF_ERROR(Flush());
  header_.task_id = task_id;
  return SetMeta("task_id", std::to_string(task_id));
}

Status Journal::Replan(uint32_t id, const JournalFile& f) {
  INGEST_RETURN_IF_ERROR(Flush());
  Stmt st(db_, "UPDATE files SET size=?, mtime_ns=?, hash=?, hashed=?, route=?, state=?,"
               " location=?, offset=? WHERE id=?");
  if (!st.ok()) return DbError(db_, path_, "prepare");
  st.Bind(1, static_cast<int64_t>(f.size)).Bind(2, f.mtime_ns).Bind(3, f.hash);
  st.Bind(4, static_cast<int64_t>(f.hashed)).Bind(5, static_cast<int64_t>(f.route));
  st.Bind(6, static_cast<int64_t>(f.state)).Bind(7, f.location);
  st.Bind(8, static_cast<int64_t>(f.offset)).Bind(9, static_cast<int64_t>(id));
  if (st.Step() != SQLITE_DONE) return DbError(db_, path_, "write");
  return Status();
}

Status Journal::SetState(JobState state) {
  INGEST_RETURN_IF_ERROR(Flush());
  header_.state = state;
  return SetMeta("state", JobStateText(state));
}

namespace {
constexpr std::pair<JobState, std::string_view> kJobStates[] = {
    {JobState::kPlanned, "planned"},     {JobState::kCreating, "creating"},
    {JobState::kUploading, "uploading"}, {JobState::kFinishing, "finishing"},
    {JobState::kAnnotating, "annotating"}, {JobState::kDone, "done"},
};
}  // namespace

std::string_view JobStateText(JobState state) {
  for (const auto& [s, text] : kJobStates) {
    if (s == state) return text;
  }
  return "?";
}

std::optional<JobState> ParseJobState(std::string_view text) {
  for (const auto& [s, t] : kJobStates) {
    if (t == text) return s;
  }
  return std::nullopt;
}

Status Journal::SetValue(std::string_view key, std::string_view value, int format) {
  INGEST_RETURN_IF_ERROR(Flush());
  if (format != 0) INGEST_RETURN_IF_ERROR(SetMeta("format", std::to_string(format)));
  INGEST_RETURN_IF_ERROR(SetMeta(key, value));
  values_[std::string(key)] = std::string(value);
  return Status();
}

std::string Journal::GetValue(std::string_view key) const {
  auto it = values_.find(key);
  return it == values_.end() ? std::string() : it->second;
}

Status Journal::SetRequest(const std::string& rq_id) {
  INGEST_RETURN_IF_ERROR(Flush());
  header_.rq_id = rq_id;
  return SetMeta("rq_id", rq_id);
}

void Journal::OnTusCreated(uint32_t file, const std::string& location) {
  Record(Begin());
  Stmt st(db_, "UPDATE files SET state=1, location=?, offset=0 WHERE id=?");
  st.Bind(1, location).Bind(2, static_cast<int64_t>(file));
  if (st.Step() != SQLITE_DONE) Record(DbError(db_, path_, "write"));
  MaybeCommit();
}

void Journal::RunCached(sqlite3_stmt** cache, const char* sql,
                        std::initializer_list<Value> args) {
  if (*cache == nullptr && sqlite3_prepare_v2(db_, sql, -1, cache, nullptr) != SQLITE_OK) {
    return Record(DbError(db_, path_, "prepare"));
  }
  sqlite3_reset(*cache);
  int i = 1;
  for (const Value& v : args) {
    if (const int64_t* n = std::get_if<int64_t>(&v)) {
      sqlite3_bind_int64(*cache, i++, *n);
    } else {
      std::string_view text = std::get<std::string_view>(v);
      sqlite3_bind_text(*cache, i++, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    }
  }
  if (sqlite3_step(*cache) != SQLITE_DONE) Record(DbError(db_, path_, "write"));
}

void Journal::OnTusOffset(uint32_t file, uint64_t offset) {
  Record(Begin());
  RunCached(&offset_stmt_, "UPDATE files SET offset=? WHERE id=?",
            {static_cast<int64_t>(offset), static_cast<int64_t>(file)});
  MaybeCommit();
}

void Journal::RecordPrefixHash(uint32_t file, uint64_t bytes, const std::string& hex) {
  Record(Begin());
  RunCached(&hash_stmt_, "UPDATE files SET hash=?, hashed=? WHERE id=?",
            {std::string_view(hex), static_cast<int64_t>(bytes), static_cast<int64_t>(file)});
  MaybeCommit();
}

void Journal::OnBatchSending(uint32_t batch) {
  // Intent before the request, committed durably: after a crash, or a power loss, this batch
  // is settled through TUS creations, never sent again (CVAT would append it twice). Batches
  // go out in plan order, so one synced commit marks this batch and the next ones up to
  // kIntentAhead: a batch marked but never sent only settles through TUS on a resume (a
  // creation each, which a 409 or an upload completes), and a sync per batch held each
  // 32 MiB batch of 100 KiB files back by the disk's flush (bench/journal_sync_bench.sh).
  // Batch ids past the plan's (halves of a refused batch) hold files already marked.
  if (batch >= intent_from_ && batch < intent_to_) return;
  const uint32_t to = batch + std::min<uint32_t>(kIntentAhead, UINT32_MAX - batch);
  Record(CommitDurably([&] {
    Stmt st(db_, "UPDATE files SET state=2 WHERE batch>=? AND batch<? AND route=0 AND state=0");
    st.Bind(1, static_cast<int64_t>(batch)).Bind(2, static_cast<int64_t>(to));
    return st.Step() == SQLITE_DONE ? Status() : DbError(db_, path_, "write");
  }));
  intent_from_ = batch;
  intent_to_ = to;
}

Status Journal::CommitDurably(const std::function<Status()>& write) {
  // synchronous=FULL for this one transaction (SQLite takes the setting only outside one):
  // in WAL mode the commit then syncs the WAL before it returns, where NORMAL leaves the
  // newest commits to the next checkpoint's sync. The outcomes stay NORMAL (losing them
  // costs a HEAD or a re-creation on resume, never bytes on the server).
  INGEST_RETURN_IF_ERROR(Flush());
  INGEST_RETURN_IF_ERROR(Exec("PRAGMA synchronous=FULL"));
  Status done = Begin();
  if (done.ok()) done = write();
  done = done.ok() ? Flush() : done;
  if (!done.ok() && in_tx_) {
    in_tx_ = false;
    (void)Exec("ROLLBACK");
  }
  Status back = Exec("PRAGMA synchronous=NORMAL");
  return done.ok() ? back : done;
}

void Journal::OnFileDone(uint32_t file) {
  Record(Begin());
  RunCached(&done_stmt_, "UPDATE files SET state=3 WHERE id=?", {static_cast<int64_t>(file)});
  MaybeCommit();
}

std::vector<std::string_view> SplitFrameOrder(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    out.push_back(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
  }
  return out;
}

std::string DefaultJournalDir() {
  const char* state = std::getenv("XDG_STATE_HOME");
  if (state && *state) return std::string(state) + "/cvat-ingest";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.local/state/cvat-ingest";
}

std::string UploadKey(const std::string& server, const std::vector<std::string>& sources,
                      const std::string& task) {
  std::string text = server;
  text += '\n';
  std::error_code ec;
  for (const std::string& s : sources) {
    text += std::filesystem::absolute(s, ec).lexically_normal().string();
    text += '\n';
  }
  text += task;
  return ToHex(HashBytes(text.data(), text.size())).substr(0, 16);
}

}  // namespace ingest::upload
