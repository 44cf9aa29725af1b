// The byte layer of a run's plan file (upload/run_plan.h): a fixed header, then one zstd
// frame of the payload, written and read as a stream so that neither side holds the payload
// whole (a million files make a payload of about 100 MB; the records read back are what must
// fit in memory, not a second copy of them).
//
// File layout (little-endian):
//   "CVATPLAN" | u32 format version | u32 flags (0) | u64 payload size | u64 XXH3-64 of the
//   payload | one zstd frame (with its own content checksum) of the payload; nothing after it.
// The header is written last (its fields are known at the end), into a temp file that is
// fsynced and renamed over the target.
//
// Reading trusts nothing: every length is checked against what is left of the payload
// before anything is allocated for it, so a corrupt or hostile file gives an error naming
// the file and the problem ("truncated", "corrupt", "format version"), never a crash or a
// huge allocation.
#ifndef INGEST_UPLOAD_PLAN_CODEC_H_
#define INGEST_UPLOAD_PLAN_CODEC_H_

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/result.h"
#include "engine/status.h"
#include "engine/unique_fd.h"

namespace ingest::upload {

inline constexpr char kPlanMagic[8] = {'C', 'V', 'A', 'T', 'P', 'L', 'A', 'N'};
inline constexpr size_t kPlanHeaderSize = 8 + 4 + 4 + 8 + 8;

// Writes a plan file's payload through zstd into a temp file next to `path`.
class PlanSink {
 public:
  ~PlanSink();
  // Creates the temp file. IoError naming it when it cannot be created.
  static Result<std::unique_ptr<PlanSink>> Create(const std::string& path, uint32_t version);

  template <class T>
  void Put(T v) {
    char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));  // little-endian hosts only (x86-64, arm64)
    Bytes(std::string_view(b, sizeof(T)));
  }
  // A u32 length, then the bytes.
  void String(std::string_view s) {
    Put(static_cast<uint32_t>(s.size()));
    Bytes(s);
  }
  void Bytes(std::string_view s);

  // Ends the frame, writes the header, fsyncs and renames the temp file over the target.
  // The first write error met on the way is returned here. The sink is spent afterwards.
  Status Finish();

 private:
  PlanSink() = default;
  void Compress(bool end);

  std::string path_, tmp_;
  uint32_t version_ = 0;
  UniqueFd fd_;
  struct Zstd;
  std::unique_ptr<Zstd> z_;
  std::vector<char> in_;  // payload not compressed yet
  std::vector<char> out_;
  uint64_t payload_size_ = 0;
  Status error_;
};

// Reads a plan file's payload back, checking every bound. Errors are Corruption and name the
// file: "<path>: truncated (...)", "<path>: corrupt (...)", "<path>: not a cvat-ingest plan",
// "<path>: plan format version N; this cvat-ingest reads version M".
class PlanSource {
 public:
  ~PlanSource();
  // Opens `path` and checks its header (magic, `version`).
  static Result<std::unique_ptr<PlanSource>> Open(const std::string& path, uint32_t version);

  template <class T>
  Status Get(T* v, std::string_view what) {
    return Read(v, sizeof(T), what);
  }
  // A u32 length (at most what is left of the payload), then the bytes.
  Status String(std::string* s, std::string_view what);
  Status Read(void* dst, size_t n, std::string_view what);

  // Payload bytes not read yet: a bound for counts read from the file (n items of at least
  // k bytes each need n * k <= left()).
  uint64_t left() const { return payload_size_ - consumed_; }
  // The XXH3-64 of the payload from the header (identifies the plan).
  uint64_t payload_hash() const { return payload_hash_; }
  // Every payload byte was read: the frame ends here, the file too, and the hash matches.
  Status Finish();

  Status Corrupt(std::string_view why) const;

 private:
  PlanSource() = default;
  Status Refill(std::string_view what);

  std::string path_;
  UniqueFd fd_;
  struct Zstd;
  std::unique_ptr<Zstd> z_;
  std::vector<char> in_;
  size_t in_pos_ = 0, in_len_ = 0;
  std::vector<char> out_;
  size_t out_pos_ = 0, out_len_ = 0;
  uint64_t payload_size_ = 0;
  uint64_t payload_hash_ = 0;
  uint64_t consumed_ = 0;  // payload bytes handed out
  uint64_t produced_ = 0;  // payload bytes decompressed
  bool frame_done_ = false;
};

}  // namespace ingest::upload

#endif  // INGEST_UPLOAD_PLAN_CODEC_H_
