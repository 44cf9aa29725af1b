// TransferEngine: sends the files of an UploadPlan to a CVAT task's /data/ endpoint, many
// transfers at once, on one thread that owns a curl multi handle: its own, or the run's
// TransferHub that carries the transfers of every task of a run of many tasks (the state
// machine is upload/transfer_session.h).
//
// What it sends (CVAT's dialect, ../shared/reference/cvat_protocol.md sections 1-2):
// - TUS uploads: a creation POST (Upload-Length, Upload-Metadata filename, Origin), then
//   PATCHes of at most `tus_chunk` bytes with a real Content-Length, each streamed from the
//   file with pread. A 409 or a failed PATCH is resynchronised with HEAD; an upload the
//   server lost is created again (and a 409 on that re-creation means the server completed
//   the file: it is done).
// - Upload-Multiple batches: one multipart POST per batch, streamed from disk.
// Scheduling: the server serialises every POST to /data/ of one task, so at most one
// creation or batch is in flight; PATCHes to different uploads fill the other connections.
// Retries: network errors, stalls (low-speed limit), 5xx and 429 are retried with
// exponential backoff and jitter. A TUS file has one budget of failed or unproductive
// requests that nothing resets (not a re-creation after a 404, not progress): `retries`, plus
// one for each chunk beyond its first; a 404 (lost upload), a 409 and a 204 that confirms no
// byte spend it too, so a server that misbehaves for ever ends the file in bounded time.
// Locations: a TUS Location is resolved against the data URL and followed only on its
// scheme, host and port (ResolveServerLocation); any other fails the file, no request (and
// no token) goes there, and the journal never sees it. A batch is never resent once
// bytes may have reached the server (CVAT appends: a resent batch would corrupt files): its
// files fail with a message saying so. A 413 from a proxy halves the chunk or batch size
// (down to 1 MiB) and tries again.
#ifndef INGEST_UPLOAD_TRANSFER_ENGINE_H_
#define INGEST_UPLOAD_TRANSFER_ENGINE_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/result.h"
#include "upload/curl_util.h"
#include "upload/file_reader.h"
#include "upload/upload_plan.h"

namespace ingest::upload {

class TransferHub;

struct TransferOptions {
  std::string data_url;   // "<base>/api/tasks/<id>/data/", with the trailing slash
  std::string origin;     // sent as Origin; also the scheme://host used for TUS locations
  std::vector<std::string> headers;  // Authorization, X-Organization: never logged
  ConnectionOptions connection;
  int connections = 8;
  uint64_t tus_chunk = 64ull << 20;  // at most 100 MiB (CVAT's DATA_UPLOAD_MAX_MEMORY_SIZE)
  int image_quality = 70;
  int retries = 5;
  std::chrono::milliseconds backoff_base{250};
  std::chrono::milliseconds backoff_cap{20000};
  // The run's shared transfer thread (upload/transfer_hub.h), outliving the engine; null:
  // the engine gets a thread and a multi handle of its own for its Run.
  TransferHub* hub = nullptr;
};

// Progress, readable from any thread while Run() works.
struct TransferCounters {
  // Handed to the network for the first time by this process: never more than the bytes of
  // the files sent.
  std::atomic<uint64_t> bytes_sent{0};
  // Handed to the network again: the part of a cut or refused request that is sent once more
  // (a PATCH from a lower offset, a batch's files settled through TUS or sent in halves).
  std::atomic<uint64_t> bytes_resent{0};
  std::atomic<uint64_t> bytes_done{0};   // confirmed by the server
  std::atomic<uint64_t> files_done{0};  // includes files_already_done
  // Of files_done and bytes_done: the files a resume found on the server already (nothing
  // was sent for them by this transfer).
  std::atomic<uint64_t> files_already_done{0};
  std::atomic<uint64_t> bytes_already_done{0};
  std::atomic<uint32_t> in_flight{0};
  std::atomic<uint64_t> requests{0};
  // Requests sent again after a failure (network error, stall, 5xx, 429, a lost upload).
  std::atomic<uint64_t> retries{0};
};

// Opens a planned file for reading: a regular file, or an archive member (upload/file_reader.h).
// Called on the transfer thread.
class FileSource {
 public:
  virtual ~FileSource() = default;
  virtual Result<std::unique_ptr<FileReader>> Open(const PlannedFile& file) = 0;
};

// One finished HTTP request of the transfer (for benchmarks: latency percentiles).
struct RequestTiming {
  enum class Kind : uint8_t { kTusCreate, kPatch, kHead, kBatch };
  Kind kind = Kind::kPatch;
  long http_status = 0;    // 0 when no reply came (network error, cancelled)
  bool transport_ok = false;  // libcurl reported no error
  double seconds = 0;      // from the start of the request to its last byte (CURLINFO_TOTAL_TIME)
  uint64_t bytes_sent = 0;  // request body bytes handed to the network
};

// Hooks for the resume journal: called on the engine's thread, in order, after the server
// confirmed what they report (OnBatchSending before the request). OnRequestDone sees every
// request as it completes, before its reply is acted on.
class UploadObserver {
 public:
  virtual ~UploadObserver() = default;
  virtual void OnTusCreated(uint32_t /*file*/, const std::string& /*location*/) {}
  virtual void OnTusOffset(uint32_t /*file*/, uint64_t /*offset*/) {}
  virtual void OnBatchSending(uint32_t /*batch*/) {}
  virtual void OnFileDone(uint32_t /*file*/) {}
  virtual void OnRequestDone(const RequestTiming& /*timing*/) {}
};

// Where a file stands when an interrupted upload resumes (from the journal).
struct FileStart {
  enum class Kind : uint8_t {
    kAsPlanned,  // nothing known: send it by its planned route
    kDone,       // the server has it
    kTusAt,      // a TUS upload exists at `location`; resynchronise with HEAD, then go on
    kSettle,     // its batch may have been sent: settle through a TUS creation (409 = done)
  };
  Kind kind = Kind::kAsPlanned;
  std::string location;
};

// A TUS upload a run left unfinished, and the bytes of it the server confirmed.
struct PartlySent {
  uint32_t file = 0;  // index into UploadPlan::files
  uint64_t offset = 0;
};

struct FileFailure {
  uint32_t file = 0;  // index into UploadPlan::files
  Status status;
};

class TransferEngine {
 public:
  TransferEngine(TransferOptions options, const UploadPlan& plan, FileSource* source,
                 UploadObserver* observer, TransferCounters* counters);
  ~TransferEngine();
  TransferEngine(const TransferEngine&) = delete;
  TransferEngine& operator=(const TransferEngine&) = delete;

  // Resuming: where each file of the plan stands (one entry per file). Call before Run.
  void SetStart(std::vector<FileStart> start);

  // Sends every file of the plan. OK when all are on the server. Otherwise the failures say
  // which files and why, and the status summarises; Cancelled when `cancel` was set (the
  // requests in flight are cut).
  Status Run(const std::atomic<bool>* cancel);

  const std::vector<FileFailure>& failures() const;
  // After Run: the TUS uploads it left unfinished with some of their bytes on the server, in
  // plan order (a journal records a hash of each part: upload/sent_prefix.h).
  std::vector<PartlySent> partly_sent() const;
  // Things worth telling the user that are not failures ("413: chunk size halved to ...").
  const std::vector<std::string>& notes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Standard base64 (for Upload-Metadata).
std::string Base64(std::string_view bytes);

}  // namespace ingest::upload

#endif  // INGEST_UPLOAD_TRANSFER_ENGINE_H_
