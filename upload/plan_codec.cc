#include "upload/plan_codec.h"

#include <cerrno>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "engine/xxh3.h"

namespace ingest::upload {
namespace {

constexpr size_t kChunk = 1 << 20;

Status WriteAll(int fd, const char* p, size_t n, const std::string& path) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return FromErrno("write " + path, errno);
    p += w;
    n -= static_cast<size_t>(w);
  }
  return Status();
}

}  // namespace

struct PlanSink::Zstd {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  XXH3_state_t* hash = XXH3_createState();
  ~Zstd() {
    ZSTD_freeCCtx(cctx);
    XXH3_freeState(hash);
  }
};

PlanSink::~PlanSink() {
  if (fd_.valid()) {
    fd_.reset();
    ::unlink(tmp_.c_str());  // not finished: no half plan is left behind
  }
}

Result<std::unique_ptr<PlanSink>> PlanSink::Create(const std::string& path, uint32_t version) {
  std::unique_ptr<PlanSink> s(new PlanSink());
  s->path_ = path;
  s->tmp_ = path + ".tmp." + std::to_string(::getpid());
  s->version_ = version;
  s->fd_ = UniqueFd(::open(s->tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!s->fd_.valid()) return FromErrno("create " + s->tmp_, errno);
  s->z_ = std::make_unique<Zstd>();
  if (!s->z_->cctx || !s->z_->hash) return Status::Internal("zstd/xxhash: out of memory");
  ZSTD_CCtx_setParameter(s->z_->cctx, ZSTD_c_compressionLevel, 3);
  ZSTD_CCtx_setParameter(s->z_->cctx, ZSTD_c_checksumFlag, 1);
  XXH3_64bits_reset(s->z_->hash);
  s->in_.reserve(kChunk);
  s->out_.resize(ZSTD_CStreamOutSize());
  // The header's place; its fields are written at the end.
  std::vector<char> zeros(kPlanHeaderSize, 0);
  INGEST_RETURN_IF_ERROR(WriteAll(s->fd_.get(), zeros.data(), zeros.size(), s->tmp_));
  return s;
}

void PlanSink::Bytes(std::string_view s) {
  while (!s.empty()) {
    size_t n = std::min(s.size(), kChunk - in_.size());
    in_.insert(in_.end(), s.data(), s.data() + n);
    s.remove_prefix(n);
    if (in_.size() == kChunk) Compress(false);
  }
}

void PlanSink::Compress(bool end) {
  if (!error_.ok()) {
    in_.clear();
    return;
  }
  XXH3_64bits_update(z_->hash, in_.data(), in_.size());
  payload_size_ += in_.size();
  ZSTD_inBuffer input{in_.data(), in_.size(), 0};
  for (;;) {
    ZSTD_outBuffer output{out_.data(), out_.size(), 0};
    size_t left =
        ZSTD_compressStream2(z_->cctx, &output, &input, end ? ZSTD_e_end : ZSTD_e_continue);
    if (ZSTD_isError(left)) {
      error_ = Status::Internal(std::string("zstd: ") + ZSTD_getErrorName(left));
      break;
    }
    if (Status s = WriteAll(fd_.get(), out_.data(), output.pos, tmp_); !s.ok()) {
      error_ = s;
      break;
    }
    if (end ? left == 0 : input.pos == input.size) break;
  }
  in_.clear();
}

Status PlanSink::Finish() {
  Compress(true);
  INGEST_RETURN_IF_ERROR(error_);
  char header[kPlanHeaderSize];
  uint32_t flags = 0;
  uint64_t hash = XXH3_64bits_digest(z_->hash);
  std::memcpy(header, kPlanMagic, 8);
  std::memcpy(header + 8, &version_, 4);
  std::memcpy(header + 12, &flags, 4);
  std::memcpy(header + 16, &payload_size_, 8);
  std::memcpy(header + 24, &hash, 8);
  if (::pwrite(fd_.get(), header, sizeof header, 0) != static_cast<ssize_t>(sizeof header)) {
    return FromErrno("write " + tmp_, errno);
  }
  if (::fsync(fd_.get()) != 0 || ::close(fd_.release()) != 0) {
    Status s = FromErrno("write " + tmp_, errno);
    ::unlink(tmp_.c_str());
    return s;
  }
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
    Status s = FromErrno("rename " + tmp_ + " to " + path_, errno);
    ::unlink(tmp_.c_str());
    return s;
  }
  return Status();
}

struct PlanSource::Zstd {
  ZSTD_DCtx* dctx = ZSTD_createDCtx();
  XXH3_state_t* hash = XXH3_createState();
  ~Zstd() {
    ZSTD_freeDCtx(dctx);
    XXH3_freeState(hash);
  }
};

PlanSource::~PlanSource() = default;

Status PlanSource::Corrupt(std::string_view why) const {
  return Status::Corruption(path_ + ": corrupt plan (" + std::string(why) + ")");
}

Result<std::unique_ptr<PlanSource>> PlanSource::Open(const std::string& path, uint32_t version) {
  std::unique_ptr<PlanSource> s(new PlanSource());
  s->path_ = path;
  s->fd_ = UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!s->fd_.valid()) return FromErrno("open " + path, errno);
  char header[kPlanHeaderSize];
  size_t got = 0;
  while (got < sizeof header) {
    ssize_t r = ::read(s->fd_.get(), header + got, sizeof header - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return FromErrno("read " + path, errno);
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  if (got < 8 || std::memcmp(header, kPlanMagic, 8) != 0) {
    return Status::Corruption(path +
                              ": not a cvat-ingest plan (no CVATPLAN magic at the start; "
                              "write one with cvat-ingest plan -o)");
  }
  if (got < sizeof header) {
    return Status::Corruption(path + ": truncated plan (the file ends inside its header)");
  }
  uint32_t file_version, flags;
  std::memcpy(&file_version, header + 8, 4);
  std::memcpy(&flags, header + 12, 4);
  std::memcpy(&s->payload_size_, header + 16, 8);
  std::memcpy(&s->payload_hash_, header + 24, 8);
  if (file_version != version) {
    return Status::Corruption(path + ": plan format version " + std::to_string(file_version) +
                              "; this cvat-ingest reads version " + std::to_string(version) +
                              " (write the plan again with this cvat-ingest)");
  }
  if (flags != 0) return s->Corrupt("unknown flags " + std::to_string(flags));
  s->z_ = std::make_unique<Zstd>();
  if (!s->z_->dctx || !s->z_->hash) return Status::Internal("zstd/xxhash: out of memory");
  XXH3_64bits_reset(s->z_->hash);
  s->in_.resize(ZSTD_DStreamInSize());
  s->out_.resize(ZSTD_DStreamOutSize());
  return s;
}

// Decompresses the next piece of payload into out_; out_ stays empty only when the frame has
// ended.
Status PlanSource::Refill(std::string_view what) {
  out_pos_ = out_len_ = 0;
  while (out_len_ == 0 && !frame_done_) {
    if (in_pos_ == in_len_) {
      ssize_t r;
      do {
        r = ::read(fd_.get(), in_.data(), in_.size());
      } while (r < 0 && errno == EINTR);
      if (r < 0) return FromErrno("read " + path_, errno);
      if (r == 0) {
        return Status::Corruption(path_ + ": truncated plan (the file ends inside " +
                                  std::string(what) + ", " + std::to_string(produced_) + " of " +
                                  std::to_string(payload_size_) + " payload bytes)");
      }
      in_pos_ = 0;
      in_len_ = static_cast<size_t>(r);
    }
    ZSTD_inBuffer input{in_.data(), in_len_, in_pos_};
    ZSTD_outBuffer output{out_.data(), out_.size(), 0};
    size_t ret = ZSTD_decompressStream(z_->dctx, &output, &input);
    if (ZSTD_isError(ret)) return Corrupt(std::string("zstd: ") + ZSTD_getErrorName(ret));
    in_pos_ = input.pos;
    out_len_ = output.pos;
    produced_ += output.pos;
    if (produced_ > payload_size_) {
      return Corrupt("the payload is longer than the " + std::to_string(payload_size_) +
                     " bytes its header says");
    }
    XXH3_64bits_update(z_->hash, out_.data(), out_len_);
    if (ret == 0) frame_done_ = true;
  }
  return Status();
}

Status PlanSource::Read(void* dst, size_t n, std::string_view what) {
  if (n > left()) {
    return Corrupt(std::string(what) + " needs " + std::to_string(n) + " bytes, " +
                   std::to_string(left()) + " are left");
  }
  char* p = static_cast<char*>(dst);
  while (n > 0) {
    if (out_pos_ == out_len_) {
      INGEST_RETURN_IF_ERROR(Refill(what));
      if (out_len_ == 0) {
        return Corrupt("the payload ends inside " + std::string(what) + ", " +
                       std::to_string(produced_) + " bytes in; its header says " +
                       std::to_string(payload_size_));
      }
    }
    size_t k = std::min(n, out_len_ - out_pos_);
    std::memcpy(p, out_.data() + out_pos_, k);
    out_pos_ += k;
    p += k;
    n -= k;
    consumed_ += k;
  }
  return Status();
}

Status PlanSource::String(std::string* s, std::string_view what) {
  uint32_t n;
  INGEST_RETURN_IF_ERROR(Get(&n, what));
  if (n > left()) {
    return Corrupt(std::string(what) + " of " + std::to_string(n) + " bytes, " +
                   std::to_string(left()) + " are left");
  }
  s->resize(n);
  return Read(s->data(), n, what);
}

Status PlanSource::Finish() {
  if (left() != 0) return Corrupt(std::to_string(left()) + " payload bytes were not read");
  // The frame must end exactly here (zstd checks its content checksum at its end).
  while (!frame_done_) {
    INGEST_RETURN_IF_ERROR(Refill("the end of the payload"));
  }
  char extra;
  if (in_pos_ != in_len_ || ::read(fd_.get(), &extra, 1) != 0) {
    return Corrupt("bytes after the payload's frame");
  }
  if (XXH3_64bits_digest(z_->hash) != payload_hash_) {
    return Corrupt("the payload's XXH3 does not match its header");
  }
  return Status();
}

}  // namespace ingest::upload
