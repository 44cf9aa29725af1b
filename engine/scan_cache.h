// ScanCache: what a previous scan learnt about each file, so that a scan of an unchanged tree
// reads no file contents (it only walks and stats).
//
// One entry per file of a directory or single-file source, keyed by the source's real path
// and the file's relative path, holding what the scan computed: size, mtime_ns, inode, kind,
// XXH3-128, width/height/orientation, video frame count and duration, and the pixel md5. An
// entry is used only when size, mtime and inode all still match what the walk saw, and only
// for what it holds (an entry without a hash does not serve a scan that hashes).
//
// Archive sources are cached whole: their members' records, in archive order, under the
// archive's own size, mtime and inode (ScanSource::archive_stamp). An archive whose stamp
// still matches yields its members without being opened; any change re-reads it all. An
// archive that had a problem (a bad member, a read error) is not cached.
//
// File layout (little-endian):
//   "CVATSCAN" | u32 format version | u32 options it was built with | u64 payload size |
//   u64 XXH3-64 of the payload | zstd frame of the payload
// The payload: u32 source count, each u32 length + real path + u8 has-stamp [+ u64 size,
// i64 mtime_ns, u64 inode]; then u64 entry count, each u32 source index, u8 in-archive flag,
// u32 name length, name, and the fixed fields (see scan_cache.cc). Members of an archive
// follow each other in archive order.
//
// Trust: a cache file that is truncated, fails its checksum, has another version or was built
// for options that do not cover the current scan is ignored (Load says why, the caller warns)
// and the scan rebuilds it. Save writes a temp file next to the target, fsyncs and renames.
#ifndef INGEST_ENGINE_SCAN_CACHE_H_
#define INGEST_ENGINE_SCAN_CACHE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/file_record.h"
#include "engine/status.h"

namespace ingest {

struct ScanOptions;
struct ScanResult;

inline constexpr uint32_t kScanCacheVersion = 2;

// What a scan computes, as bits: a cache serves a scan when it holds at least these.
enum ScanCacheOption : uint32_t {
  kCacheHash = 1,
  kCacheProbe = 2,
  kCachePixels = 4,
  kCacheVerified = 8,  // images decoded (verify_pixels, or pixel_checksum)
};
uint32_t ScanCacheOptionsOf(const ScanOptions& options);

class ScanCache {
 public:
  ScanCache() = default;
  ScanCache(ScanCache&&) = default;
  ScanCache& operator=(ScanCache&&) = default;

  // Reads `path` for a scan with `options` (ScanCacheOptionsOf). A missing file gives an
  // empty cache and no warning; an unusable one gives an empty cache and sets *warning to
  // the reason ("... truncated", "... checksum mismatch", "... format version 7, expected 1",
  // "... built for other options"). Never fails otherwise.
  static ScanCache Load(const std::string& path, uint32_t options, std::string* warning);

  // Writes the cache of `scan` (scanned with `options`) to `path`, atomically.
  static Status Save(const std::string& path, const ScanResult& scan, uint32_t options);

  // The cached record for `rel_path` of the source whose real path is `source_real_path`, if
  // its size, mtime and inode equal the given ones; nullptr otherwise. Thread-safe (const).
  // The record's rel_path and source fields are not meaningful.
  const FileRecord* Find(std::string_view source_real_path, std::string_view rel_path,
                         const FileStamp& stamp) const;

  // The cached members of the archive source whose real path is `source_real_path`, in
  // archive order, if the archive's size, mtime and inode equal the given ones; nullptr
  // otherwise. The records' rel_path are the member names; their source is not meaningful.
  // Thread-safe (const).
  const std::vector<FileRecord>* FindArchive(std::string_view source_real_path,
                                             const FileStamp& stamp) const;

  size_t size() const { return count_; }

  // Whether the cache file must be written again after `scan`, which took `cache_hits`
  // records from this cache: false only when every cacheable file of the scan came from it
  // and it holds no other entry (then the file on disk is exactly right already).
  bool NeedsRewrite(const ScanResult& scan, uint64_t cache_hits) const;

 private:
  std::vector<char> payload_;  // names point into it (a vector: moving keeps the buffer)
  std::unordered_map<std::string_view, uint32_t> source_index_;
  // The entries as decoded records (rel_path views into payload_), and an open-addressing
  // table over them: slot -> entry index + 1 (0: empty), keyed by (source, rel_path). One
  // allocation each, so loading 100,000 entries costs a few milliseconds.
  std::vector<FileRecord> records_;
  std::vector<uint32_t> slots_;
  // Per source index: the archive's stamp (none: its members are not cached) and its
  // members in order.
  struct CachedArchive {
    std::optional<FileStamp> stamp;
    std::vector<FileRecord> members;
  };
  std::vector<CachedArchive> archives_;
  size_t count_ = 0;
};

}  // namespace ingest

#endif  // INGEST_ENGINE_SCAN_CACHE_H_
