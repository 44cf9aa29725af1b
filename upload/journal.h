// Journal: the crash-safe record of one upload, in SQLite (WAL mode), so an interrupted upload
// (Ctrl-C, a killed process, a lost network) continues where it stopped.
//
// What it holds: the server URL and task, the options that shape the upload (never a token or
// a password), the plan (every file's path, the name the server sees, size, mtime, route and
// batch) and each file's state. What it says is always true of the server:
// - intent is recorded before a request whose effect cannot be undone (a batch: CVAT appends,
//   so a batch that may have been sent must never be sent again), committed at once and
//   synced to disk (a power loss cannot undo it);
// - outcomes (an upload created at a location, an offset confirmed, a file complete) are
//   recorded after the reply, buffered and committed every few hundred milliseconds. Losing
//   the newest of them in a crash only costs a HEAD or a re-creation on resume, never bytes
//   on the server.
#ifndef INGEST_UPLOAD_JOURNAL_H_
#define INGEST_UPLOAD_JOURNAL_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engine/result.h"
#include "upload/transfer_engine.h"
#include "upload/upload_plan.h"

struct sqlite3;
struct sqlite3_stmt;

namespace ingest::upload {

// Format 3 added the members of a packed zip (format 2 journals, which have none, still open).
// Format 4 is a format 3 journal that also records an annotation import (SetValue keys
// "annotations*", upload/annotation_import.h): older cvat-ingest refuses it rather than
// finishing the task without the import; format 2 and 3 journals still open.
// Format 5 is a journal of a task of files CVAT reads itself (no files; SetValue key
// "server_sources", upload/server_unit.h): older cvat-ingest refuses it rather than resuming
// it as an upload of local files.
inline constexpr int kJournalFormat = 3;
inline constexpr int kJournalFormatAnnotations = 4;
inline constexpr int kJournalFormatServerSources = 5;

// Where an upload stands, as its journal says; kept as text in the journal's meta table.
//   planned -> creating (POST /api/tasks about to go) -> uploading (Upload-Start sent)
//   -> finishing (Upload-Finish about to go) -> annotating (--annotations) -> done
enum class JobState : uint8_t { kPlanned, kCreating, kUploading, kFinishing, kAnnotating, kDone };
std::string_view JobStateText(JobState state);
// The state a journal's text names; nullopt for a text no cvat-ingest writes.
std::optional<JobState> ParseJobState(std::string_view text);

struct JournalHeader {
  std::string server;
  std::string key;           // identifies the upload: server, sources and task
  int64_t task_id = 0;       // 0 until the task exists
  std::string task_json;     // POST /api/tasks body for a task still to be created
  std::string finish_json;   // the Upload-Finish body
  std::string rq_id;         // once Upload-Finish was accepted
  JobState state = JobState::kPlanned;
  int kind = 0;              // TaskKind
  std::string frame_order;   // the planned frame names, one per line
  int64_t created_unix = 0;
  // A packed task: the id of the zip's row in the files (its members are zip members), and
  // the zip's identity (ZipIdentity: total size and a hash of names and sizes); -1 and "".
  int64_t zip_file = -1;
  std::string zip_identity;
};

// One member of a packed zip (in zip order).
struct JournalZipMember {
  std::string path;      // absolute path of the file, or of the archive holding it
  std::string member;    // an archive member: its path in the archive; else ""
  uint64_t ordinal = 0;  // a member's position among the archive's files
  std::string name;      // its name in the zip
  uint64_t size = 0;
  int64_t mtime_ns = 0;  // of the file, or of its archive
  std::optional<uint32_t> crc;  // its CRC-32 once computed (Journal::OnZipCrc)
};

enum class JournalFileState : int { kPending = 0, kTusCreated = 1, kBatchSending = 2, kDone = 3 };

struct JournalFile {
  std::string path;    // absolute path of the source file, or of the archive holding it
  std::string member;  // an archive member (--extract): its path in the archive; else ""
  uint64_t ordinal = 0;  // a member's position among the archive's files
  std::string name;    // the name the server sees
  uint64_t size = 0;
  int64_t mtime_ns = 0;  // of the file, or for a member of its archive
  // XXH3-128 (hex) of the file's first `hashed` bytes: of a small file when planned (the
  // scan reads it anyway), of what the server confirmed of a TUS upload when a run stopped
  // with it half-sent (upload/sent_prefix.h); "" when unknown. A resume compares it when the
  // size is the same but the time moved.
  std::string hash;
  uint64_t hashed = 0;
  Route route = Route::kBatch;
  uint32_t batch = 0;
  JournalFileState state = JournalFileState::kPending;
  std::string location;  // kTusCreated: the upload's path on the server
  uint64_t offset = 0;   // kTusCreated: bytes the server confirmed
};

class Journal final : public UploadObserver {
 public:
  ~Journal() override;
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Fills *file (a reused object) with the journal row of file `id`; an error stops Create.
  using FileRowFn = std::function<Status(uint32_t id, JournalFile* file)>;
  // Fills *member with zip member `index` (header.zip_file set).
  using ZipRowFn = std::function<Status(uint32_t index, JournalZipMember* member)>;

  // Creates a new journal at `path` (parent directories too) holding `header` and `count`
  // files (in plan order; batches as in the plan), whose rows `row` writes one at a time, so
  // a million-file plan is never held twice in memory. Fails if `path` exists.
  // With header.zip_file set, `zip_count` members of the zip, written by `zip_row`.
  static Result<std::unique_ptr<Journal>> Create(const std::string& path,
                                                 const JournalHeader& header, uint32_t count,
                                                 const FileRowFn& row, uint32_t zip_count = 0,
                                                 const ZipRowFn& zip_row = nullptr);
  static Result<std::unique_ptr<Journal>> Create(const std::string& path,
                                                 const JournalHeader& header,
                                                 const std::vector<JournalFile>& files);
  // Opens an existing journal. Corruption (naming the file and the problem) when it is not a
  // journal, is damaged or truncated, or has another format version.
  static Result<std::unique_ptr<Journal>> Open(const std::string& path);

  const std::string& path() const { return path_; }
  // A journal made by Create() keeps no copy of task_json, finish_json and frame_order (the
  // caller has them; for a million files each is 15 MB): there they read "".
  const JournalHeader& header() const { return header_; }
  std::string_view frame_order() const { return header_.frame_order; }
  uint32_t file_count() const { return file_count_; }
  // Calls `fn` for every file with an id in [first, end), in plan order, with one reused
  // JournalFile, so a million rows are never held at once; stops at the first error `fn`
  // returns. `fn` must not write to the journal.
  Status ForEachFile(const std::function<Status(uint32_t id, const JournalFile& file)>& fn,
                     uint32_t first = 0, uint32_t end = UINT32_MAX);
  // All files, in plan order (for small journals and tests).
  Result<std::vector<JournalFile>> Files();

  // The packed zip's members, in zip order (empty without a zip).
  Result<std::vector<JournalZipMember>> ZipMembers();
  // Records the CRC-32 of zip member `index` (buffered like the outcomes below).
  void OnZipCrc(size_t index, uint32_t crc);

  Status SetTask(int64_t task_id);
  // Records file `id` planned again (a resume with --allow-changed): its size, mtime, hash,
  // route, state, location and offset become those of `f`.
  Status Replan(uint32_t id, const JournalFile& f);
  Status SetState(JobState state);
  Status SetRequest(const std::string& rq_id);
  // A value other code keeps in the journal's meta table (the annotation import's state):
  // written at once, like SetState. `format` raises the journal's format number when given.
  Status SetValue(std::string_view key, std::string_view value, int format = 0);
  // The value SetValue wrote (or the journal held when opened) under `key`; "" when none.
  std::string GetValue(std::string_view key) const;
  // Records the XXH3-128 (hex) of file `id`'s first `bytes` bytes, the part of its TUS upload
  // the server confirmed (upload/sent_prefix.h); buffered like the outcomes below.
  void RecordPrefixHash(uint32_t id, uint64_t bytes, const std::string& hex);
  // Commits what is buffered.
  Status Flush();
  // The first write error (observer calls cannot return one); OK when none.
  const Status& error() const { return error_; }

  // UploadObserver (called on the transfer thread).
  void OnTusCreated(uint32_t file, const std::string& location) override;
  void OnTusOffset(uint32_t file, uint64_t offset) override;
  void OnBatchSending(uint32_t batch) override;
  void OnFileDone(uint32_t file) override;

 private:
  Journal(std::string path, sqlite3* db) : path_(std::move(path)), db_(db) {}
  Status Exec(const std::string& sql);
  Status Begin();  // opens the buffering transaction if none is open
  // Commits what is buffered, then runs `write` in a transaction of its own that is synced
  // to disk before this returns (synchronous=FULL for it), so that a power loss cannot undo
  // it: for intent records.
  Status CommitDurably(const std::function<Status()>& write);
  void MaybeCommit();
  Status SetMeta(std::string_view key, std::string_view value);
  Status ReadHeader();
  // Create's work on the new database: pragmas, schema, header, rows, in one transaction.
  Status Fill(const JournalHeader& header, uint32_t count, const FileRowFn& row,
              uint32_t zip_count, const ZipRowFn& zip_row);
  // Runs `sql` (prepared once, kept in *cache) with these parameters, for the per-file
  // outcomes written thousands of times a second.
  using Value = std::variant<int64_t, std::string_view>;
  void RunCached(sqlite3_stmt** cache, const char* sql, std::initializer_list<Value> args);
  void Record(Status s) {
    if (error_.ok() && !s.ok()) error_ = std::move(s);
  }

  std::string path_;
  sqlite3* db_;
  JournalHeader header_;
  std::map<std::string, std::string, std::less<>> values_;  // meta keys of SetValue
  sqlite3_stmt* offset_stmt_ = nullptr;
  sqlite3_stmt* done_stmt_ = nullptr;
  sqlite3_stmt* hash_stmt_ = nullptr;
  sqlite3_stmt* crc_stmt_ = nullptr;
  uint32_t file_count_ = 0;
  // Batches [intent_from_, intent_to_) have their intent on disk (OnBatchSending).
  uint32_t intent_from_ = 0;
  uint32_t intent_to_ = 0;
  bool in_tx_ = false;
  std::chrono::steady_clock::time_point tx_start_;
  Status error_;
};

// JournalHeader::frame_order as it is kept: the names, each ended by '\n'.
template <typename Names>
std::string JoinFrameOrder(const Names& names) {
  std::string out;
  for (const auto& n : names) {
    out.append(n);
    out += '\n';
  }
  return out;
}
// The names of a kept frame_order, as views into `text`.
std::vector<std::string_view> SplitFrameOrder(std::string_view text);

// Where journals live by default: $XDG_STATE_HOME/cvat-ingest or ~/.local/state/cvat-ingest.
std::string DefaultJournalDir();
// The key of an upload: XXH3 of the server URL, the absolute sources and the task (name or id).
std::string UploadKey(const std::string& server, const std::vector<std::string>& sources,
                      const std::string& task);

}  // namespace ingest::upload

#endif  // INGEST_UPLOAD_JOURNAL_H_
