// CrcAhead: the CRC-32s of a packed zip's large plain-file members, computed on a thread of
// their own, ahead of the stream, so that the transfer thread (CPU-bound on large members)
// only moves bytes (issue 14). The thread reads each member a second time: from the page
// cache, or into it just before the stream needs it; it keeps at most `max_ahead` bytes of
// members ahead of the member the stream is at, so a corpus larger than memory is not read
// twice from disk.
//
// A CRC read apart is only worth what the file's stability is: Crc(i) also checks that the
// member's file still has its planned size and modification time after the stream sent it
// (as every change check of the plan does); if not, it is an error naming the file.
#ifndef INGEST_UPLOAD_CRC_AHEAD_H_
#define INGEST_UPLOAD_CRC_AHEAD_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/result.h"

namespace ingest::upload {

class CrcAhead {
 public:
  // One zip member, by layout index. `path` empty: not a plain file (an archive member),
  // or not worth it (small), or its CRC is known already: not computed here.
  struct Member {
    std::string path;
    uint64_t size = 0;
    int64_t mtime_ns = 0;
  };
  // Members of at least this size are worth a second reader.
  static constexpr uint64_t kMinSize = 1 << 20;

  CrcAhead(std::vector<Member> members, uint64_t max_ahead);
  ~CrcAhead();  // stops the thread
  CrcAhead(const CrcAhead&) = delete;
  CrcAhead& operator=(const CrcAhead&) = delete;

  // Whether member i's CRC is computed here.
  bool Covers(size_t i) const;
  // The stream is at member i: the thread may read up to max_ahead bytes past it.
  void Reached(size_t i);
  // Member i's CRC (Covers(i) must hold), waiting for it; an error naming the file when it
  // could not be read or no longer has its planned size and modification time.
  Result<uint32_t> Crc(size_t i);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ingest::upload

#endif  // INGEST_UPLOAD_CRC_AHEAD_H_
