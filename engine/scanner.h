// Scan: turns source paths (directories, archives, single files) into FileRecords.
//
// One walker (the calling thread) lists the sources and feeds a bounded queue; N workers
// open each file once, probe image headers (engine/image_probe.h) and hash the bytes
// (XXH3-128) with one reused 128 KiB buffer each. An archive source goes to one worker, which
// streams its members (never extracting them). Memory stays bounded: records are small
// structs plus their names, and no file is held whole (an archive member that is an image is
// buffered up to kMaxBufferedMember bytes so its header can be probed).
//
// A problem with one file (unreadable, corrupt image, empty image, unsafe archive member, a
// file that changes while read) becomes a ScanProblem and the file is left out; the scan
// goes on. Only a source path that does not exist or cannot be opened fails the whole scan.
#ifndef INGEST_ENGINE_SCANNER_H_
#define INGEST_ENGINE_SCANNER_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/file_record.h"
#include "engine/name_arena.h"
#include "engine/result.h"
#include "engine/status.h"

namespace ingest {

class FileSelection;
class ScanCache;

struct ScanSource {
  enum class Type : uint8_t { kDirectory, kArchive, kFile };
  std::string path;  // as given (trailing slashes removed)
  Type type = Type::kDirectory;
  // Archive sources scanned with a cache: set when every member was read (or came from the
  // cache) without a problem and the archive did not change meanwhile; the cache then keeps
  // its members under this stamp.
  std::optional<FileStamp> archive_stamp;
};

struct ScanProblem {
  std::string path;  // the file: "<dir>/<rel>", "<archive>:<member>", or the source path
  Status status;     // what went wrong, e.g. "Corruption: JPEG: truncated SOF segment"
  bool warning = false;  // true: the file is kept (e.g. a name that is not valid UTF-8)
};

// Progress, readable from any thread while the scan runs.
struct ScanCounters {
  std::atomic<uint64_t> files_found{0};
  std::atomic<uint64_t> files_done{0};
  std::atomic<uint64_t> bytes_done{0};
  std::atomic<uint64_t> problems{0};
  std::atomic<uint64_t> cache_hits{0};  // files taken from ScanOptions::cache, not read
};

struct ScanOptions {
  bool hash = true;             // XXH3-128 of every file's bytes
  // With `hash`: files larger than this are not hashed (their hash stays empty); archive
  // members, read whole anyway, always are.
  uint64_t hash_max_size = UINT64_MAX;
  // Width/height/orientation from image headers; size, frame count and duration of videos
  // (FFmpeg; archive members are not probed).
  bool probe_images = true;
  // Decode every image (not archive members over kMaxBufferedMember) for its pixel md5
  // (FileRecord::pixel_md5). Each image is read whole into a per-worker buffer.
  bool pixel_checksum = false;
  // Decode every image as pixel_checksum does, without the md5 (--verify): an image the
  // decoders reject (cut short after its header, damaged data; CVAT's tool and server fail
  // on it too) becomes a problem and is left out. An image they do not decode (a format
  // pixel checksums do not cover, an archive member over kMaxBufferedMember) is kept
  // unverified and counted in ScanResult::unverified. Implied by pixel_checksum.
  bool verify_pixels = false;
  bool follow_symlinks = false;  // descend into symlinked directories (loops detected)
  // A source that is an archive is expanded into its members; an archive found inside a
  // directory is always listed as one file, never expanded.
  bool expand_archive_sources = true;
  unsigned workers = 0;  // 0: std::thread::hardware_concurrency()
  // A previous scan (engine/scan_cache.h): a file whose size, mtime and inode match its
  // entry is not opened; its record comes from the cache. Must outlive the scan.
  const ScanCache* cache = nullptr;
  // Which files to keep (engine/file_selection.h); nullptr or empty: all. Applied to the
  // files of directory sources and the members of archive sources, before they are opened;
  // sources named as files are always kept. Must outlive the scan. With a selection, archive
  // sources are not stamped for the cache (their members were not all read).
  const FileSelection* selection = nullptr;
  const std::atomic<bool>* cancel = nullptr;
  ScanCounters* counters = nullptr;
};

// Image members of archives are buffered up to this size for probing.
inline constexpr uint64_t kMaxBufferedMember = 64ull << 20;
// Image files are read whole for their pixel checksum up to this size; a larger one is a
// problem (Unsupported), never read. The largest image Pillow decodes (178,956,970 pixels,
// its decompression bomb limit) takes at most 716 MB uncompressed (4 bytes a pixel).
inline constexpr uint64_t kMaxPixelChecksumFile = 1ull << 30;

struct ScanResult {
  ScanResult() = default;
  ScanResult(ScanResult&&) = default;
  ScanResult& operator=(ScanResult&&) = default;
  ScanResult(const ScanResult&) = delete;  // records point into `names`
  ScanResult& operator=(const ScanResult&) = delete;

  std::vector<ScanSource> sources;
  // In no particular order (see engine/file_order.h). A deque: no capacity doubling, and the
  // workers' records move in chunk by chunk, so a million records never exist twice.
  std::deque<FileRecord> files;
  std::vector<ScanProblem> problems;
  uint64_t filtered_out = 0;  // files and members ScanOptions::selection left out
  // Images ScanOptions::verify_pixels kept without decoding them (see there).
  uint64_t unverified = 0;
  // Storage of the records' names (one arena per worker).
  std::vector<std::unique_ptr<NameArena>> names;
};

// Scans `paths`. Fails only if a path cannot be opened at all or the scan was cancelled.
Result<ScanResult> Scan(std::span<const std::string> paths, const ScanOptions& options);

// Groups of media files (not archive members, not kOther, not in related_images folders)
// that share a base name: CVAT keeps
// base names only, so they would collide on upload. Each group lists display paths, sorted.
std::vector<std::vector<std::string>> DuplicateBaseNames(const ScanResult& scan);

// The path a user recognises for a record: "<dir>/<rel>" or "<archive>:<member>".
std::string DisplayPath(const ScanResult& scan, const FileRecord& file);
// The path to open for a record that is not in an archive.
std::string FilesystemPath(const ScanResult& scan, const FileRecord& file);

}  // namespace ingest

#endif  // INGEST_ENGINE_SCANNER_H_
