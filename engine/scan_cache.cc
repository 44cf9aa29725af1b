#include "engine/scan_cache.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "engine/scanner.h"
#include "engine/unique_fd.h"
#include "engine/xxh3.h"

namespace ingest {
namespace {

constexpr char kMagic[8] = {'C', 'V', 'A', 'T', 'S', 'C', 'A', 'N'};
constexpr size_t kHeaderSize = 8 + 4 + 4 + 8 + 8;
// Fixed part of an entry after its name (and the in-archive flag before it).
constexpr size_t kEntryFixed = 1 + 8 + 8 + 8 + 1 + 16 + 4 + 4 + 2 + 4 + 4 + 16;

template <class T>
void Put(std::vector<char>* out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));  // little-endian hosts only (x86-64, arm64)
  out->insert(out->end(), b, b + sizeof(T));
}

// Bounds-checked reader over the payload.
class Reader {
 public:
  Reader(const char* p, size_t n) : p_(p), end_(p + n) {}
  template <class T>
  bool Get(T* v) {
    if (static_cast<size_t>(end_ - p_) < sizeof(T)) return false;
    std::memcpy(v, p_, sizeof(T));
    p_ += sizeof(T);
    return true;
  }
  bool Bytes(size_t n, std::string_view* out) {
    if (static_cast<size_t>(end_ - p_) < n) return false;
    *out = std::string_view(p_, n);
    p_ += n;
    return true;
  }
  bool done() const { return p_ == end_; }

 private:
  const char* p_;
  const char* end_;
};

size_t SlotHash(uint32_t source, std::string_view name) {
  return static_cast<size_t>(XXH3_64bits_withSeed(name.data(), name.size(), source));
}

std::string RealPath(const std::string& path) {
  char* real = ::realpath(path.c_str(), nullptr);
  if (!real) return path;
  std::string out(real);
  ::free(real);  // NOLINT: allocated by realpath
  return out;
}

Status ReadWholeFile(const std::string& path, std::vector<char>* out) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return FromErrno("open " + path, errno);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return FromErrno("stat " + path, errno);
  out->resize(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (got < out->size()) {
    ssize_t r = ::read(fd.get(), out->data() + got, out->size() - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return FromErrno("read " + path, errno);
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  out->resize(got);
  return Status();
}

// Files of directories and single-file sources, and members of archives read cleanly.
bool IsCacheable(const ScanResult& scan, const FileRecord& f) {
  return !f.in_archive || scan.sources[f.source].archive_stamp.has_value();
}

uint64_t CacheableFiles(const ScanResult& scan) {
  uint64_t n = 0;
  for (const FileRecord& f : scan.files) n += IsCacheable(scan, f) ? 1 : 0;
  return n;
}

}  // namespace

uint32_t ScanCacheOptionsOf(const ScanOptions& options) {
  return (options.hash ? kCacheHash : 0u) | (options.probe_images ? kCacheProbe : 0u) |
         (options.pixel_checksum ? kCachePixels | kCacheVerified : 0u) |
         (options.verify_pixels ? kCacheVerified : 0u);
}

ScanCache ScanCache::Load(const std::string& path, uint32_t options, std::string* warning) {
  ScanCache cache;
  std::vector<char> file;
  Status read = ReadWholeFile(path, &file);
  if (!read.ok()) {
    if (read.message().find("No such file") == std::string::npos) {
      *warning = "scan cache " + path + ": " + read.message() + "; rebuilding it";
    }
    return cache;
  }
  auto bad = [&](const std::string& why) {
    *warning = "scan cache " + path + ": " + why + "; ignored and rebuilt";
    return ScanCache();
  };
  if (file.size() < kHeaderSize) return bad("truncated header");
  if (std::memcmp(file.data(), kMagic, 8) != 0) return bad("not a cvat-ingest scan cache");
  uint32_t version, built_with;
  uint64_t raw_size, checksum;
  std::memcpy(&version, file.data() + 8, 4);
  std::memcpy(&built_with, file.data() + 12, 4);
  std::memcpy(&raw_size, file.data() + 16, 8);
  std::memcpy(&checksum, file.data() + 24, 8);
  if (version != kScanCacheVersion) {
    return bad("format version " + std::to_string(version) + ", expected " +
               std::to_string(kScanCacheVersion));
  }
  if ((built_with & options) != options) return bad("built for other options");
  const char* frame = file.data() + kHeaderSize;
  size_t frame_size = file.size() - kHeaderSize;
  unsigned long long content = ZSTD_getFrameContentSize(frame, frame_size);
  if (content == ZSTD_CONTENTSIZE_ERROR || content == ZSTD_CONTENTSIZE_UNKNOWN ||
      content != raw_size || raw_size > (uint64_t{1} << 34)) {
    return bad("corrupt or truncated");
  }
  cache.payload_.resize(static_cast<size_t>(raw_size));
  size_t n = ZSTD_decompress(cache.payload_.data(), cache.payload_.size(), frame, frame_size);
  if (ZSTD_isError(n) || n != raw_size) return bad("corrupt or truncated");
  if (XXH3_64bits(cache.payload_.data(), n) != checksum) return bad("checksum mismatch");

  Reader r(cache.payload_.data(), n);
  // Each source takes at least 5 bytes (length and stamp flag): a larger count is corrupt,
  // and must not size the table below.
  uint32_t n_sources = 0;
  if (!r.Get(&n_sources) || n_sources > n / 5) return bad("corrupt source table");
  cache.archives_.resize(n_sources);
  for (uint32_t i = 0; i < n_sources; ++i) {
    uint32_t len;
    std::string_view name;
    uint8_t stamped = 0;
    if (!r.Get(&len) || !r.Bytes(len, &name) || !r.Get(&stamped) || stamped > 1) {
      return bad("corrupt source table");
    }
    CachedArchive& archive = cache.archives_[i];
    if (stamped == 1) {
      FileStamp& st = archive.stamp.emplace();
      if (!(r.Get(&st.size) && r.Get(&st.mtime_ns) && r.Get(&st.inode))) {
        return bad("corrupt source table");
      }
    }
    cache.source_index_.emplace(name, i);
  }
  uint64_t n_entries = 0;
  if (!r.Get(&n_entries) || n_entries > n / kEntryFixed) return bad("corrupt entry table");
  cache.records_.reserve(static_cast<size_t>(n_entries));
  size_t n_slots = 16;
  while (n_slots < 2 * n_entries) n_slots *= 2;
  cache.slots_.assign(n_slots, 0);
  for (uint64_t i = 0; i < n_entries; ++i) {
    uint32_t source, len;
    std::string_view name;
    FileRecord rec;
    uint8_t kind, in_archive;
    bool ok = r.Get(&source) && source < n_sources && r.Get(&in_archive) && in_archive <= 1 &&
              r.Get(&len) && r.Bytes(len, &name) &&
              r.Get(&rec.size) && r.Get(&rec.mtime_ns) && r.Get(&rec.inode) && r.Get(&kind) &&
              r.Get(&rec.hash.low) && r.Get(&rec.hash.high) && r.Get(&rec.width) &&
              r.Get(&rec.height) && r.Get(&rec.orientation) && r.Get(&rec.frame_count) &&
              r.Get(&rec.duration) && r.Get(&rec.pixel_md5.bytes);
    if (!ok || kind >= kMediaKindCount) return bad("corrupt entry " + std::to_string(i));
    rec.kind = static_cast<MediaKind>(kind);
    rec.source = source;
    rec.rel_path = name;
    if (in_archive) {
      // Only under a stamp: members of an archive that cannot be checked serve nothing.
      if (!cache.archives_[source].stamp) return bad("corrupt entry " + std::to_string(i));
      rec.in_archive = true;
      cache.archives_[source].members.push_back(rec);
      continue;
    }
    size_t slot = SlotHash(source, name) & (n_slots - 1);
    while (cache.slots_[slot] != 0) slot = (slot + 1) & (n_slots - 1);
    cache.records_.push_back(rec);
    cache.slots_[slot] = static_cast<uint32_t>(cache.records_.size());
  }
  if (!r.done()) return bad("trailing bytes");
  cache.count_ = n_entries;
  return cache;
}

Status ScanCache::Save(const std::string& path, const ScanResult& scan, uint32_t options) {
  std::vector<char> payload;
  Put(&payload, static_cast<uint32_t>(scan.sources.size()));
  for (const ScanSource& src : scan.sources) {
    std::string real = RealPath(src.path);
    Put(&payload, static_cast<uint32_t>(real.size()));
    payload.insert(payload.end(), real.begin(), real.end());
    Put(&payload, static_cast<uint8_t>(src.archive_stamp ? 1 : 0));
    if (src.archive_stamp) {
      Put(&payload, src.archive_stamp->size);
      Put(&payload, src.archive_stamp->mtime_ns);
      Put(&payload, src.archive_stamp->inode);
    }
  }
  const uint64_t n_entries = CacheableFiles(scan);
  Put(&payload, n_entries);
  payload.reserve(payload.size() + n_entries * (kEntryFixed + 48));
  // Members of one archive come from one worker: they are in archive order in scan.files.
  for (const FileRecord& f : scan.files) {
    if (!IsCacheable(scan, f)) continue;
    Put(&payload, f.source);
    Put(&payload, static_cast<uint8_t>(f.in_archive ? 1 : 0));
    Put(&payload, static_cast<uint32_t>(f.rel_path.size()));
    payload.insert(payload.end(), f.rel_path.begin(), f.rel_path.end());
    Put(&payload, f.size);
    Put(&payload, f.mtime_ns);
    Put(&payload, f.inode);
    Put(&payload, static_cast<uint8_t>(f.kind));
    Put(&payload, f.hash.low);
    Put(&payload, f.hash.high);
    Put(&payload, f.width);
    Put(&payload, f.height);
    Put(&payload, f.orientation);
    Put(&payload, f.frame_count);
    Put(&payload, f.duration);
    Put(&payload, f.pixel_md5.bytes);
  }
  std::vector<char> out(kHeaderSize + ZSTD_compressBound(payload.size()));
  std::memcpy(out.data(), kMagic, 8);
  uint32_t version = kScanCacheVersion;
  uint64_t raw_size = payload.size();
  uint64_t checksum = XXH3_64bits(payload.data(), payload.size());
  std::memcpy(out.data() + 8, &version, 4);
  std::memcpy(out.data() + 12, &options, 4);
  std::memcpy(out.data() + 16, &raw_size, 8);
  std::memcpy(out.data() + 24, &checksum, 8);
  size_t z = ZSTD_compress(out.data() + kHeaderSize, out.size() - kHeaderSize, payload.data(),
                           payload.size(), 1);
  if (ZSTD_isError(z)) return Status::Internal(std::string("zstd: ") + ZSTD_getErrorName(z));
  out.resize(kHeaderSize + z);

  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd.valid()) return FromErrno("create " + tmp, errno);
  size_t done = 0;
  while (done < out.size()) {
    ssize_t w = ::write(fd.get(), out.data() + done, out.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) {
      Status st = FromErrno("write " + tmp, errno);
      ::unlink(tmp.c_str());
      return st;
    }
    done += static_cast<size_t>(w);
  }
  if (::fsync(fd.get()) != 0 || ::close(fd.release()) != 0) {
    Status st = FromErrno("sync " + tmp, errno);
    ::unlink(tmp.c_str());
    return st;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Status st = FromErrno("rename " + tmp + " to " + path, errno);
    ::unlink(tmp.c_str());
    return st;
  }
  return Status();
}

bool ScanCache::NeedsRewrite(const ScanResult& scan, uint64_t cache_hits) const {
  const uint64_t cacheable = CacheableFiles(scan);
  return !(cache_hits == cacheable && count_ == cacheable);
}

const std::vector<FileRecord>* ScanCache::FindArchive(std::string_view source_real_path,
                                                      const FileStamp& stamp) const {
  auto s = source_index_.find(source_real_path);
  if (s == source_index_.end()) return nullptr;
  const CachedArchive& archive = archives_[s->second];
  return archive.stamp == stamp ? &archive.members : nullptr;
}

const FileRecord* ScanCache::Find(std::string_view source_real_path, std::string_view rel_path,
                                  const FileStamp& stamp) const {
  auto s = source_index_.find(source_real_path);
  if (s == source_index_.end() || slots_.empty()) return nullptr;
  uint32_t source = s->second;
  size_t mask = slots_.size() - 1;
  for (size_t slot = SlotHash(source, rel_path) & mask; slots_[slot] != 0;
       slot = (slot + 1) & mask) {
    const FileRecord& rec = records_[slots_[slot] - 1];
    if (rec.source != source || rec.rel_path != rel_path) continue;
    if (FileStamp{rec.size, rec.mtime_ns, rec.inode} != stamp) return nullptr;
    return &rec;
  }
  return nullptr;
}

}  // namespace ingest
