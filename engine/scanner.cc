#include "engine/scanner.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>
#include <variant>

#include "engine/archive_reader.h"
#include "engine/bounded_queue.h"
#include "engine/dir_walker.h"
#include "engine/file_selection.h"
#include "engine/hasher.h"
#include "engine/image_probe.h"
#include "engine/md5_lanes.h"
#include "engine/path_text.h"
#include "engine/pixel_checksum.h"
#include "engine/scan_cache.h"
#include "engine/unique_fd.h"
#include "engine/video_probe.h"

namespace ingest {
namespace {

constexpr size_t kReadBuffer = 128 << 10;  // per worker: hashed while still in L2
// First read when only probing: image headers are in the first few KiB; a probe that needs
// more (a JPEG's frame header after a large EXIF block) refills at the offset it asks for,
// each refill twice the last. Reading 64 KiB here cost a copy of most of every small file.
constexpr size_t kProbeRead = 4 << 10;

std::optional<FileStamp> StampOf(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return FileStamp{static_cast<uint64_t>(st.st_size), MtimeNs(st),
                   static_cast<uint64_t>(st.st_ino)};
}

// A probe source over a window of a file held in a buffer: at first the file's first block
// (already read for hashing), then, on a miss, the buffer is refilled from the file at the
// requested offset, so a probe that walks a whole file (a PNG whose EXIF may follow its image
// data) costs one pread per buffer, not one per chunk. With fd < 0 (an archive member kept in
// memory) only the buffered bytes exist. Refills start at twice the first window and double
// up to the buffer's capacity.
class WindowSource final : public ByteSource {
 public:
  WindowSource(std::byte* buffer, size_t capacity, size_t filled, uint64_t size, int fd)
      : buffer_(buffer),
        capacity_(capacity),
        len_(filled),
        refill_(std::clamp<size_t>(filled * 2, 1, capacity)),
        size_(size),
        fd_(fd) {}

  Result<size_t> ReadAt(uint64_t offset, void* buf, size_t n) override {
    if (offset >= size_) return size_t{0};
    n = static_cast<size_t>(std::min<uint64_t>(n, size_ - offset));
    char* out = static_cast<char*>(buf);
    size_t done = 0;
    while (done < n) {
      uint64_t at = offset + done;
      if (at >= start_ && at < start_ + len_) {
        size_t part = std::min<size_t>(n - done, static_cast<size_t>(start_ + len_ - at));
        std::memcpy(out + done, buffer_ + (at - start_), part);
        done += part;
        continue;
      }
      if (fd_ < 0) break;  // beyond what is buffered
      INGEST_RETURN_IF_ERROR(Refill(at));
      if (len_ == 0) break;
    }
    return done;
  }
  uint64_t size() const override { return size_; }

 private:
  Status Refill(uint64_t at) {
    start_ = at;
    len_ = 0;
    const size_t want = refill_;
    refill_ = std::min(refill_ * 2, capacity_);
    while (len_ < want) {
      ssize_t r = ::pread(fd_, buffer_ + len_, want - len_, static_cast<off_t>(at + len_));
      if (r < 0) {
        if (errno == EINTR) continue;
        return FromErrno("read", errno);
      }
      if (r == 0) break;
      len_ += static_cast<size_t>(r);
    }
    return Status();
  }

  std::byte* buffer_;
  size_t capacity_;
  size_t len_;
  size_t refill_;  // bytes the next refill reads
  uint64_t start_ = 0;
  uint64_t size_;
  int fd_;
};

// Work for the pool: one file of a directory or a single-file source, or a whole archive.
struct FileItem {
  uint32_t source;
  std::string rel_path;
  MediaKind kind;
  bool has_stat = false;  // the walker's stat, for the cache lookup
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  uint64_t inode = 0;
};
struct ArchiveItem {
  uint32_t source;
};
using WorkItem = std::variant<FileItem, ArchiveItem>;

// What one worker produced; merged at the end so workers share nothing while they run.
struct WorkerOutput {
  std::deque<FileRecord> files;
  std::vector<ScanProblem> problems;
  std::unique_ptr<NameArena> names = std::make_unique<NameArena>();
  std::vector<std::byte> image;  // a whole image file, when pixel checksums are wanted
  // Decoded images waiting for their pixel md5, hashed together (Md5Many) when the batch is
  // full or the worker ends. The records are in `files` already (a deque keeps them put).
  std::vector<FileRecord*> pixel_records;
  std::vector<PixelBuffer> pixel_buffers;  // [i] for pixel_records[i]; reused
  size_t pixel_bytes = 0;                           // decoded bytes waiting
  PixelBuffer verify_buffer;  // verify_pixels alone: decoded, then dropped
};

// Decoded images up to this size wait for a batched md5; larger ones are hashed alone, as
// they decode (a batch holds at most kPixelBatchBytes plus one image).
constexpr uint64_t kMaxBatchedImage = 32 << 20;
constexpr size_t kPixelBatchBytes = 64 << 20;

class ScanJob {
 public:
  ScanJob(const ScanOptions& options, ScanResult* result) : options_(options), result_(result) {}

  void RunWorker(BoundedQueue<WorkItem>* queue, WorkerOutput* out) {
    std::unique_ptr<std::byte[]> buffer(new std::byte[kReadBuffer]);
    std::vector<std::byte> member;  // archive image member being probed
    while (std::optional<WorkItem> item = queue->Pop()) {
      if (Cancelled()) continue;  // drain
      if (auto* f = std::get_if<FileItem>(&*item)) {
        ProcessFile(*f, buffer.get(), out);
      } else {
        ProcessArchive(std::get<ArchiveItem>(*item).source, buffer.get(), &member, out);
      }
    }
    FlushPixelBatch(out);
  }

  // Hashes the decoded images waiting in `out` (several md5s at once) into their records.
  static void FlushPixelBatch(WorkerOutput* out) {
    const size_t n = out->pixel_records.size();
    if (n == 0) return;
    std::vector<std::span<const uint8_t>> inputs;
    inputs.reserve(n);
    for (size_t i = 0; i < n; ++i) inputs.push_back(out->pixel_buffers[i].bytes());
    std::vector<Md5Digest> digests(n);
    Md5Many(inputs, digests);
    for (size_t i = 0; i < n; ++i) out->pixel_records[i]->pixel_md5.bytes = digests[i];
    out->pixel_records.clear();
    out->pixel_bytes = 0;
    // Buffers are reused, but one that grew for a large image is let go: kept, every lane
    // could end up holding its largest image (up to 1.5 x kMaxBatchedImage) for the scan.
    for (PixelBuffer& b : out->pixel_buffers) {
      if (b.storage.capacity() > kPixelBatchBytes / kMd5Lanes) b.storage = {};
    }
  }

  // The pixel md5 of the image in `bytes` for `rec`, which the caller then adds to out->files:
  // computed now (large images), or decoded now and hashed with the next batch (the record's
  // address is kept, so it must be the deque's back() by the next flush). False (and a
  // problem recorded) when the image cannot be decoded.
  bool PixelChecksum(const std::string& display, std::span<const std::byte> bytes,
                     FileRecord* rec, WorkerOutput* out, bool* batched) {
    *batched = false;
    const uint64_t decoded_guess = uint64_t{rec->width} * rec->height * 4;
    if (decoded_guess > kMaxBatchedImage) {
      Result<PixelMd5> md5 = ComputePixelChecksum(bytes);
      if (!md5) {
        Problem(out, display, md5.error().WithPrefix(display));
        return false;
      }
      rec->pixel_md5 = *md5;
      return true;
    }
    const size_t slot = out->pixel_records.size();
    if (out->pixel_buffers.size() <= slot) out->pixel_buffers.resize(slot + 1);
    Status decoded = DecodeChecksumPixels(bytes, &out->pixel_buffers[slot]);
    if (!decoded.ok()) {
      Problem(out, display, decoded.WithPrefix(display));
      return false;
    }
    *batched = true;
    return true;
  }

  // Decodes the image in `bytes` (verify_pixels without pixel_checksum). False (and a problem
  // recorded) when the decoders reject it; true when it decodes or they do not cover it
  // (counted unverified).
  bool VerifyPixels(const std::string& display, std::span<const std::byte> bytes,
                    WorkerOutput* out) {
    Status decoded = DecodeChecksumPixels(bytes, &out->verify_buffer);
    if (out->verify_buffer.storage.capacity() > kMaxBatchedImage) out->verify_buffer = {};
    if (decoded.ok()) return true;
    if (decoded.code() == Status::Code::kUnsupported) {
      unverified.fetch_add(1, std::memory_order_relaxed);
      return true;
    }
    Problem(out, display,
            Status::Corruption(display + ": cannot be decoded (" + decoded.message() +
                               "); CVAT fails on it"));
    return false;
  }

  // The pixel checks the options ask for on an image held whole: its checksum, else a decode.
  bool CheckPixels(const std::string& display, std::span<const std::byte> bytes,
                   FileRecord* rec, WorkerOutput* out, bool* batched) {
    *batched = false;
    if (options_.pixel_checksum) return PixelChecksum(display, bytes, rec, out, batched);
    return VerifyPixels(display, bytes, out);
  }

  // Adds a record whose pixels PixelChecksum batched; flushes a full batch.
  // A record that goes into the result (`bytes` read for it): its name warnings, then the
  // record, held for the next md5 batch when its pixel checksum is `batched`.
  void Keep(const std::string& path, FileRecord rec, uint64_t bytes, WorkerOutput* out,
            bool batched = false) {
    NameWarnings(path, rec, out);
    if (batched) {
      PushBatched(std::move(rec), out);
    } else {
      out->files.push_back(std::move(rec));
    }
    Done(bytes);
  }

  void PushBatched(FileRecord rec, WorkerOutput* out) {
    const size_t slot = out->pixel_records.size();
    out->files.push_back(std::move(rec));
    out->pixel_records.push_back(&out->files.back());
    out->pixel_bytes += out->pixel_buffers[slot].size;
    if (out->pixel_records.size() == kMd5Lanes || out->pixel_bytes >= kPixelBatchBytes) {
      FlushPixelBatch(out);
    }
  }

  bool Cancelled() const {
    return options_.cancel && options_.cancel->load(std::memory_order_relaxed);
  }

  bool Selecting() const { return options_.selection && !options_.selection->empty(); }

  // False (and counted) when the selection leaves `rel_path` out.
  bool Selected(std::string_view rel_path) {
    if (!Selecting() || options_.selection->Keeps(rel_path)) return true;
    filtered_out.fetch_add(1, std::memory_order_relaxed);
    return false;
  }

  void Problem(WorkerOutput* out, std::string path, Status status, bool warning = false) {
    if (options_.counters) options_.counters->problems.fetch_add(1, std::memory_order_relaxed);
    out->problems.push_back(ScanProblem{std::move(path), std::move(status), warning});
  }

  void Done(uint64_t bytes) {
    if (!options_.counters) return;
    options_.counters->files_done.fetch_add(1, std::memory_order_relaxed);
    options_.counters->bytes_done.fetch_add(bytes, std::memory_order_relaxed);
  }

  // Checks that are about the name and size only; adds warnings, keeps the file.
  void NameWarnings(const std::string& display, const FileRecord& rec, WorkerOutput* out) {
    if (!IsValidUtf8(rec.rel_path)) {
      Problem(out, display,
              Status::InvalidArgument(display + ": name is not valid UTF-8 (kept; encoded as "
                                                "CVAT's tool does, with \\udcXX escapes)"),
              true);
    }
    if (rec.size == 0 && rec.kind != MediaKind::kImage) {
      Problem(out, display, Status::InvalidArgument(display + ": empty file (0 bytes)"), true);
    }
    if (rec.size > kCvatMaxFileSize) {
      Problem(out, display,
              Status::InvalidArgument(display + ": larger than 25 GiB, CVAT refuses it"), true);
    }
  }

  // Real paths of the sources, for cache lookups (set before the workers start).
  std::vector<std::string> source_real_paths;

  // A record from the cache when the file is unchanged since (no content read). Called by
  // the walker (with its own output) and by workers (single-file sources, no walker stat).
  bool TakeFromCache(const FileItem& item, const std::string& path, WorkerOutput* out) {
    FileStamp stamp{item.size, item.mtime_ns, item.inode};
    if (!item.has_stat) {
      std::optional<FileStamp> now = StampOf(path);
      if (!now) return false;
      stamp = *now;
    }
    const FileRecord* hit =
        options_.cache->Find(source_real_paths[item.source], item.rel_path, stamp);
    if (!hit || hit->kind != item.kind) return false;
    FileRecord rec = *hit;
    rec.rel_path = out->names->Add(item.rel_path);
    rec.source = item.source;
    rec.in_archive = false;
    if (options_.counters) options_.counters->cache_hits.fetch_add(1, std::memory_order_relaxed);
    Keep(path, std::move(rec), 0, out);
    return true;
  }

  void ProcessFile(const FileItem& item, std::byte* buffer, WorkerOutput* out) {
    const ScanSource& src = result_->sources[item.source];
    std::string path = src.type == ScanSource::Type::kFile ? src.path
                                                            : src.path + "/" + std::string(item.rel_path);
    if (options_.cache && TakeFromCache(item, path, out)) return;
    FileRecord rec;
    rec.rel_path = out->names->Add(item.rel_path);
    rec.source = item.source;
    rec.kind = item.kind;
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return Problem(out, path, FromErrno("open " + path, errno));
    struct stat before;
    if (::fstat(fd.get(), &before) != 0) return Problem(out, path, FromErrno("stat " + path, errno));
    rec.size = static_cast<uint64_t>(before.st_size);
    rec.mtime_ns = MtimeNs(before);
    rec.inode = static_cast<uint64_t>(before.st_ino);

    bool is_image = rec.kind == MediaKind::kImage && options_.probe_images;
    bool hash = options_.hash && rec.size <= options_.hash_max_size;
    if (rec.kind == MediaKind::kImage && rec.size == 0) {
      return Problem(out, path, Status::Corruption(path + ": empty image file (0 bytes)"));
    }
    if (rec.kind == MediaKind::kVideo && options_.probe_images) {
      Result<VideoInfo> video = ProbeVideo(path);
      if (!video) return Problem(out, path, video.error().WithPrefix(path));
      rec.width = video->width;
      rec.height = video->height;
      rec.frame_count = static_cast<uint32_t>(std::min<uint64_t>(video->frame_count, UINT32_MAX));
      rec.duration = static_cast<float>(video->duration);
    }
    if (is_image && (options_.pixel_checksum || options_.verify_pixels)) {
      return ProcessWholeImage(path, fd.get(), std::move(rec), out);
    }
    if (!hash && !is_image) {
      return Keep(path, std::move(rec), 0, out);
    }

    // First block: read fully (the probe usually needs only this).
    size_t want = hash ? kReadBuffer : kProbeRead;
    size_t head = 0;
    while (head < want) {
      ssize_t r = ::read(fd.get(), buffer + head, want - head);
      if (r < 0) {
        if (errno == EINTR) continue;
        return Problem(out, path, FromErrno("read " + path, errno));
      }
      if (r == 0) break;
      head += static_cast<size_t>(r);
    }
    Hasher hasher;
    if (hash) hasher.Update(buffer, head);  // before the probe reuses the buffer
    if (is_image) {
      WindowSource probe_src(buffer, kReadBuffer, head, rec.size, fd.get());
      Result<ImageInfo> info = ProbeImage(probe_src);
      if (!info) return Problem(out, path, info.error().WithPrefix(path));
      rec.width = info->width;
      rec.height = info->height;
      rec.orientation = info->orientation;
    }
    uint64_t bytes = head;
    if (hash) {
      if (head == kReadBuffer) {
        if (::lseek(fd.get(), static_cast<off_t>(head), SEEK_SET) < 0) {
          return Problem(out, path, FromErrno("seek " + path, errno));
        }
        Result<uint64_t> rest =
            HashRestOfFile(fd.get(), path, std::span<std::byte>(buffer, kReadBuffer), &hasher);
        if (!rest) return Problem(out, path, std::move(rest).error());
        bytes += *rest;
      }
      rec.hash = hasher.Digest();
      struct stat after;
      if (::fstat(fd.get(), &after) != 0) {
        return Problem(out, path, FromErrno("stat " + path, errno));
      }
      if (bytes != rec.size || static_cast<uint64_t>(after.st_size) != rec.size ||
          MtimeNs(after) != rec.mtime_ns) {
        return Problem(out, path,
                       Status::IoError(path + ": changed while being read (size or mtime "
                                              "moved); scan it again when it is complete"));
      }
    }
    Keep(path, std::move(rec), bytes, out);
  }

  // An image read whole: hashed, probed and decoded for its pixel checksum from memory.
  void ProcessWholeImage(const std::string& path, int fd, FileRecord rec, WorkerOutput* out) {
    if (rec.size > kMaxPixelChecksumFile) {
      return Problem(out, path,
                     Status::Unsupported(path + ": " + std::to_string(rec.size) +
                                         " bytes, too large for --checksum pixels (over 1 GiB, "
                                         "more than any image Pillow decodes)"));
    }
    std::vector<std::byte>& data = out->image;
    // Kept from image to image, but not at the size of an exceptional one.
    struct Shrink {
      std::vector<std::byte>& v;
      ~Shrink() {
        if (v.capacity() > kMaxBufferedMember) std::vector<std::byte>().swap(v);
      }
    } shrink{data};
    data.resize(static_cast<size_t>(rec.size));
    size_t got = 0;
    while (got < data.size()) {
      ssize_t r = ::pread(fd, data.data() + got, data.size() - got, static_cast<off_t>(got));
      if (r < 0) {
        if (errno == EINTR) continue;
        return Problem(out, path, FromErrno("read " + path, errno));
      }
      if (r == 0) break;
      got += static_cast<size_t>(r);
    }
    struct stat after;
    if (::fstat(fd, &after) != 0) return Problem(out, path, FromErrno("stat " + path, errno));
    if (got != rec.size || static_cast<uint64_t>(after.st_size) != rec.size ||
        MtimeNs(after) != rec.mtime_ns) {
      return Problem(out, path,
                     Status::IoError(path + ": changed while being read (size or mtime moved); "
                                            "scan it again when it is complete"));
    }
    std::span<const std::byte> bytes(data.data(), got);
    if (options_.hash) rec.hash = HashBytes(bytes.data(), bytes.size());
    SpanByteSource src(bytes);
    Result<ImageInfo> info = ProbeImage(src);
    if (!info) return Problem(out, path, info.error().WithPrefix(path));
    rec.width = info->width;
    rec.height = info->height;
    rec.orientation = info->orientation;
    bool batched = false;
    if (!CheckPixels(path, bytes, &rec, out, &batched)) return;
    Keep(path, std::move(rec), got, out, batched);
  }


  // An archive source: its members from the cache when the archive is unchanged, else read;
  // with a cache, an archive read without a problem gets its stamp (ScanSource), so that the
  // cache keeps it. Only this worker touches result_->sources[source] while the scan runs.
  void ProcessArchive(uint32_t source, std::byte* buffer, std::vector<std::byte>* member,
                      WorkerOutput* out) {
    ScanSource& src = result_->sources[source];
    std::optional<FileStamp> before;
    if (options_.cache) before = StampOf(src.path);
    if (before) {
      const std::vector<FileRecord>* cached =
          options_.cache->FindArchive(source_real_paths[source], *before);
      if (cached && std::all_of(cached->begin(), cached->end(), [](const FileRecord& f) {
            return f.kind == ClassifyName(f.rel_path);
          })) {
        for (const FileRecord& hit : *cached) {
          if (!Selected(hit.rel_path)) continue;
          if (options_.counters) {
            options_.counters->files_found.fetch_add(1, std::memory_order_relaxed);
            options_.counters->cache_hits.fetch_add(1, std::memory_order_relaxed);
          }
          FileRecord rec = hit;
          rec.rel_path = out->names->Add(hit.rel_path);
          rec.source = source;
          Keep(src.path + ":" + std::string(rec.rel_path), std::move(rec), 0, out);
        }
        if (!Selecting()) src.archive_stamp = before;
        return;
      }
    }
    const size_t first_problem = out->problems.size();
    ReadArchive(source, buffer, member, out);
    if (!before || Cancelled() || Selecting()) return;
    const bool clean = std::none_of(out->problems.begin() + static_cast<ptrdiff_t>(first_problem),
                                    out->problems.end(),
                                    [](const ScanProblem& p) { return !p.warning; });
    if (clean && StampOf(src.path) == before) src.archive_stamp = before;
  }

  void ReadArchive(uint32_t source, std::byte* buffer, std::vector<std::byte>* member,
                   WorkerOutput* out) {
    const std::string& path = result_->sources[source].path;
    Result<std::unique_ptr<ArchiveReader>> opened = ArchiveReader::Open(path);
    if (!opened) return Problem(out, path, std::move(opened).error());
    ArchiveReader& reader = **opened;
    ArchiveMember m;
    for (uint64_t ordinal = 0;; ++ordinal) {
      if (Cancelled()) return;
      Result<bool> more = reader.Next(&m);
      if (!more) return Problem(out, path, std::move(more).error());
      if (!*more) return;
      if (!Selected(m.path)) continue;  // not read: the reader skips its data
      std::string display = path + ":" + m.path;
      if (!m.problem.ok()) {
        Problem(out, display, m.problem);
        continue;
      }
      if (options_.counters) options_.counters->files_found.fetch_add(1);
      FileRecord rec;
      rec.rel_path = out->names->Add(m.path);
      rec.source = source;
      rec.in_archive = true;
      rec.kind = ClassifyName(m.path);
      rec.size = m.size;
      rec.mtime_ns = m.mtime_ns;
      rec.inode = ordinal;
      bool is_image = rec.kind == MediaKind::kImage && options_.probe_images;
      if (rec.kind == MediaKind::kImage && m.size == 0) {
        Problem(out, display, Status::Corruption(display + ": empty image file (0 bytes)"));
        continue;
      }
      uint64_t bytes = 0;
      bool batched = false;  // the pixel md5 waits for the worker's next batch
      if (options_.hash || is_image) {
        Hasher hasher;
        member->clear();
        for (;;) {
          Result<size_t> n = reader.Read(buffer, kReadBuffer);
          if (!n) return Problem(out, display, std::move(n).error());
          if (*n == 0) break;
          hasher.Update(buffer, *n);
          bytes += *n;
          if (is_image && member->size() < kMaxBufferedMember) {
            size_t keep = std::min<size_t>(*n, kMaxBufferedMember - member->size());
            member->insert(member->end(), buffer, buffer + keep);
          }
          if (!options_.hash && !is_image) break;
        }
        if (options_.hash) rec.hash = hasher.Digest();
        rec.size = bytes;
        if (is_image) {
          WindowSource probe_src(member->data(), member->size(), member->size(), bytes, -1);
          Result<ImageInfo> info = ProbeImage(probe_src);
          if (!info) {
            Problem(out, display, info.error().WithPrefix(display));
            continue;
          }
          rec.width = info->width;
          rec.height = info->height;
          rec.orientation = info->orientation;
          if (options_.pixel_checksum && member->size() != bytes) {
            Problem(out, display,
                    Status::Unsupported(display + ": too large to decode inside an archive"));
            continue;
          }
          if (options_.verify_pixels && member->size() != bytes) {
            unverified.fetch_add(1, std::memory_order_relaxed);
          } else if (options_.pixel_checksum || options_.verify_pixels) {
            if (!CheckPixels(display, *member, &rec, out, &batched)) continue;
          }
        }
      }
      Keep(display, std::move(rec), bytes, out, batched);
    }
  }

 private:
  const ScanOptions& options_;
  ScanResult* result_;

 public:
  std::atomic<uint64_t> filtered_out{0};
  std::atomic<uint64_t> unverified{0};  // see ScanResult::unverified
};

// Feeds the queue from a directory walk; records problems in `out`.
class QueueingVisitor final : public WalkVisitor {
 public:
  QueueingVisitor(uint32_t source, const std::string& root, const ScanOptions& options,
                  BoundedQueue<WorkItem>* queue, ScanJob* job, WorkerOutput* out)
      : source_(source), root_(root), options_(options), queue_(queue), job_(job), out_(out) {}

  void OnFile(WalkEntry&& e) override {
    if (!job_->Selected(e.rel_path)) return;
    if (options_.counters) options_.counters->files_found.fetch_add(1, std::memory_order_relaxed);
    MediaKind kind = ClassifyName(e.rel_path);
    FileItem item{source_, std::move(e.rel_path), kind, true, e.size, e.mtime_ns, e.inode};
    // An unchanged file is settled here, on the walker's thread: no hand-off to a worker.
    if (options_.cache && job_->TakeFromCache(item, root_ + "/" + item.rel_path, out_)) return;
    queue_->Push(std::move(item));
  }
  void OnProblem(const std::string& rel_path, const Status& problem) override {
    job_->Problem(out_, rel_path.empty() ? root_ : root_ + "/" + rel_path, problem);
  }

 private:
  uint32_t source_;
  const std::string& root_;
  const ScanOptions& options_;
  BoundedQueue<WorkItem>* queue_;
  ScanJob* job_;
  WorkerOutput* out_;
};

}  // namespace

Result<ScanResult> Scan(std::span<const std::string> paths, const ScanOptions& options) {
  ScanResult result;
  // Classify the sources first, so a missing path fails before any work starts.
  for (const std::string& given : paths) {
    std::string p = given;
    while (p.size() > 1 && p.back() == '/') p.pop_back();
    struct stat st;
    if (::stat(p.c_str(), &st) != 0) return FromErrno("source " + p, errno);
    ScanSource src;
    src.path = p;
    if (S_ISDIR(st.st_mode)) {
      src.type = ScanSource::Type::kDirectory;
    } else if (S_ISREG(st.st_mode)) {
      src.type = options.expand_archive_sources && ClassifyName(p) == MediaKind::kArchive
                     ? ScanSource::Type::kArchive
                     : ScanSource::Type::kFile;
    } else {
      return Status::InvalidArgument("source " + p + ": not a directory or regular file");
    }
    result.sources.push_back(std::move(src));
  }

  unsigned n_workers = options.workers ? options.workers : std::thread::hardware_concurrency();
  n_workers = std::max(1u, n_workers);
  ScanJob job(options, &result);
  if (options.cache) {
    for (const ScanSource& src : result.sources) {
      char* real = ::realpath(src.path.c_str(), nullptr);
      job.source_real_paths.push_back(real ? std::string(real) : src.path);
      ::free(real);  // NOLINT: allocated by realpath
    }
  }
  BoundedQueue<WorkItem> queue(4096);
  std::vector<WorkerOutput> outputs(n_workers + 1);  // the last one is the walker's
  WorkerOutput& walker_out = outputs.back();
  Status walk_status;
  {
    std::vector<std::jthread> workers;
    workers.reserve(n_workers);
    for (unsigned i = 0; i < n_workers; ++i) {
      workers.emplace_back([&job, &queue, out = &outputs[i]] { job.RunWorker(&queue, out); });
    }
    for (uint32_t i = 0; i < result.sources.size() && walk_status.ok(); ++i) {
      const ScanSource& src = result.sources[i];
      switch (src.type) {
        case ScanSource::Type::kArchive:
          queue.Push(ArchiveItem{i});
          break;
        case ScanSource::Type::kFile:
          if (options.counters) options.counters->files_found.fetch_add(1);
          queue.Push(FileItem{i, std::string(BaseName(src.path)), ClassifyName(src.path)});
          break;
        case ScanSource::Type::kDirectory: {
          QueueingVisitor visitor(i, src.path, options, &queue, &job, &walker_out);
          WalkOptions wo;
          wo.follow_dir_symlinks = options.follow_symlinks;
          wo.cancel = options.cancel;
          walk_status = WalkDirectory(src.path, wo, visitor);
          break;
        }
      }
    }
    queue.Close();
  }  // workers joined
  if (!walk_status.ok()) return walk_status;
  if (job.Cancelled()) return Status::Cancelled("scan interrupted");

  size_t n_problems = 0;
  for (const WorkerOutput& o : outputs) n_problems += o.problems.size();
  result.problems.reserve(n_problems);
  for (WorkerOutput& o : outputs) {
    // Move record by record, releasing the worker's storage as it empties.
    while (!o.files.empty()) {
      result.files.push_back(std::move(o.files.front()));
      o.files.pop_front();
    }
    std::move(o.problems.begin(), o.problems.end(), std::back_inserter(result.problems));
    result.names.push_back(std::move(o.names));
    o = WorkerOutput();
  }
  result.filtered_out = job.filtered_out.load();
  result.unverified = job.unverified.load();
  if (options.selection) {
    for (std::string& listed : options.selection->Unfound()) {
      Status missing = Status::NotFound(
          listed + ": listed, but no source holds it (list paths relative to the source)");
      result.problems.push_back(ScanProblem{std::move(listed), std::move(missing)});
    }
  }
  // Workers finish in any order; report problems in a stable one.
  std::stable_sort(result.problems.begin(), result.problems.end(),
                   [](const ScanProblem& a, const ScanProblem& b) { return a.path < b.path; });
  return result;
}

std::vector<std::vector<std::string>> DuplicateBaseNames(const ScanResult& scan) {
  std::vector<std::pair<std::string_view, uint32_t>> names;
  names.reserve(scan.files.size());
  for (uint32_t i = 0; i < scan.files.size(); ++i) {
    const FileRecord& f = scan.files[i];
    // Archive members keep their paths (CVAT extracts the archive); other files are skipped.
    if (f.in_archive || f.kind == MediaKind::kOther) continue;
    if (IsInRelatedImagesFolder(f.rel_path)) continue;  // context images, not frames
    names.emplace_back(BaseName(f.rel_path), i);
  }
  std::sort(names.begin(), names.end());
  std::vector<std::vector<std::string>> groups;
  for (size_t i = 0; i < names.size();) {
    size_t j = i + 1;
    while (j < names.size() && names[j].first == names[i].first) ++j;
    if (j - i > 1) {
      std::vector<std::string> group;
      for (size_t k = i; k < j; ++k) group.push_back(DisplayPath(scan, scan.files[names[k].second]));
      std::sort(group.begin(), group.end());
      groups.push_back(std::move(group));
    }
    i = j;
  }
  std::sort(groups.begin(), groups.end());
  return groups;
}

std::string DisplayPath(const ScanResult& scan, const FileRecord& file) {
  const ScanSource& src = scan.sources[file.source];
  switch (src.type) {
    case ScanSource::Type::kFile: return src.path;
    case ScanSource::Type::kArchive: return src.path + ":" + std::string(file.rel_path);
    case ScanSource::Type::kDirectory: return src.path + "/" + std::string(file.rel_path);
  }
  return src.path;
}

std::string FilesystemPath(const ScanResult& scan, const FileRecord& file) {
  const ScanSource& src = scan.sources[file.source];
  return src.type == ScanSource::Type::kFile ? src.path : src.path + "/" + std::string(file.rel_path);
}

}  // namespace ingest
