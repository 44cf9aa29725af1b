// TransferSession, the request side: what is queued, which request starts next, and how each
// is set up. The replies are handled in transfer_replies.cc.
#include "upload/transfer_session.h"

#include <algorithm>
#include <cctype>

namespace ingest::upload::transfer {
namespace {

constexpr size_t kMaxReplyBody = 64 << 10;

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
  if (t->body.size() < kMaxReplyBody) {
    t->body.append(data, std::min(len, kMaxReplyBody - t->body.size()));
  }
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
  t->sent += *r;
  // Bytes below resent_below went out before: they are resent, not sent.
  uint64_t again = at < t->resent_below ? std::min<uint64_t>(*r, t->resent_below - at) : 0;
  if (again) t->counters->bytes_resent.fetch_add(again, std::memory_order_relaxed);
  if (*r > again) t->counters->bytes_sent.fetch_add(*r - again, std::memory_order_relaxed);
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
  // The files' bytes count, not the framing. A batch holding bytes that went out before
  // (halves of a refused batch) is resent.
  uint64_t files_now = t->multipart->file_bytes();
  auto& counter = t->resent_below > 0 ? t->counters->bytes_resent : t->counters->bytes_sent;
  counter.fetch_add(files_now - t->counted, std::memory_order_relaxed);
  t->counted = files_now;
  return *got;
}

}  // namespace

TransferSession::TransferSession(TransferOptions o, const UploadPlan& p, FileSource* s,
                                 UploadObserver* obs, TransferCounters* c)
    : opt_(std::move(o)),
      plan_(p),
      source_(s),
      observer_(obs ? obs : &null_observer_),
      counters_(c),
      retry_(opt_.retries, opt_.backoff_base, opt_.backoff_cap),
      tus_chunk_(std::clamp<uint64_t>(opt_.tus_chunk, kMinChunk, 100ull << 20)) {}

TransferSession::~TransferSession() {
  if (pool_ != nullptr) Abort();
}

void TransferSession::ReportInFlight() {
  uint32_t now = static_cast<uint32_t>(active_.size());
  counters_->in_flight.fetch_add(now - reported_in_flight_, std::memory_order_relaxed);
  reported_in_flight_ = now;
}

void TransferSession::Fail(uint32_t file, Status status) {
  if (via_tus_[file]) {
    if (tus_[file].finished()) return;
    tus_[file].phase = TusPhase::kFailed;
    tus_[file].reader.reset();
  }
  failures_.push_back({file, std::move(status)});
  --files_left_;
}

void TransferSession::FileDone(uint32_t file) {
  if (via_tus_[file]) tus_[file].reader.reset();
  counters_->files_done.fetch_add(1, std::memory_order_relaxed);
  observer_->OnFileDone(file);
  --files_left_;
}

std::string TransferSession::FileLabel(uint32_t file) const {
  return "'" + std::string(plan_.files[file].name) + "'";
}

void TransferSession::Later(Work w, int attempts) {
  counters_->retries.fetch_add(1, std::memory_order_relaxed);
  delayed_.push_back({Clock::now() + retry_.Delay(attempts), w});
}

// Common easy-handle setup; returns the header list to extend.
curl_slist* TransferSession::Setup(Transfer* t, const std::string& url) {
  CURL* e = t->easy;
  curl_easy_reset(e);
  ApplyConnectionOptions(e, opt_.connection);
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e, CURLOPT_PRIVATE, t);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
  curl_slist* h = nullptr;
  for (const std::string& line : opt_.headers) h = AddHeader(h, line);
  h = AddHeader(h, "Origin: " + opt_.origin);
  h = AddHeader(h, "Expect:");
  return h;
}

void TransferSession::StartPatch(Transfer& t, uint32_t file) {
  const PlannedFile& f = plan_.files[file];
  TusState& s = tus_[file];
  t.file = std::move(s.reader);
  t.offset = s.offset;
  t.length = std::min(tus_chunk_, f.size - s.offset);
  t.resent_below = sent_before_[file];
  curl_slist* h = Setup(&t, opt_.origin + s.location);
  h = AddHeader(h, "Tus-Resumable: 1.0.0");
  h = AddHeader(h, "Content-Type: application/offset+octet-stream");
  h = AddHeader(h, "Upload-Offset: " + std::to_string(s.offset));
  t.headers.reset(h);
  curl_easy_setopt(t.easy, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(t.easy, CURLOPT_CUSTOMREQUEST, "PATCH");
  curl_easy_setopt(t.easy, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(t.length));
  curl_easy_setopt(t.easy, CURLOPT_READFUNCTION, OnReadFile);
  curl_easy_setopt(t.easy, CURLOPT_READDATA, &t);
}

void TransferSession::StartBatch(Transfer& t, uint32_t batch) {
  const std::vector<uint32_t>& files = batches_[batch];
  std::vector<MultipartFile> parts;
  for (uint32_t i : files) {
    parts.push_back({std::string(plan_.files[i].name), plan_.files[i].size});
    if (sent_before_[i] > 0) t.resent_below = 1;
  }
  t.multipart = std::make_unique<MultipartBody>(
      std::move(parts), opt_.image_quality,
      [this, files](size_t i) { return source_->Open(plan_.files[files[i]]); });
  curl_slist* h = Setup(&t, opt_.data_url);
  h = AddHeader(h, "Upload-Multiple: true");
  h = AddHeader(h, "Content-Type: " + t.multipart->ContentType());
  t.headers.reset(h);
  curl_easy_setopt(t.easy, CURLOPT_POST, 1L);
  curl_easy_setopt(t.easy, CURLOPT_POSTFIELDSIZE_LARGE,
                   static_cast<curl_off_t>(t.multipart->length()));
  curl_easy_setopt(t.easy, CURLOPT_READFUNCTION, OnReadMultipart);
  curl_easy_setopt(t.easy, CURLOPT_READDATA, &t);
  observer_->OnBatchSending(batch);
  post_busy_ = true;
}

Status TransferSession::Start(Work w) {
  if (w.op == Op::kPatch && !tus_[w.index].reader) {
    Result<std::unique_ptr<FileReader>> file = source_->Open(plan_.files[w.index]);
    if (!file) {
      Fail(w.index, std::move(file).error());
      return Status();
    }
    tus_[w.index].reader = std::move(*file);
  }
  auto t = std::make_unique<Transfer>();
  t->session = this;
  t->op = w.op;
  t->index = w.index;
  t->counters = counters_;
  t->easy = pool_->Take();
  if (t->easy == nullptr) return Status::Internal("curl_easy_init failed");
  switch (w.op) {
    case Op::kCreate: {
      const PlannedFile& f = plan_.files[w.index];
      curl_slist* h = Setup(t.get(), opt_.data_url);
      h = AddHeader(h, "Tus-Resumable: 1.0.0");
      h = AddHeader(h, "Upload-Length: " + std::to_string(f.size));
      h = AddHeader(h, "Upload-Metadata: filename " + Base64(f.name));
      t->headers.reset(h);
      curl_easy_setopt(t->easy, CURLOPT_POST, 1L);
      curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, "");
      curl_easy_setopt(t->easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(0));
      post_busy_ = true;
      break;
    }
    case Op::kHead: {
      curl_slist* h = Setup(t.get(), opt_.origin + tus_[w.index].location);
      h = AddHeader(h, "Tus-Resumable: 1.0.0");
      t->headers.reset(h);
      curl_easy_setopt(t->easy, CURLOPT_NOBODY, 1L);
      break;
    }
    case Op::kPatch: StartPatch(*t, w.index); break;
    case Op::kBatch: StartBatch(*t, w.index); break;
  }
  curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->headers.get());
  if (Status added = pool_->Add(t->easy); !added.ok()) {
    pool_->Give(t->easy);
    return added;
  }
  counters_->requests.fetch_add(1, std::memory_order_relaxed);
  active_.push_back(std::move(t));
  ReportInFlight();
  return Status();
}

Status TransferSession::Fill(int* free) {
  while (*free > 0 && static_cast<int>(active_.size()) < opt_.connections) {
    Work w{};
    if (!post_busy_ && !posts_.empty()) {
      w = posts_.front();
      posts_.pop_front();
    } else if (!ready_.empty()) {
      uint32_t file = ready_.front();
      ready_.pop_front();
      TusState& s = tus_[file];
      if (s.finished()) continue;
      w = {s.phase == TusPhase::kHead ? Op::kHead : Op::kPatch, file};
    } else {
      break;
    }
    size_t before = active_.size();
    INGEST_RETURN_IF_ERROR(Start(w));
    if (active_.size() > before) --*free;
  }
  return Status();
}

void TransferSession::QueueFile(uint32_t i) {
  const PlannedFile& f = plan_.files[i];
  switch (start_[i].kind) {
    case FileStart::Kind::kDone:
      counters_->bytes_done.fetch_add(f.size, std::memory_order_relaxed);
      counters_->files_done.fetch_add(1, std::memory_order_relaxed);
      counters_->bytes_already_done.fetch_add(f.size, std::memory_order_relaxed);
      counters_->files_already_done.fetch_add(1, std::memory_order_relaxed);
      --files_left_;
      break;
    case FileStart::Kind::kTusAt: {
      via_tus_[i] = true;
      // A journal is a file anyone may have written: its location is checked like one the
      // server sends.
      Result<std::string> path = ResolveServerLocation(opt_.data_url, start_[i].location);
      if (!path) {
        Fail(i, path.error().WithPrefix("resume of " + FileLabel(i) + " (journal)"));
        break;
      }
      TusState& s = tus_[i];
      s.location = std::move(*path);
      s.phase = TusPhase::kHead;
      ready_.push_back(i);
      break;
    }
    case FileStart::Kind::kSettle: SettleThroughTus(i); break;
    case FileStart::Kind::kAsPlanned:
      if (f.route == Route::kTus) {
        via_tus_[i] = true;
        posts_.push_back({Op::kCreate, i});
      }
      break;
  }
}

void TransferSession::Begin(EasyPool* pool) {
  pool_ = pool;
  batches_ = plan_.batches;
  batch_attempts_.assign(batches_.size(), 0);
  via_tus_.assign(plan_.files.size(), false);
  sent_before_.assign(plan_.files.size(), 0);
  files_left_ = plan_.files.size();
  if (start_.empty()) start_.assign(plan_.files.size(), FileStart());
  // TUS creations first (their PATCHes then run beside the batches), then the batches.
  for (uint32_t i = 0; i < plan_.files.size(); ++i) QueueFile(i);
  // A batch goes as planned only with the files nothing is known of.
  for (uint32_t b = 0; b < batches_.size(); ++b) {
    std::vector<uint32_t> fresh;
    for (uint32_t i : batches_[b]) {
      if (start_[i].kind == FileStart::Kind::kAsPlanned) fresh.push_back(i);
    }
    batches_[b] = std::move(fresh);
    if (!batches_[b].empty()) posts_.push_back({Op::kBatch, b});
  }
}

void TransferSession::Finish(Transfer* raw, CURLcode rc) {
  auto it = std::find_if(active_.begin(), active_.end(),
                         [&](const auto& p) { return p.get() == raw; });
  std::unique_ptr<Transfer> t = std::move(*it);
  active_.erase(it);
  ReportInFlight();
  pool_->Remove(t->easy);
  long status = 0;
  curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
  if (t->op == Op::kCreate || t->op == Op::kBatch) post_busy_ = false;
  ReportTiming(*t, rc, status);
  switch (t->op) {
    case Op::kCreate: OnCreateDone(*t, rc, status); break;
    case Op::kPatch: OnPatchDone(*t, rc, status); break;
    case Op::kHead: OnHeadDone(*t, rc, status); break;
    case Op::kBatch: OnBatchDone(*t, rc, status); break;
  }
  pool_->Give(t->easy);
}

void TransferSession::Abort() {
  for (auto& t : active_) {
    pool_->Remove(t->easy);
    pool_->Give(t->easy);
  }
  active_.clear();
  post_busy_ = false;
  ReportInFlight();
}

std::vector<PartlySent> TransferSession::partly_sent() const {
  std::vector<PartlySent> out;
  for (const auto& [file, s] : tus_) {
    if (s.phase != TusPhase::kDone && !s.location.empty() && s.offset > 0 &&
        s.offset < plan_.files[file].size) {
      out.push_back({file, s.offset});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const PartlySent& a, const PartlySent& b) { return a.file < b.file; });
  return out;
}

std::optional<Clock::time_point> TransferSession::WakeDue(Clock::time_point now) {
  std::optional<Clock::time_point> next;
  for (size_t i = 0; i < delayed_.size();) {
    if (delayed_[i].due <= now) {
      Work w = delayed_[i].work;
      delayed_.erase(delayed_.begin() + static_cast<long>(i));
      if (w.op == Op::kPatch || w.op == Op::kHead) {
        ready_.push_back(w.index);
      } else {
        posts_.push_back(w);
      }
      continue;
    }
    if (!next || delayed_[i].due < *next) next = delayed_[i].due;
    ++i;
  }
  return next;
}

bool TransferSession::Finished() const {
  if (files_left_ == 0) return true;
  return active_.empty() && delayed_.empty() && posts_.empty() && ready_.empty();
}

Status TransferSession::Outcome() const {
  if (files_left_ > 0) {
    return Status::Internal(std::to_string(files_left_) + " files were left with no work");
  }
  if (failures_.empty()) return Status();
  return Status::Remote(std::to_string(failures_.size()) + " of " +
                        std::to_string(plan_.files.size()) + " files could not be uploaded");
}

void TransferSession::ReportTiming(const Transfer& t, CURLcode rc, long status) {
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
  observer_->OnRequestDone(timing);
}

}  // namespace ingest::upload::transfer
