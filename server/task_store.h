// TaskStore: the receiver's tasks and unfinished TUS uploads, kept in memory and on disk under
// the data directory so that a restart keeps both:
//
//   DIR/next_id                        the next task id
//   DIR/tasks/N/task.json              the task record (rewritten via a temp file + rename)
//   DIR/tasks/N/client_files.jsonl     registered upload names, one JSON string a line, in
//                                      registration order (CVAT's ClientFile rows by id)
//   DIR/tasks/N/frames.jsonl           frames in final order, written by the finish job
//   DIR/tasks/N/raw/<filename>         completed files (bulk files are appended here)
//   DIR/tasks/N/raw/<file_id>          an unfinished TUS upload, preallocated to its length
//   DIR/tasks/N/uploads.jsonl          the unfinished uploads' state (what CVAT keeps in one
//                                      <file_id>.meta file each): an append-only journal of
//                                      create (all fields), offset and done events
//   DIR/tasks/N/tmp/<random>           multipart parts being received
//   DIR/tasks/N/discarded.jsonl        --discard: name, size and XXH3-64 of each file
//
// raw/ holds what clients upload, so nothing there is ever read as the receiver's own state
// (the first receiver kept upload state as raw/<file_id>.meta: a client could plant one).
// Every name loaded from disk passes the checks a live request applies (upload_names.h,
// IsValidUploadId) or is skipped with a warning, and every file under a task is created,
// appended to or renamed relative to the task's open raw/ and tmp/ directories (dir_files.h).
//
// Durability is CVAT's: nothing is fsynced (CVAT never fsyncs its .meta files or uploads), but
// every state change is written before the reply, so a killed server restarts where its
// clients left off. The append-only .jsonl files stay open per task, so an upload's state
// costs one write() per event instead of creating, rewriting and removing a file each (a
// file creation costs ~70 us on the dev VM's ext4, an append ~1 us). The journal is replayed
// at load (a line torn by a crash ends the replay) and compacted, at load and whenever it
// holds mostly finished uploads, to one create line per live upload (temp file + rename).
//
// Locking: mu_ guards the maps. Each Task has `mu` for its fields and `data_mu`, held for the
// whole of every POST to the task's /data/ (CVAT's row lock), and `logs_mu` for its open
// logs (taken after `mu` when both are held). Each Upload has `mu`, held for the whole of a
// PATCH, so two PATCHes to one upload never interleave.
#ifndef INGEST_SERVER_TASK_STORE_H_
#define INGEST_SERVER_TASK_STORE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "engine/result.h"
#include "engine/unique_fd.h"
#include "engine/xxh3.h"

namespace ingest::server {

struct Frame {
  std::string name;
  int64_t width = 0;
  int64_t height = 0;
};

struct Task {
  // Fixed at creation.
  int64_t id = 0;
  int owner_id = 0;
  std::string owner_name;
  std::string name;
  std::optional<int64_t> project_id;
  int64_t segment_size = 0;
  int64_t overlap = 0;
  std::string labels_json = "[]";  // as sent, minified
  std::string subset;
  std::string bug_tracker;
  int64_t consensus_replicas = 0;
  std::optional<int64_t> assignee_id;
  std::string source_storage_json = "null";  // {"location":...} as sent, or null
  std::string target_storage_json = "null";
  std::string created_date;

  UniqueFd raw_dir;  // raw/, opened at creation or load
  UniqueFd tmp_dir;  // tmp/, likewise

  std::mutex data_mu;  // serialises POSTs to /data/ (CVAT's select_for_update)

  std::mutex mu;
  // GUARDED_BY(mu) from here on.
  std::string updated_date;
  int64_t size = 0;  // frames; 0 until the finish job succeeds
  std::string mode;  // "annotation" (images) or "interpolation" (video) once known
  int64_t image_quality = 0;
  std::string sorting_method;
  std::string validation_mode;  // "", gt or gt_pool, from the data request's validation_params
  std::string storage_method = "file_system";
  // Where the data lives, as CVAT's Data.storage: "local" (uploaded, downloaded or copied
  // with copy_data), "share" (read in place from the share) or "cloud_storage".
  std::string storage = "local";
  int64_t chunk_size = 0;
  int64_t start_frame = 0;
  int64_t stop_frame = 0;
  std::string frame_filter;
  int64_t jobs = 0;
  // CVAT's Data row: made by the first POST or OPTIONS to /data/ (the task JSON's "data").
  bool has_data = false;
  std::vector<std::string> client_files;  // registration order
  std::unordered_set<std::string> client_file_set;
  std::vector<Frame> frames;  // final order, after start/stop/step

  std::mutex logs_mu;
  UniqueFd client_files_log;       // GUARDED_BY(logs_mu): client_files.jsonl, opened on first use
  UniqueFd discarded_log;          // GUARDED_BY(logs_mu): discarded.jsonl, opened on first use
  UniqueFd uploads_log;            // GUARDED_BY(logs_mu): uploads.jsonl, opened on first use
  uint64_t uploads_log_bytes = 0;  // GUARDED_BY(logs_mu): its size
  // GUARDED_BY(logs_mu): file_id -> the create line of each live upload, at its offset (what
  // a compaction writes).
  std::unordered_map<std::string, std::string> live_uploads;
};

struct Upload {
  // Fixed at creation.
  std::string file_id;  // "<user id>_<uuid4>"
  int64_t task_id = 0;
  int user_id = 0;
  std::string filename;
  std::string filetype;
  std::string message_id;
  uint64_t length = 0;

  std::mutex mu;        // held for the whole of a PATCH or HEAD
  uint64_t offset = 0;  // GUARDED_BY(mu)
  bool gone = false;    // GUARDED_BY(mu): completed or deleted
  // GUARDED_BY(mu): --discard, the running hash of the bytes so far; null when the upload was
  // resumed after a restart (the hash is then unknown).
  std::shared_ptr<XXH3_state_t> hasher;
};

class TaskStore {
 public:
  TaskStore(std::string data_dir, bool discard) : dir_(std::move(data_dir)), discard_(discard) {}

  // Creates DIR/tasks and loads every task and unfinished upload found there.
  Status Open();

  // Registers a new task (fields other than id taken from `spec`) and persists it.
  Result<std::shared_ptr<Task>> Create(const Task& spec);
  std::shared_ptr<Task> Find(int64_t id) const;
  // All tasks, by id.
  std::vector<std::shared_ptr<Task>> List() const;
  // Forgets the task and removes its directory.
  Status Delete(int64_t id);

  // Rewrites task.json. REQUIRES: task.mu held.
  Status Save(const Task& task);
  // Appends `name` to the task's registered files unless already there. REQUIRES: task.mu.
  Status RegisterClientFile(Task& task, const std::string& name);
  // Writes frames.jsonl. REQUIRES: task.mu held.
  Status SaveFrames(const Task& task);
  // --discard: records a completed file's name, size and hash.
  Status RecordDiscarded(Task& task, const std::string& name, uint64_t size, uint64_t hash);

  std::string TaskDir(int64_t id) const;
  std::string RawDir(int64_t id) const;
  bool discard() const { return discard_; }
  // True when raw/<name> holds a completed file (or, with --discard, one was recorded).
  bool CompletedFileExists(const Task& task, const std::string& name) const;
  // Problems met while loading (names refused, records skipped), one line each; cleared.
  std::vector<std::string> TakeLoadWarnings();

  // Multipart parts: a new empty file in tmp/ (its name in *name), its removal, and its move
  // to raw/<name> (appended when that exists: CVAT opens it 'ab+', so a resent batch appends).
  Result<UniqueFd> CreateTempFile(Task& task, std::string* name);
  void RemoveTempFile(Task& task, const std::string& name);
  Status StorePart(Task& task, const std::string& temp_name, const std::string& name);
  // Renames raw/<from> to raw/<to>.
  Status RenameRawFile(Task& task, const std::string& from, const std::string& to);

  // TUS uploads. CreateUpload preallocates raw/<file_id> (not with --discard) and journals
  // the upload.
  Result<std::shared_ptr<Upload>> CreateUpload(Task& task, int user_id, const std::string& filename,
                                               const std::string& filetype,
                                               const std::string& message_id, uint64_t length);
  std::shared_ptr<Upload> FindUpload(const std::string& file_id) const;
  // Journals the upload's new offset. REQUIRES: upload.mu held.
  Status SaveUploadOffset(const Upload& upload);
  // Moves raw/<file_id> to raw/<filename> (or name_1.ext, ... if taken), journals the end of
  // the upload and forgets it. REQUIRES: upload.mu held.
  Status CompleteUpload(Upload& upload);
  // Opens an upload's data file, raw/<file_id>, for writing.
  Result<UniqueFd> OpenUploadData(const Upload& upload);

 private:
  Status LoadTask(int64_t id);
  // Creates and opens the task's raw/ and tmp/ directories.
  Status OpenTaskDirs(Task& task);
  void Warn(std::string line);
  // Replays uploads.jsonl and any older .meta files, then compacts the journal.
  Status LoadUploads(Task& task);
  // Appends `line` to the task's log `file`, opening it into `*fd` on first use.
  // REQUIRES: task.logs_mu held.
  Status AppendToLogLocked(Task& task, UniqueFd* fd, const char* file, std::string_view line);
  Status AppendToLog(Task& task, UniqueFd* fd, const char* file, std::string_view line);
  enum class UploadEvent { kCreate, kOffset, kDone };
  // Journals `event` for `upload` (REQUIRES: upload.mu held) and compacts the journal when
  // it is mostly finished uploads.
  Status JournalUpload(Task& task, const Upload& upload, UploadEvent event);
  // Rewrites uploads.jsonl as the live uploads' create lines. REQUIRES: task.logs_mu held.
  Status CompactUploadsLocked(Task& task);

  const std::string dir_;
  const bool discard_;

  mutable std::mutex mu_;
  int64_t next_id_ = 1;                                               // GUARDED_BY(mu_)
  std::map<int64_t, std::shared_ptr<Task>> tasks_;                    // GUARDED_BY(mu_)
  std::unordered_map<std::string, std::shared_ptr<Upload>> uploads_;  // GUARDED_BY(mu_)
  std::map<int64_t, std::unordered_set<std::string>> discarded_;      // GUARDED_BY(mu_)
  std::vector<std::string> load_warnings_;                            // GUARDED_BY(mu_)
};

// True for names CVAT takes as a manifest (.jsonl). With --discard these are still stored.
bool IsManifestName(std::string_view name);

// Writes `bytes` to `path` through `path.tmp` + rename.
Status WriteFileAtomically(const std::string& path, std::string_view bytes);

}  // namespace ingest::server

#endif  // INGEST_SERVER_TASK_STORE_H_
