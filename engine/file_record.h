// FileRecord: what the scan knows about one file or archive member. Records are small: a
// million of them must fit comfortably in memory next to their names.
#ifndef INGEST_ENGINE_FILE_RECORD_H_
#define INGEST_ENGINE_FILE_RECORD_H_

#include <sys/stat.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/media_kind.h"
#include "engine/pixel_checksum.h"

namespace ingest {

// CVAT refuses files above this size (its TUS_MAX_FILE_SIZE, Tus-Max-Size).
inline constexpr uint64_t kCvatMaxFileSize = 25ull << 30;

// XXH3-128 of a file's bytes; both halves zero means "not computed".
struct Hash128 {
  uint64_t low = 0;
  uint64_t high = 0;
  bool empty() const { return low == 0 && high == 0; }
  friend bool operator==(const Hash128&, const Hash128&) = default;
};

// 32 lower-case hex digits, high half first (as xxhsum -H2 prints XXH128).
std::string ToHex(const Hash128& h);

// A file's identity as the scan cache checks it: unchanged while all three are.
struct FileStamp {
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  uint64_t inode = 0;
  friend bool operator==(const FileStamp&, const FileStamp&) = default;
};

// A stat's modification time in nanoseconds, as FileRecord::mtime_ns holds it.
inline int64_t MtimeNs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

struct FileRecord {
  // Path relative to the source root, '/'-separated, raw bytes (may be invalid UTF-8).
  // For a source that is a single file, its base name. A view into the NameArena of the
  // ScanResult the record belongs to.
  std::string_view rel_path;
  uint32_t source = 0;  // index into the scan's list of sources
  MediaKind kind = MediaKind::kOther;
  bool in_archive = false;  // a member of an archive source
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  // A file's inode number; for an archive member, its ordinal: its position (from 0) among
  // the archive's regular files in stream order, which finds it again in a later pass.
  uint64_t inode = 0;
  Hash128 hash;
  // Images: size as stored and the EXIF orientation (1 when absent). Videos: the displayed
  // size (rotation applied). 0x0 when not probed.
  uint32_t width = 0;
  uint32_t height = 0;
  uint16_t orientation = 1;
  // Videos only (probed with FFmpeg): frame count and duration in seconds.
  uint32_t frame_count = 0;
  float duration = 0;
  // Images, with ScanOptions::pixel_checksum: md5 of the decoded pixels as CVAT's manifest
  // tool computes it (engine/pixel_checksum.h); all zero when not computed.
  PixelMd5 pixel_md5;
};

}  // namespace ingest

#endif  // INGEST_ENGINE_FILE_RECORD_H_
