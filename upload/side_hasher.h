// SideHasher: the journal's XXH3 prefix hashes of plain files sent through TUS, computed on a
// thread of its own from a second read of each file (from the page cache, where the transfer
// just read it, or warming it ahead), so that the transfer thread only moves bytes. On large
// files that thread is CPU-bound, and hashing was 15% of its time.
//
// A hash read apart from the bytes sent is only worth what the file's stability is: each
// range is hashed, then the file is checked to still have the planned size and modification
// time; if it moved, the file's hash is given up (a resume then treats a touched file as
// changed and sends it again, which is always safe). A write that changes bytes moves the
// modification time, which is the same assumption every resume makes.
#ifndef INGEST_UPLOAD_SIDE_HASHER_H_
#define INGEST_UPLOAD_SIDE_HASHER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ingest::upload {

class SideHasher {
 public:
  // A digest asked for with Want: of the file's bytes [0, upto); `hex` is "" when the file
  // could not be read or changed (its later digests are all "").
  struct Digest {
    uint64_t owner = 0;
    uint32_t file = 0;
    uint64_t upto = 0;
    std::string hex;
  };

  // `wake` is called (on the hasher's thread) when digests are ready to Take.
  explicit SideHasher(std::function<void()> wake);
  ~SideHasher();  // stops the thread; jobs not done are dropped
  SideHasher(const SideHasher&) = delete;
  SideHasher& operator=(const SideHasher&) = delete;

  // Asks for the XXH3-128 of the first `upto` bytes of `path`, planned with `size` bytes
  // and modification time `mtime_ns`, for `file` of `owner` (a caller's id). Successive Wants
  // of one file continue its hash: `upto` must grow.
  void Want(uint64_t owner, uint32_t file, const std::string& path, uint64_t size,
            int64_t mtime_ns, uint64_t upto);
  // Drops the jobs of `owner`, queued or running; its digests not taken yet are discarded.
  void Forget(uint64_t owner);
  // The digests ready since the last call, in the order each file's were asked for.
  std::vector<Digest> Take();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ingest::upload

#endif  // INGEST_UPLOAD_SIDE_HASHER_H_
