// TransferSession: the state machine that sends one UploadPlan to one task's /data/ (what
// upload/transfer_engine.h describes), without a thread or a curl multi handle of its own.
// A TransferHub (upload/transfer_hub.h) drives sessions on its one thread: it asks each for
// requests to start while connections are free, hands it back the requests that finished, and
// ends it when Finished(). Internal to the upload module.
#ifndef INGEST_UPLOAD_TRANSFER_SESSION_H_
#define INGEST_UPLOAD_TRANSFER_SESSION_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "upload/curl_util.h"
#include "upload/multipart.h"
#include "upload/retry_policy.h"
#include "upload/transfer_engine.h"

namespace ingest::upload::transfer {

using Clock = std::chrono::steady_clock;
constexpr uint64_t kMinChunk = 1ull << 20;

enum class Op : uint8_t { kCreate, kPatch, kHead, kBatch };

// The phase of one TUS upload, which says what its next request is:
//
//   kCreate --201--> kPatch --(last byte confirmed)--> kDone
//                     |   ^
//   (a PATCH cut, 409, |   | (HEAD: the server's offset)
//    413, 5xx, ...)    v   |
//                     kHead
//   kPatch or kHead --(404/410: the server lost the upload)--> kSettle
//   kSettle --201--> kPatch;  kSettle --409--> kDone (the server has the file)
//   any but kDone --(budget spent, or an error no retry mends)--> kFailed
//
// A file that a batch may have carried starts in kSettle (its creation settles it); a resumed
// upload at a known location starts in kHead.
enum class TusPhase : uint8_t {
  kCreate,  // a creation is queued or in flight; 409 means another file has the name
  kSettle,  // the same, but 409 means the server already holds this file
  kPatch,   // the next request is a PATCH at `offset`
  kHead,    // resynchronise first: the next request is a HEAD
  kDone,
  kFailed,
};

// Where one TUS upload stands.
struct TusState {
  TusPhase phase = TusPhase::kCreate;
  std::string location;
  uint64_t offset = 0;
  // The file's reader, kept from PATCH to PATCH (an archive member's stream then goes on
  // where the last PATCH stopped instead of decompressing up to it again); lent to the
  // Transfer of each PATCH. Dropped when the file is done or failed.
  std::unique_ptr<FileReader> reader;
  // The file's attempt budget (see Spend): failed or unproductive requests so far, never
  // reset; and those since the last progress, which set the backoff delay.
  int spent = 0;
  int streak = 0;
  uint64_t high_water = 0;  // the most bytes the server ever confirmed (progress passes it)
  bool finished() const { return phase == TusPhase::kDone || phase == TusPhase::kFailed; }
};

struct Work {
  Op op;
  uint32_t index;  // file (TUS) or batch
};

class TransferSession;

// One request in flight: owned by its session, found again through CURLOPT_PRIVATE.
struct Transfer {
  TransferSession* session = nullptr;
  Op op = Op::kCreate;
  uint32_t index = 0;
  CURL* easy = nullptr;
  CurlSlistPtr headers;
  std::string location;       // reply header
  std::string upload_offset;  // reply header
  std::string body;           // reply body (capped)
  char errbuf[CURL_ERROR_SIZE] = {0};
  // PATCH body
  std::unique_ptr<FileReader> file;
  uint64_t offset = 0;
  uint64_t length = 0;
  uint64_t sent = 0;
  // Of this PATCH's bytes, those below `resent_below` went to the network before (an earlier
  // request of this file was cut or refused): counted as resent, not as sent. A batch with
  // any such file (the halves of a refused batch) counts all its bytes as resent.
  uint64_t resent_below = 0;
  Status read_error;
  // Batch body, and how many of its files' bytes the counters have
  std::unique_ptr<MultipartBody> multipart;
  uint64_t counted = 0;
  TransferCounters* counters = nullptr;
};

// What a session borrows from the hub that drives it: the multi handle and its easy handles.
class EasyPool {
 public:
  virtual ~EasyPool() = default;
  virtual CURL* Take() = 0;             // nullptr when curl_easy_init fails
  virtual void Give(CURL* easy) = 0;    // back to the pool (not in the multi handle)
  virtual Status Add(CURL* easy) = 0;   // curl_multi_add_handle
  virtual void Remove(CURL* easy) = 0;  // curl_multi_remove_handle
};

class TransferSession {
 public:
  TransferSession(TransferOptions options, const UploadPlan& plan, FileSource* source,
                  UploadObserver* observer, TransferCounters* counters);
  ~TransferSession();  // the hub removed every request first (Abort)
  TransferSession(const TransferSession&) = delete;
  TransferSession& operator=(const TransferSession&) = delete;

  void SetStart(std::vector<FileStart> start) { start_ = std::move(start); }

  // On the hub's thread: queues the plan's work (from the start positions). Call once.
  void Begin(EasyPool* pool);
  // Starts requests while this session has work, `*free` > 0 and fewer than its own
  // connections are in flight; decrements `*free` per request started.
  Status Fill(int* free);
  // A request of this session finished (CURLMSG_DONE).
  void Finish(Transfer* t, CURLcode result);
  // Cuts every request in flight (cancel, or the hub's error).
  void Abort();
  // The earliest due retry, if any is waiting; moves those due now to the work queues.
  std::optional<Clock::time_point> WakeDue(Clock::time_point now);

  // True when every file ended (done or failed), or when work ran out with files left.
  bool Finished() const;
  // The outcome once Finished(): OK, or what failed.
  Status Outcome() const;
  size_t in_flight() const { return active_.size(); }
  int connections() const { return opt_.connections; }
  const std::vector<FileFailure>& failures() const { return failures_; }
  const std::vector<std::string>& notes() const { return notes_; }
  std::vector<PartlySent> partly_sent() const;

 private:
  void ReportInFlight();
  void Fail(uint32_t file, Status status);
  void FileDone(uint32_t file);
  std::string FileLabel(uint32_t file) const;
  void Later(Work w, int attempts);
  curl_slist* Setup(Transfer* t, const std::string& url);
  Status Start(Work w);
  void StartPatch(Transfer& t, uint32_t file);
  void StartBatch(Transfer& t, uint32_t batch);
  void QueueFile(uint32_t file);
  void ReportTiming(const Transfer& t, CURLcode rc, long status);

  // Replies (transfer_replies.cc).
  void OnCreateDone(Transfer& t, CURLcode rc, long status);
  void OnPatchDone(Transfer& t, CURLcode rc, long status);
  void OnHeadDone(Transfer& t, CURLcode rc, long status);
  void OnBatchDone(Transfer& t, CURLcode rc, long status);
  int AttemptLimit(uint32_t file) const;
  bool Spend(uint32_t file, const Status& why);
  void Progressed(uint32_t file);
  void RecreateLostUpload(uint32_t file);
  void SettleThroughTus(uint32_t file);
  void RetryOrFail(Transfer& t, CURLcode rc, long status, Op again);

  TransferOptions opt_;
  const UploadPlan& plan_;
  FileSource* source_;
  UploadObserver* observer_;
  TransferCounters* counters_;
  UploadObserver null_observer_;
  EasyPool* pool_ = nullptr;
  // This session's share of counters_->in_flight (the counters may be shared by the sessions
  // of a run's tasks): it is moved by differences.
  uint32_t reported_in_flight_ = 0;
  RetryPolicy retry_;

  std::unordered_map<uint32_t, TusState> tus_;  // files sent through TUS, by plan index
  std::vector<bool> via_tus_;        // the file goes (or went over) to TUS
  // Per file: the bytes from its start this process already handed to the network (a
  // request later cut or refused): sending them again counts as resent.
  std::vector<uint64_t> sent_before_;
  // The batches as sent: the plan's, plus halves of batches a proxy refused as too large.
  std::vector<std::vector<uint32_t>> batches_;
  std::vector<int> batch_attempts_;
  std::deque<Work> posts_;           // creations and batches, one in flight at a time
  std::deque<uint32_t> ready_;       // TUS files waiting for a PATCH or HEAD
  struct Delayed {
    Clock::time_point due;
    Work work;
  };
  std::vector<Delayed> delayed_;
  std::vector<std::unique_ptr<Transfer>> active_;
  std::vector<FileStart> start_;     // empty: a fresh upload
  bool post_busy_ = false;
  uint64_t tus_chunk_;
  std::vector<FileFailure> failures_;
  std::vector<std::string> notes_;
  size_t files_left_ = 0;
};

}  // namespace ingest::upload::transfer

#endif  // INGEST_UPLOAD_TRANSFER_SESSION_H_
