#include "upload/transfer_engine.h"

#include "engine/hasher.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <optional>
#include <thread>
#include <unordered_map>

#include "upload/cvat_api.h"
#include "upload/http_client.h"
#include "upload/multipart.h"
#include "upload/retry_policy.h"

namespace ingest::upload {

std::string Base64(std::string_view in) {
  static const char kTable[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (static_cast<uint8_t>(in[i]) << 16) | (static_cast<uint8_t>(in[i + 1]) << 8) |
                 static_cast<uint8_t>(in[i + 2]);
    out += kTable[v >> 18];
    out += kTable[(v >> 12) & 63];
    out += kTable[(v >> 6) & 63];
    out += kTable[v & 63];
  }
  if (i < in.size()) {
    uint32_t v = static_cast<uint8_t>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<uint8_t>(in[i + 1]) << 8;
    out += kTable[v >> 18];
    out += kTable[(v >> 12) & 63];
    out += i + 1 < in.size() ? kTable[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

namespace {

using Clock = std::chrono::steady_clock;
constexpr uint64_t kMinChunk = 1ull << 20;
constexpr size_t kMaxReplyBody = 64 << 10;

enum class Op : uint8_t { kCreate, kPatch, kHead, kBatch };

const char* OpName(Op op) {
  switch (op) {
    case Op::kCreate: return "TUS creation";
    case Op::kPatch: return "PATCH";
    case Op::kHead: return "HEAD";
    case Op::kBatch: return "Upload-Multiple batch";
  }
  return "request";
}

// Where one TUS upload stands.
struct TusState {
  std::string location;
  uint64_t offset = 0;
  // XXH3 of the bytes [0, hashed_to) as they are sent, for the journal (a resume checks a
  // touched file's sent part against it). Dropped for good when the bytes sent and the bytes
  // confirmed part ways (a cut PATCH, a resume from the middle): re-reading to mend it is
  // not worth it.
  std::unique_ptr<Hasher> hasher;
  uint64_t hashed_to = 0;
  // The file's reader, kept from PATCH to PATCH (an archive member's stream then goes on
  // where the last PATCH stopped instead of decompressing up to it again); lent to the
  // Transfer of each PATCH. Dropped when the file is done or failed.
  std::unique_ptr<FileReader> reader;
  // The file's attempt budget (see Spend): failed or unproductive requests so far, never
  // reset; and those since the last progress, which set the backoff delay.
  int spent = 0;
  int streak = 0;
  uint64_t high_water = 0;  // the most bytes the server ever confirmed (progress passes it)
  bool need_head = false;   // resynchronise before the next PATCH
  bool recreating = false;  // the server lost it; a 409 on re-creation means complete
  bool done = false;
  bool failed = false;
};

struct Work {
  Op op;
  uint32_t index;  // file (TUS) or batch
};

struct Transfer {
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
  Hasher* hasher = nullptr;  // the upload's prefix hash, when these bytes extend it
  uint64_t* hashed_to = nullptr;
  uint64_t offset = 0;
  uint64_t length = 0;
  uint64_t sent = 0;
  Status read_error;
  // Batch body
  std::unique_ptr<MultipartBody> multipart;
  TransferCounters* counters = nullptr;
};

size_t OnHeader(char* data, size_t size, size_t n, void* user) noexcept {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * n;
  std::string_view name = line.substr(0, colon);
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
    value.remove_suffix(1);
  }
  auto iequals = [](std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             return std::tolower(static_cast<unsigned char>(x)) ==
                    std::tolower(static_cast<unsigned char>(y));
           });
  };
  if (iequals(name, "location")) t->location = std::string(value);
  if (iequals(name, "upload-offset")) t->upload_offset = std::string(value);
  return size * n;
}

size_t OnBody(char* data, size_t size, size_t n, void* user) noexcept {
  auto* t = static_cast<Transfer*>(user);
  size_t len = size * n;
  if (t->body.size() < kMaxReplyBody) t->body.append(data, std::min(len, kMaxReplyBody - t->body.size()));
  return len;
}

size_t OnReadFile(char* buf, size_t size, size_t n, void* user) noexcept {
  auto* t = static_cast<Transfer*>(user);
  size_t want = static_cast<size_t>(std::min<uint64_t>(size * n, t->length - t->sent));
  if (want == 0) return 0;
  uint64_t at = t->offset + t->sent;
  Result<size_t> r = t->file->ReadAt(at, buf, want);
  if (!r || *r == 0) {
    t->read_error = !r ? std::move(r).error()
                       : Status::IoError("the file is shorter than when it was scanned");
    return CURL_READFUNC_ABORT;
  }
  if (t->hasher && *t->hashed_to == at) {
    t->hasher->Update(buf, *r);
    *t->hashed_to += *r;
  }
  t->sent += *r;
  t->counters->bytes_sent.fetch_add(*r, std::memory_order_relaxed);
  return *r;
}

size_t OnReadMultipart(char* buf, size_t size, size_t n, void* user) noexcept {
  auto* t = static_cast<Transfer*>(user);
  Result<size_t> got = t->multipart->Read(buf, size * n);
  if (!got) {
    t->read_error = std::move(got).error();
    return CURL_READFUNC_ABORT;
  }
  t->sent += *got;
  t->counters->bytes_sent.fetch_add(*got, std::memory_order_relaxed);
  return *got;
}

}  // namespace

struct TransferEngine::Impl {
  TransferOptions opt;
  const UploadPlan& plan;
  FileSource* source;
  UploadObserver* observer;
  TransferCounters* counters;
  UploadObserver null_observer;
  // This engine's share of counters->in_flight (the counters may be shared by the engines of
  // a run's tasks): it is moved by differences.
  uint32_t reported_in_flight = 0;
  void ReportInFlight() {
    uint32_t now = static_cast<uint32_t>(active.size());
    counters->in_flight.fetch_add(now - reported_in_flight, std::memory_order_relaxed);
    reported_in_flight = now;
  }
  RetryPolicy retry;

  // The multi handle is declared first so it is destroyed last (after every easy handle
  // was removed and cleaned up).
  CurlMultiPtr multi;
  std::vector<CurlEasyPtr> easies;  // all easy handles made
  std::vector<CURL*> idle;          // those not in use

  std::unordered_map<uint32_t, TusState> tus;  // files sent through TUS, by plan index
  std::vector<bool> via_tus;        // the file goes (or went over) to TUS
  // The batches as sent: the plan's, plus halves of batches a proxy refused as too large.
  std::vector<std::vector<uint32_t>> batches;
  std::vector<int> batch_attempts;
  std::deque<Work> posts;           // creations and batches, one in flight at a time
  std::deque<uint32_t> ready;       // TUS files waiting for a PATCH or HEAD
  struct Delayed {
    Clock::time_point due;
    Work work;
  };
  std::vector<Delayed> delayed;
  std::vector<std::unique_ptr<Transfer>> active;
  std::vector<FileStart> start;     // empty: a fresh upload
  bool post_busy = false;
  uint64_t tus_chunk;
  std::vector<FileFailure> failures;
  std::vector<std::string> notes;
  size_t files_left = 0;

  Impl(TransferOptions o, const UploadPlan& p, FileSource* s, UploadObserver* obs,
       TransferCounters* c)
      : opt(std::move(o)),
        plan(p),
        source(s),
        observer(obs ? obs : &null_observer),
        counters(c),
        retry(opt.retries, opt.backoff_base, opt.backoff_cap),
        multi(curl_multi_init()),
        tus_chunk(std::clamp<uint64_t>(opt.tus_chunk, kMinChunk, 100ull << 20)) {}

  ~Impl() {
    for (auto& t : active) curl_multi_remove_handle(multi.get(), t->easy);
    active.clear();
    ReportInFlight();
    easies.clear();
  }

  CURL* TakeEasy() {
    if (!idle.empty()) {
      CURL* e = idle.back();
      idle.pop_back();
      return e;
    }
    easies.emplace_back(curl_easy_init());
    return easies.back().get();
  }

  void Fail(uint32_t file, Status status) {
    if (via_tus[file]) {
      if (tus[file].failed || tus[file].done) return;
      tus[file].failed = true;
      tus[file].reader.reset();
    }
    failures.push_back({file, std::move(status)});
    --files_left;
  }

  void FileDone(uint32_t file) {
    if (via_tus[file]) tus[file].reader.reset();
    counters->files_done.fetch_add(1, std::memory_order_relaxed);
    observer->OnFileDone(file);
    --files_left;
  }

  std::string FileLabel(uint32_t file) const {
    return "'" + std::string(plan.files[file].name) + "'";
  }

  void Later(Work w, int attempts) {
    counters->retries.fetch_add(1, std::memory_order_relaxed);
    delayed.push_back({Clock::now() + retry.Delay(attempts), w});
  }

  // Common easy-handle setup; returns the header list to extend.
  curl_slist* Setup(Transfer* t, const std::string& url) {
    CURL* e = t->easy;
    curl_easy_reset(e);
    ApplyConnectionOptions(e, opt.connection);
    curl_easy_setopt(e, CURLOPT_URL, url.c_str());
    curl_easy_setopt(e, CURLOPT_PRIVATE, t);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
    curl_slist* h = nullptr;
    for (const std::string& line : opt.headers) h = AddHeader(h, line);
    h = AddHeader(h, "Origin: " + opt.origin);
    h = AddHeader(h, "Expect:");
    return h;
  }

  Status Start(Work w) {
    auto t = std::make_unique<Transfer>();
    t->op = w.op;
    t->index = w.index;
    t->counters = counters;
    t->easy = TakeEasy();
    if (t->easy == nullptr) return Status::Internal("curl_easy_init failed");
    switch (w.op) {
      case Op::kCreate: {
        const PlannedFile& f = plan.files[w.index];
        curl_slist* h = Setup(t.get(), opt.data_url);
        h = AddHeader(h, "Tus-Resumable: 1.0.0");
        h = AddHeader(h, "Upload-Length: " + std::to_string(f.size));
        h = AddHeader(h, "Upload-Metadata: filename " + Base64(f.name));
        t->headers.reset(h);
        curl_easy_setopt(t->easy, CURLOPT_POST, 1L);
        curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, "");
        curl_easy_setopt(t->easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(0));
        post_busy = true;
        break;
      }
      case Op::kHead: {
        curl_slist* h = Setup(t.get(), opt.origin + tus[w.index].location);
        h = AddHeader(h, "Tus-Resumable: 1.0.0");
        t->headers.reset(h);
        curl_easy_setopt(t->easy, CURLOPT_NOBODY, 1L);
        break;
      }
      case Op::kPatch: {
        const PlannedFile& f = plan.files[w.index];
        TusState& s = tus[w.index];
        if (!s.reader) {
          Result<std::unique_ptr<FileReader>> file = source->Open(f);
          if (!file) {
            idle.push_back(t->easy);
            Fail(w.index, std::move(file).error());
            return Status();
          }
          s.reader = std::move(*file);
        }
        t->file = std::move(s.reader);
        if (s.offset == 0 && !s.hasher && observer != &null_observer) {
          s.hasher = std::make_unique<Hasher>();  // only a journal wants it
        }
        t->hasher = s.hasher && s.hashed_to == s.offset ? s.hasher.get() : nullptr;
        t->hashed_to = &s.hashed_to;
        t->offset = s.offset;
        t->length = std::min(tus_chunk, f.size - s.offset);
        curl_slist* h = Setup(t.get(), opt.origin + s.location);
        h = AddHeader(h, "Tus-Resumable: 1.0.0");
        h = AddHeader(h, "Content-Type: application/offset+octet-stream");
        h = AddHeader(h, "Upload-Offset: " + std::to_string(s.offset));
        t->headers.reset(h);
        curl_easy_setopt(t->easy, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(t->easy, CURLOPT_CUSTOMREQUEST, "PATCH");
        curl_easy_setopt(t->easy, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(t->length));
        curl_easy_setopt(t->easy, CURLOPT_READFUNCTION, OnReadFile);
        curl_easy_setopt(t->easy, CURLOPT_READDATA, t.get());
        break;
      }
      case Op::kBatch: {
        const std::vector<uint32_t>& files = batches[w.index];
        std::vector<MultipartFile> parts;
        for (uint32_t i : files) parts.push_back({std::string(plan.files[i].name), plan.files[i].size});
        t->multipart = std::make_unique<MultipartBody>(
            std::move(parts), opt.image_quality,
            [this, files](size_t i) { return source->Open(plan.files[files[i]]); });
        curl_slist* h = Setup(t.get(), opt.data_url);
        h = AddHeader(h, "Upload-Multiple: true");
        h = AddHeader(h, "Content-Type: " + t->multipart->ContentType());
        t->headers.reset(h);
        curl_easy_setopt(t->easy, CURLOPT_POST, 1L);
        curl_easy_setopt(t->easy, CURLOPT_POSTFIELDSIZE_LARGE,
                         static_cast<curl_off_t>(t->multipart->length()));
        curl_easy_setopt(t->easy, CURLOPT_READFUNCTION, OnReadMultipart);
        curl_easy_setopt(t->easy, CURLOPT_READDATA, t.get());
        observer->OnBatchSending(w.index);
        post_busy = true;
        break;
      }
    }
    curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->headers.get());
    CURLMcode mc = curl_multi_add_handle(multi.get(), t->easy);
    if (mc != CURLM_OK) return FromCurlM(mc, "curl_multi_add_handle");
    counters->requests.fetch_add(1, std::memory_order_relaxed);
    active.push_back(std::move(t));
    ReportInFlight();
    return Status();
  }

  // Starts what the free connections allow: a POST to /data/ first (one at a time), then
  // PATCH/HEAD work.
  Status Fill() {
    while (static_cast<int>(active.size()) < opt.connections) {
      if (!post_busy && !posts.empty()) {
        Work w = posts.front();
        posts.pop_front();
        INGEST_RETURN_IF_ERROR(Start(w));
        continue;
      }
      if (ready.empty()) break;
      uint32_t file = ready.front();
      ready.pop_front();
      TusState& s = tus[file];
      if (s.done || s.failed) continue;
      INGEST_RETURN_IF_ERROR(Start({s.need_head ? Op::kHead : Op::kPatch, file}));
    }
    return Status();
  }

  void OnCreateDone(Transfer& t, CURLcode rc, long status) {
    uint32_t file = t.index;
    TusState& s = tus[file];
    const PlannedFile& f = plan.files[file];
    if (rc == CURLE_OK && status == 201 && !t.location.empty()) {
      // Only a location on the --server's origin is followed (and journaled): the requests
      // to it carry the token. The budget is not reset: a server that loses every upload
      // it creates must not keep the client busy for ever.
      Result<std::string> path = ResolveServerLocation(opt.data_url, t.location);
      if (!path) return Fail(file, path.error().WithPrefix("TUS creation of " + FileLabel(file)));
      s.location = std::move(*path);
      s.offset = 0;
      s.hasher.reset();
      s.hashed_to = 0;
      s.need_head = false;
      observer->OnTusCreated(file, s.location);
      ready.push_front(file);
      return;
    }
    if (rc == CURLE_OK && status == 409 && s.recreating) {
      // The server lost the upload's state because it completed it (CVAT drops a finished
      // upload) and now refuses the name: the file is there.
      s.done = true;
      counters->bytes_done.fetch_add(f.size - s.offset, std::memory_order_relaxed);
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

  void OnPatchDone(Transfer& t, CURLcode rc, long status) {
    uint32_t file = t.index;
    TusState& s = tus[file];
    const PlannedFile& f = plan.files[file];
    if (!t.read_error.ok()) {
      return Fail(file, t.read_error.WithPrefix(f.name));
    }
    s.reader = std::move(t.file);  // back for the next PATCH
    if (rc == CURLE_OK && status == 204) {
      uint64_t confirmed = t.upload_offset.empty()
                               ? t.offset + t.sent
                               : std::strtoull(t.upload_offset.c_str(), nullptr, 10);
      if (confirmed < t.offset || confirmed > f.size) {
        s.need_head = true;  // nonsense from the server: ask again
        if (!Spend(file, Status::Remote("PATCH " + FileLabel(file) + ": the server confirms " +
                                        t.upload_offset + " bytes after a PATCH at " +
                                        std::to_string(t.offset)))) {
          return;
        }
      } else {
        counters->bytes_done.fetch_add(confirmed - t.offset, std::memory_order_relaxed);
        s.offset = confirmed;
        Progressed(file);
        observer->OnTusOffset(file, confirmed);
        if (s.hasher && s.hashed_to == confirmed) {
          observer->OnTusHash(file, confirmed, ToHex(s.hasher->Digest()));
        } else {
          s.hasher.reset();
        }
      }
      if (s.offset == f.size) {
        s.done = true;
        FileDone(file);
        return;
      }
      if (s.offset == t.offset && !s.need_head) {
        // A 204 that took nothing: an attempt spent, tried again after the backoff.
        if (!Spend(file, Status::Remote("PATCH " + FileLabel(file) +
                                        ": the server confirms no progress (204 at offset " +
                                        std::to_string(t.offset) + ")"))) {
          return;
        }
        Later({Op::kPatch, file}, s.streak);
        return;
      }
      ready.push_front(file);  // next chunk, on this warm connection
      return;
    }
    if (rc == CURLE_OK && status == 409) {  // offset mismatch: the server's offset is truth
      s.need_head = true;
      if (!Spend(file, Status::Remote("PATCH " + FileLabel(file) +
                                      ": the server keeps answering 409 (offset conflict)"))) {
        return;
      }
      ready.push_front(file);
      return;
    }
    if (rc == CURLE_OK && status == 413 && t.length > kMinChunk) {
      // A body limit (a proxy's, usually): halve this request's size, down to 1 MiB.
      uint64_t lowered = std::max(kMinChunk, t.length / 2);
      if (lowered < tus_chunk) {
        tus_chunk = lowered;
        notes.push_back("a PATCH got 413 (a proxy body limit?): TUS chunk size lowered to " +
                        std::to_string(tus_chunk >> 20) + " MiB");
      }
      s.need_head = true;
      ready.push_front(file);
      return;
    }
    if (rc == CURLE_OK && (status == 404 || status == 410)) {
      RecreateLostUpload(file);
      return;
    }
    s.need_head = true;  // whatever arrived may have been stored
    RetryOrFail(t, rc, status, Op::kHead);
  }

  void OnHeadDone(Transfer& t, CURLcode rc, long status) {
    uint32_t file = t.index;
    TusState& s = tus[file];
    const PlannedFile& f = plan.files[file];
    if (rc == CURLE_OK && (status == 200 || status == 204) && !t.upload_offset.empty()) {
      uint64_t offset = std::strtoull(t.upload_offset.c_str(), nullptr, 10);
      if (offset > f.size) {
        return Fail(file, Status::Remote("HEAD " + FileLabel(file) + ": the server reports " +
                                         std::to_string(offset) + " bytes of " +
                                         std::to_string(f.size)));
      }
      if (offset > s.offset) {
        counters->bytes_done.fetch_add(offset - s.offset, std::memory_order_relaxed);
      }
      s.offset = offset;
      s.need_head = false;
      Progressed(file);
      observer->OnTusOffset(file, offset);
      if (offset == f.size) {
        s.done = true;
        FileDone(file);
        return;
      }
      ready.push_front(file);
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
  int AttemptLimit(uint32_t file) const {
    uint64_t chunk = std::clamp<uint64_t>(opt.tus_chunk, kMinChunk, 100ull << 20);
    uint64_t chunks = std::max<uint64_t>(1, (plan.files[file].size + chunk - 1) / chunk);
    return retry.max_retries() + static_cast<int>(std::min<uint64_t>(chunks - 1, 1u << 20));
  }

  // Counts a failed or unproductive request of TUS file `file` (`why`, which names it);
  // false, with the file failed, when that was one more than its budget allows.
  bool Spend(uint32_t file, const Status& why) {
    TusState& s = tus[file];
    ++s.spent;
    ++s.streak;
    if (s.spent <= AttemptLimit(file)) return true;
    Fail(file, why.WithPrefix("gave up after " + std::to_string(s.spent) + " failed attempts"));
    return false;
  }

  // The server confirmed bytes up to tus[file].offset: past the most it ever confirmed, the
  // backoff starts again from its shortest delay (the budget stays spent).
  void Progressed(uint32_t file) {
    TusState& s = tus[file];
    if (s.offset > s.high_water) {
      s.high_water = s.offset;
      s.streak = 0;
    }
  }

  void RecreateLostUpload(uint32_t file) {
    TusState& s = tus[file];
    if (!Spend(file, Status::Remote("the upload of " + FileLabel(file) +
                                    " keeps disappearing on the server"))) {
      return;
    }
    s.recreating = true;
    s.need_head = false;
    posts.push_front({Op::kCreate, file});
  }

  void OnBatchDone(Transfer& t, CURLcode rc, long status) {
    uint32_t batch = t.index;
    std::vector<uint32_t> files = batches[batch];
    if (rc == CURLE_OK && status == 200 && t.read_error.ok()) {
      for (uint32_t f : files) {
        counters->bytes_done.fetch_add(plan.files[f].size, std::memory_order_relaxed);
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
    if (nothing_sent && ++batch_attempts[batch] <= retry.max_retries()) {
      Later({Op::kBatch, batch}, batch_attempts[batch]);
      return;
    }
    if (rc == CURLE_OK && status == 413) {
      // A body limit (a proxy's, usually): halve the batch, or send a single file by TUS.
      if (files.size() > 1) {
        size_t half = files.size() / 2;
        batches.emplace_back(files.begin(), files.begin() + static_cast<long>(half));
        batches.emplace_back(files.begin() + static_cast<long>(half), files.end());
        batch_attempts.resize(batches.size(), 0);
        uint32_t first = static_cast<uint32_t>(batches.size() - 2);
        posts.push_front({Op::kBatch, first + 1});
        posts.push_front({Op::kBatch, first});
        notes.push_back("a batch of " + std::to_string(files.size()) +
                        " files got 413 (a proxy body limit?): sent in halves");
      } else {
        notes.push_back(FileLabel(files[0]) +
                        " got 413 in a batch: sent through TUS instead");
        via_tus[files[0]] = true;
        posts.push_front({Op::kCreate, files[0]});
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
    notes.push_back("batch " + std::to_string(batch) + " (" + std::to_string(files.size()) +
                    " files) got no clear answer (" +
                    (rc != CURLE_OK ? std::string(curl_easy_strerror(rc)) : StatusLine(status)) +
                    "): its files were settled one by one through TUS, not resent");
    for (uint32_t f : files) SettleThroughTus(f);
  }

  // Sends `file` through TUS; a 409 at creation means the server already has it.
  void SettleThroughTus(uint32_t file) {
    via_tus[file] = true;
    tus[file].recreating = true;
    posts.push_back({Op::kCreate, file});
  }

  // A failed TUS request of file t.index: network errors, stalls, 5xx and 429 are retried
  // (as `again`) after a delay while the file's budget lasts; anything else fails the file.
  void RetryOrFail(Transfer& t, CURLcode rc, long status, Op again) {
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
    if (Spend(t.index, why)) Later({again, t.index}, tus[t.index].streak);
  }

  void ReportTiming(const Transfer& t, CURLcode rc, long status) {
    RequestTiming timing;
    switch (t.op) {
      case Op::kCreate: timing.kind = RequestTiming::Kind::kTusCreate; break;
      case Op::kPatch: timing.kind = RequestTiming::Kind::kPatch; break;
      case Op::kHead: timing.kind = RequestTiming::Kind::kHead; break;
      case Op::kBatch: timing.kind = RequestTiming::Kind::kBatch; break;
    }
    timing.http_status = status;
    timing.transport_ok = rc == CURLE_OK;
    curl_off_t micros = 0, uploaded = 0;
    curl_easy_getinfo(t.easy, CURLINFO_TOTAL_TIME_T, &micros);
    curl_easy_getinfo(t.easy, CURLINFO_SIZE_UPLOAD_T, &uploaded);
    timing.seconds = static_cast<double>(micros) / 1e6;
    timing.bytes_sent = static_cast<uint64_t>(uploaded);
    observer->OnRequestDone(timing);
  }

  void Finish(CURLMsg* msg) {
    Transfer* raw = nullptr;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &raw);
    auto it = std::find_if(active.begin(), active.end(),
                           [&](const auto& p) { return p.get() == raw; });
    std::unique_ptr<Transfer> t = std::move(*it);
    active.erase(it);
    ReportInFlight();
    curl_multi_remove_handle(multi.get(), t->easy);
    long status = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    CURLcode rc = msg->data.result;
    if (t->op == Op::kCreate || t->op == Op::kBatch) post_busy = false;
    ReportTiming(*t, rc, status);
    switch (t->op) {
      case Op::kCreate: OnCreateDone(*t, rc, status); break;
      case Op::kPatch: OnPatchDone(*t, rc, status); break;
      case Op::kHead: OnHeadDone(*t, rc, status); break;
      case Op::kBatch: OnBatchDone(*t, rc, status); break;
    }
    idle.push_back(t->easy);
  }

  Status Run(const std::atomic<bool>* cancel) {
    if (!multi) return Status::Internal("curl_multi_init failed");
    curl_multi_setopt(multi.get(), CURLMOPT_MAX_HOST_CONNECTIONS,
                      static_cast<long>(opt.connections));
    curl_multi_setopt(multi.get(), CURLMOPT_MAXCONNECTS, static_cast<long>(opt.connections + 2));
    batches = plan.batches;
    batch_attempts.assign(batches.size(), 0);
    via_tus.assign(plan.files.size(), false);
    files_left = plan.files.size();
    if (start.empty()) start.assign(plan.files.size(), FileStart());
    // TUS creations first (their PATCHes then run beside the batches), then the batches.
    for (uint32_t i = 0; i < plan.files.size(); ++i) {
      const PlannedFile& f = plan.files[i];
      switch (start[i].kind) {
        case FileStart::Kind::kDone:
          counters->bytes_done.fetch_add(f.size, std::memory_order_relaxed);
          counters->files_done.fetch_add(1, std::memory_order_relaxed);
          counters->bytes_already_done.fetch_add(f.size, std::memory_order_relaxed);
          counters->files_already_done.fetch_add(1, std::memory_order_relaxed);
          --files_left;
          break;
        case FileStart::Kind::kTusAt: {
          via_tus[i] = true;
          // A journal is a file anyone may have written: its location is checked like one
          // the server sends.
          Result<std::string> path = ResolveServerLocation(opt.data_url, start[i].location);
          if (!path) {
            Fail(i, path.error().WithPrefix("resume of " + FileLabel(i) + " (journal)"));
            break;
          }
          TusState& s = tus[i];
          s.location = std::move(*path);
          s.need_head = true;
          ready.push_back(i);
          break;
        }
        case FileStart::Kind::kSettle: SettleThroughTus(i); break;
        case FileStart::Kind::kAsPlanned:
          if (f.route == Route::kTus) {
            via_tus[i] = true;
            posts.push_back({Op::kCreate, i});
          }
          break;
      }
    }
    // A batch goes as planned only with the files nothing is known of.
    for (uint32_t b = 0; b < batches.size(); ++b) {
      std::vector<uint32_t> fresh;
      for (uint32_t i : batches[b]) {
        if (start[i].kind == FileStart::Kind::kAsPlanned) fresh.push_back(i);
      }
      batches[b] = std::move(fresh);
      if (!batches[b].empty()) posts.push_back({Op::kBatch, b});
    }
    while (files_left > 0) {
      if (cancel && cancel->load(std::memory_order_relaxed)) {
        return Status::Cancelled("upload interrupted");
      }
      INGEST_RETURN_IF_ERROR(Fill());
      if (active.empty() && delayed.empty() && posts.empty() && ready.empty()) {
        return Status::Internal(std::to_string(files_left) + " files were left with no work");
      }
      int running = 0;
      CURLMcode mc = curl_multi_perform(multi.get(), &running);
      if (mc != CURLM_OK) return FromCurlM(mc, "curl_multi_perform");
      int left = 0;
      bool finished_any = false;
      while (CURLMsg* msg = curl_multi_info_read(multi.get(), &left)) {
        if (msg->msg == CURLMSG_DONE) {
          Finish(msg);
          finished_any = true;
        }
      }
      // Wake up for due retries.
      auto now = Clock::now();
      int timeout_ms = 200;
      for (size_t i = 0; i < delayed.size();) {
        if (delayed[i].due <= now) {
          Work w = delayed[i].work;
          delayed.erase(delayed.begin() + static_cast<long>(i));
          if (w.op == Op::kPatch || w.op == Op::kHead) {
            ready.push_back(w.index);
          } else {
            posts.push_back(w);
          }
          timeout_ms = 0;
          continue;
        }
        auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(delayed[i].due - now);
        timeout_ms = std::min<int>(timeout_ms, static_cast<int>(wait.count()) + 1);
        ++i;
      }
      if (finished_any) continue;  // start the follow-up work before waiting
      if (timeout_ms > 0 && !active.empty()) {
        mc = curl_multi_poll(multi.get(), nullptr, 0, timeout_ms, nullptr);
        if (mc != CURLM_OK) return FromCurlM(mc, "curl_multi_poll");
      } else if (timeout_ms > 0 && active.empty()) {
        // Only delayed work is left: sleep until the first is due.
        std::this_thread::sleep_for(std::chrono::milliseconds(timeout_ms));
      }
    }
    if (failures.empty()) return Status();
    std::sort(failures.begin(), failures.end(),
              [](const FileFailure& a, const FileFailure& b) { return a.file < b.file; });
    return Status::Remote(std::to_string(failures.size()) + " of " +
                          std::to_string(plan.files.size()) + " files could not be uploaded");
  }
};

TransferEngine::TransferEngine(TransferOptions options, const UploadPlan& plan, FileSource* source,
                               UploadObserver* observer, TransferCounters* counters)
    : impl_(std::make_unique<Impl>(std::move(options), plan, source, observer, counters)) {}
TransferEngine::~TransferEngine() = default;

void TransferEngine::SetStart(std::vector<FileStart> start) { impl_->start = std::move(start); }

Status TransferEngine::Run(const std::atomic<bool>* cancel) { return impl_->Run(cancel); }
const std::vector<FileFailure>& TransferEngine::failures() const { return impl_->failures; }
const std::vector<std::string>& TransferEngine::notes() const { return impl_->notes; }

}  // namespace ingest::upload
