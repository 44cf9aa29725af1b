// TransferSession, the reply side: what each finished request means for its file or batch,
// the attempt budget of TUS files, and the retries.
#include <algorithm>
#include <cstdlib>

#include "upload/cvat_api.h"
#include "upload/http_client.h"
#include "upload/transfer_session.h"

namespace ingest::upload::transfer {
namespace {

const char* OpName(Op op) {
  switch (op) {
    case Op::kCreate: return "TUS creation";
    case Op::kPatch: return "PATCH";
    case Op::kHead: return "HEAD";
    case Op::kBatch: return "Upload-Multiple batch";
  }
  return "request";
}

}  // namespace

void TransferSession::OnCreateDone(Transfer& t, CURLcode rc, long status) {
  uint32_t file = t.index;
  TusState& s = tus_[file];
  const PlannedFile& f = plan_.files[file];
  if (rc == CURLE_OK && status == 201 && !t.location.empty()) {
    // Only a location on the --server's origin is followed (and journaled): the requests
    // to it carry the token. The budget is not reset: a server that loses every upload
    // it creates must not keep the client busy for ever.
    Result<std::string> path = ResolveServerLocation(opt_.data_url, t.location);
    if (!path) return Fail(file, path.error().WithPrefix("TUS creation of " + FileLabel(file)));
    s.location = std::move(*path);
    s.offset = 0;
    s.phase = TusPhase::kPatch;
    observer_->OnTusCreated(file, s.location);
    ready_.push_front(file);
    return;
  }
  if (rc == CURLE_OK && status == 409 && s.phase == TusPhase::kSettle) {
    // The server lost the upload's state because it completed it (CVAT drops a finished
    // upload) and now refuses the name: the file is there.
    s.phase = TusPhase::kDone;
    counters_->bytes_done.fetch_add(f.size - s.offset, std::memory_order_relaxed);
    FileDone(file);
    return;
  }
  if (rc == CURLE_OK && status == 409) {
    return Fail(file, Status::Remote("TUS creation of " + FileLabel(file) +
                                     ": 409: the task already holds a file of that name"));
  }
  if (rc == CURLE_OK && status == 201) {
    return Fail(file, Status::Remote("TUS creation of " + FileLabel(file) +
                                     ": the reply has no Location header"));
  }
  RetryOrFail(t, rc, status, Op::kCreate);
}

void TransferSession::OnPatchDone(Transfer& t, CURLcode rc, long status) {
  uint32_t file = t.index;
  TusState& s = tus_[file];
  const PlannedFile& f = plan_.files[file];
  sent_before_[file] = std::max(sent_before_[file], t.offset + t.sent);
  if (!t.read_error.ok()) {
    return Fail(file, t.read_error.WithPrefix(f.name));
  }
  s.reader = std::move(t.file);  // back for the next PATCH
  if (rc == CURLE_OK && status == 204) {
    uint64_t confirmed = t.upload_offset.empty()
                             ? t.offset + t.sent
                             : std::strtoull(t.upload_offset.c_str(), nullptr, 10);
    if (confirmed < t.offset || confirmed > f.size) {
      s.phase = TusPhase::kHead;  // nonsense from the server: ask again
      if (!Spend(file, Status::Remote("PATCH " + FileLabel(file) + ": the server confirms " +
                                      t.upload_offset + " bytes after a PATCH at " +
                                      std::to_string(t.offset)))) {
        return;
      }
    } else {
      counters_->bytes_done.fetch_add(confirmed - t.offset, std::memory_order_relaxed);
      s.offset = confirmed;
      Progressed(file);
      observer_->OnTusOffset(file, confirmed);
    }
    if (s.offset == f.size) {
      s.phase = TusPhase::kDone;
      FileDone(file);
      return;
    }
    if (s.offset == t.offset && s.phase != TusPhase::kHead) {
      // A 204 that took nothing: an attempt spent, tried again after the backoff.
      if (!Spend(file, Status::Remote("PATCH " + FileLabel(file) +
                                      ": the server confirms no progress (204 at offset " +
                                      std::to_string(t.offset) + ")"))) {
        return;
      }
      Later({Op::kPatch, file}, s.streak);
      return;
    }
    ready_.push_front(file);  // next chunk, on this warm connection
    return;
  }
  if (rc == CURLE_OK && status == 409) {  // offset mismatch: the server's offset is truth
    s.phase = TusPhase::kHead;
    if (!Spend(file, Status::Remote("PATCH " + FileLabel(file) +
                                    ": the server keeps answering 409 (offset conflict)"))) {
      return;
    }
    ready_.push_front(file);
    return;
  }
  if (rc == CURLE_OK && status == 413 && t.length > kMinChunk) {
    // A body limit (a proxy's, usually): halve this request's size, down to 1 MiB.
    uint64_t lowered = std::max(kMinChunk, t.length / 2);
    if (lowered < tus_chunk_) {
      tus_chunk_ = lowered;
      notes_.push_back("a PATCH got 413 (a proxy body limit?): TUS chunk size lowered to " +
                      std::to_string(tus_chunk_ >> 20) + " MiB");
    }
    s.phase = TusPhase::kHead;
    ready_.push_front(file);
    return;
  }
  if (rc == CURLE_OK && (status == 404 || status == 410)) {
    RecreateLostUpload(file);
    return;
  }
  s.phase = TusPhase::kHead;  // whatever arrived may have been stored
  RetryOrFail(t, rc, status, Op::kHead);
}

void TransferSession::OnHeadDone(Transfer& t, CURLcode rc, long status) {
  uint32_t file = t.index;
  TusState& s = tus_[file];
  const PlannedFile& f = plan_.files[file];
  if (rc == CURLE_OK && (status == 200 || status == 204) && !t.upload_offset.empty()) {
    uint64_t offset = std::strtoull(t.upload_offset.c_str(), nullptr, 10);
    if (offset > f.size) {
      return Fail(file, Status::Remote("HEAD " + FileLabel(file) + ": the server reports " +
                                       std::to_string(offset) + " bytes of " +
                                       std::to_string(f.size)));
    }
    if (offset > s.offset) {
      counters_->bytes_done.fetch_add(offset - s.offset, std::memory_order_relaxed);
    }
    s.offset = offset;
    s.phase = TusPhase::kPatch;
    Progressed(file);
    observer_->OnTusOffset(file, offset);
    if (offset == f.size) {
      s.phase = TusPhase::kDone;
      FileDone(file);
      return;
    }
    ready_.push_front(file);
    return;
  }
  // CVAT drops a completed upload's state: HEAD then answers 404 (or 500 in some versions).
  if (rc == CURLE_OK && (status == 404 || status == 410 || status == 500)) {
    RecreateLostUpload(file);
    return;
  }
  RetryOrFail(t, rc, status, Op::kHead);
}

// The attempt budget of a TUS file, which nothing resets (not a re-creation, not a 201):
// --retries failed or unproductive requests, plus one for each chunk of the file beyond
// its first, so that a long upload over a link that drops now and then is not given up
// for cuts it recovers from, while a server that loses every upload, or confirms no
// progress, ends the file after a bounded number of requests.
int TransferSession::AttemptLimit(uint32_t file) const {
  uint64_t chunk = std::clamp<uint64_t>(opt_.tus_chunk, kMinChunk, 100ull << 20);
  uint64_t chunks = std::max<uint64_t>(1, (plan_.files[file].size + chunk - 1) / chunk);
  return retry_.max_retries() + static_cast<int>(std::min<uint64_t>(chunks - 1, 1u << 20));
}

// Counts a failed or unproductive request of TUS file `file` (`why`, which names it);
// false, with the file failed, when that was one more than its budget allows.
bool TransferSession::Spend(uint32_t file, const Status& why) {
  TusState& s = tus_[file];
  ++s.spent;
  ++s.streak;
  if (s.spent <= AttemptLimit(file)) return true;
  Fail(file, why.WithPrefix("gave up after " + std::to_string(s.spent) + " failed attempts"));
  return false;
}

// The server confirmed bytes up to tus_[file].offset: past the most it ever confirmed, the
// backoff starts again from its shortest delay (the budget stays spent).
void TransferSession::Progressed(uint32_t file) {
  TusState& s = tus_[file];
  if (s.offset > s.high_water) {
    s.high_water = s.offset;
    s.streak = 0;
  }
}

void TransferSession::RecreateLostUpload(uint32_t file) {
  TusState& s = tus_[file];
  if (!Spend(file, Status::Remote("the upload of " + FileLabel(file) +
                                  " keeps disappearing on the server"))) {
    return;
  }
  s.phase = TusPhase::kSettle;
  posts_.push_front({Op::kCreate, file});
}

void TransferSession::OnBatchDone(Transfer& t, CURLcode rc, long status) {
  uint32_t batch = t.index;
  std::vector<uint32_t> files = batches_[batch];
  if (!(rc == CURLE_OK && status == 200)) {
    // What went out of this batch: sending those bytes again (by TUS, or in halves) is resent.
    size_t part = t.multipart->part();
    for (size_t k = 0; k < files.size() && k <= part; ++k) {
      uint64_t out = k < part ? plan_.files[files[k]].size : t.multipart->part_bytes();
      sent_before_[files[k]] = std::max(sent_before_[files[k]], out);
    }
  }
  if (rc == CURLE_OK && status == 200 && t.read_error.ok()) {
    for (uint32_t f : files) {
      counters_->bytes_done.fetch_add(plan_.files[f].size, std::memory_order_relaxed);
      FileDone(f);
    }
    return;
  }
  if (!t.read_error.ok()) {
    // A local file could not be read: the request was cut, so the server dropped the whole
    // body. The unreadable file fails; the others go through TUS.
    size_t bad = t.multipart->part();
    for (size_t k = 0; k < files.size(); ++k) {
      if (k == bad) {
        Fail(files[k], t.read_error);
      } else {
        SettleThroughTus(files[k]);
      }
    }
    return;
  }
  bool nothing_sent = rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
                      rc == CURLE_COULDNT_RESOLVE_PROXY;
  if (nothing_sent && ++batch_attempts_[batch] <= retry_.max_retries()) {
    Later({Op::kBatch, batch}, batch_attempts_[batch]);
    return;
  }
  if (rc == CURLE_OK && status == 413) {
    // A body limit (a proxy's, usually): halve the batch, or send a single file by TUS.
    if (files.size() > 1) {
      size_t half = files.size() / 2;
      batches_.emplace_back(files.begin(), files.begin() + static_cast<long>(half));
      batches_.emplace_back(files.begin() + static_cast<long>(half), files.end());
      batch_attempts_.resize(batches_.size(), 0);
      uint32_t first = static_cast<uint32_t>(batches_.size() - 2);
      posts_.push_front({Op::kBatch, first + 1});
      posts_.push_front({Op::kBatch, first});
      notes_.push_back("a batch of " + std::to_string(files.size()) +
                      " files got 413 (a proxy body limit?): sent in halves");
    } else {
      notes_.push_back(FileLabel(files[0]) +
                      " got 413 in a batch: sent through TUS instead");
      via_tus_[files[0]] = true;
      posts_.push_front({Op::kCreate, files[0]});
    }
    return;
  }
  if (rc == CURLE_OK && status < 500 && status != 408 && status != 429) {
    HttpResponse r;
    r.status = status;
    r.body = t.body;
    Status why = HttpError("Upload-Multiple batch " + std::to_string(batch), r);
    for (uint32_t f : files) Fail(f, why);
    return;
  }
  // No reply, or a 5xx: the server may have stored some or all of the batch, and CVAT
  // appends, so the batch is never resent. Each file is settled through TUS instead: the
  // creation answers 409 when the server already holds a complete file of that name (CVAT
  // writes a batch's files only after its whole body arrived) and 201 when it does not,
  // and that TUS upload then carries the file.
  notes_.push_back("batch " + std::to_string(batch) + " (" + std::to_string(files.size()) +
                  " files) got no clear answer (" +
                  (rc != CURLE_OK ? std::string(curl_easy_strerror(rc)) : StatusLine(status)) +
                  "): its files were settled one by one through TUS, not resent");
  for (uint32_t f : files) SettleThroughTus(f);
}

// Sends `file` through TUS; a 409 at creation means the server already has it.
void TransferSession::SettleThroughTus(uint32_t file) {
  via_tus_[file] = true;
  tus_[file].phase = TusPhase::kSettle;
  posts_.push_back({Op::kCreate, file});
}

// A failed TUS request of file t.index: network errors, stalls, 5xx and 429 are retried
// (as `again`) after a delay while the file's budget lasts; anything else fails the file.
void TransferSession::RetryOrFail(Transfer& t, CURLcode rc, long status, Op again) {
  bool retryable = rc != CURLE_OK ? rc != CURLE_ABORTED_BY_CALLBACK : IsRetryableStatus(status);
  std::string what = std::string(OpName(t.op)) + " " + FileLabel(t.index);
  Status why;
  if (rc != CURLE_OK) {
    why = FromCurl(rc, t.errbuf, what);
  } else {
    HttpResponse r;
    r.status = status;
    r.body = t.body;
    why = HttpError(what, r);
  }
  if (!retryable) return Fail(t.index, why);
  if (Spend(t.index, why)) Later({again, t.index}, tus_[t.index].streak);
}

}  // namespace ingest::upload::transfer
