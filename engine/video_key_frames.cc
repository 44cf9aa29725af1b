// Key frames as CVAT's manifest tool finds them; see the header for the rules.
//
// Equivalence with CVAT's tool (PyAV 10 over FFmpeg 5.1), fact by fact:
// - Stream: the first stream of type video, cover art included (PyAV's `streams` filter).
// - Decoding: packets of that stream in file order, each sent and then every frame received
//   (PyAV's Packet.decode); at the end a flush. A failed send or receive stops the walk, as
//   PyAV raises. Threads never change what a decoder outputs, only when.
// - Times: frame.pts is AVFrame.pts and frame.dts AVFrame.pkt_dts, both in the stream's time
//   base; AV_NOPTS_VALUE is None and is skipped by the increasing checks.
// - md5: VideoFrame.to_image() is sws_scale to RGB24 with SWS_BILINEAR and swscale's default
//   colour details (no sws_setColorspaceDetails call), into a buffer aligned as PyAV allocates
//   it, then the rows packed (width * 3 bytes each). A frame that already is RGB24 is hashed as
//   it is.
// - Seek: av_seek_frame(stream, pts, AVSEEK_FLAG_BACKWARD), then avcodec_flush_buffers; the
//   first frame decoded after it is compared (pts first, then pixels: the same verdict as
//   CVAT's md5-then-pts test, without hashing a frame whose pts already differs).
// - Rotation: see ffmpeg::CvatRotateTag and ffmpeg::CvatRotatedSize.
//
// How the work is laid out (the verdicts are those of the sequential walk above):
// - The main thread decodes with FFmpeg's frame and slice threads and checks order; each key
//   frame is handed, by reference (no copy), to verifier threads, each with its own demuxer
//   and decoder that seek. A bounded number of key frames is in flight, so memory stays flat
//   and an all-intra video (MJPEG: every frame is a key frame) is verified on every core.
// - A verifier compares the decoded planes of the frame its seek lands on with the key frame's
//   own planes. Equal visible samples convert to equal RGB, so one conversion and one md5
//   (of the key frame, which the manifest needs anyway) settle it. Only when the samples
//   differ is the landed frame converted too and the RGB bytes compared (what equal md5s
//   mean), so that two frames that differ before conversion but not after are kept exactly as
//   CVAT keeps them. A verifier takes the key frames waiting as a batch and hashes the kept
//   ones together (Md5Many: several md5s in SIMD lanes).
// - Verdicts come back in key-frame order. CVAT's too-few-key-frames rule depends on them, so
//   it is evaluated frame by frame as far as the verdicts known allow (ShortageRule), and an
//   error met later in the walk is reported only after the verdicts before it: the error the
//   sequential walk would have stopped at is the one returned.
#include "engine/video_key_frames.h"

extern "C" {
#include <libavutil/imgutils.h>
}

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

#include "engine/ffmpeg_common.h"
#include "engine/md5_lanes.h"
#include "engine/video_stream_decoder.h"

namespace ingest {
namespace {

using ffmpeg::FramePtr;
using video::HexOf;
using video::RgbConverter;
using video::RgbImage;
using video::RgbMd5;
using video::SamePixels;
using video::StreamDecoder;
using video::Timestamp;

// Memory bounds of the verification: decoded key frames handed over and not yet decided,
// and RGB images of one verifier's batch.
constexpr size_t kInFlightBytes = 96 << 20;
constexpr size_t kBatchRgbBytes = 64 << 20;

Status Refuse(const std::string& path, std::string_view reason) {
  return Status::Unsupported(path + ": " + std::string(reason));
}

// A key frame waiting for its verdict.
struct KeyJob {
  int64_t seq = 0;  // submission order
  int64_t number = 0;
  int64_t pts = 0;
  FramePtr frame;  // a reference to the main decoder's frame (no pixel copy)
  size_t rgb_bytes = 0;  // its RGB image's size (counted in and out of queued_rgb_bytes_)
};

struct KeyVerdict {
  int64_t number = 0;
  int64_t pts = 0;
  bool usable = false;
  Md5Hex md5{};  // set when usable
  Status error;  // a conversion, the seek or a decode failed: the walk stops here
};

// What one verifier thread owns: a seeking decoder (opened at its first key frame), a
// converter, and the RGB images of a batch, kept from batch to batch.
struct Verifier {
  std::unique_ptr<StreamDecoder> seeker;
  RgbConverter converter;
  std::vector<std::unique_ptr<RgbImage>> images;  // [i]: the i-th key frame of the batch
  RgbImage landed;                                // a seek-landed frame, when it differs
};

// Decides key frames as CVAT's tool does: convert the key frame to RGB (CVAT hashes it
// first, so a conversion failure stops the walk whatever the seek finds), seek to its pts,
// decode one frame, and keep the key frame when that frame has its pts and its RGB bytes
// (CVAT compares their md5s). The md5s of the kept frames are computed together at the end
// (Md5Many). verdicts[i] is jobs[i]'s.
void VerifyBatch(const std::string& path, Verifier* w, std::span<const KeyJob> jobs,
                 std::vector<KeyVerdict>* verdicts) {
  verdicts->clear();
  while (w->images.size() < jobs.size()) w->images.push_back(std::make_unique<RgbImage>());
  for (size_t i = 0; i < jobs.size(); ++i) {
    const KeyJob& job = jobs[i];
    KeyVerdict& v = verdicts->emplace_back(KeyVerdict{job.number, job.pts, false, {}, Status()});
    v.error = w->converter.Convert(job.frame.get(), w->images[i].get());
    if (!v.error.ok()) continue;
    if (!w->seeker) {
      auto opened = std::make_unique<StreamDecoder>();
      // The verifiers run in parallel already: one thread each.
      v.error = opened->Open(path, StreamDecoder::Threads::kOne);
      if (!v.error.ok()) continue;
      w->seeker = std::move(opened);
    }
    v.error = w->seeker->Seek(job.pts);
    if (!v.error.ok()) continue;
    Result<AVFrame*> landed = w->seeker->Next();
    if (!landed) {
      v.error = landed.error();
      continue;
    }
    if (*landed == nullptr || Timestamp((*landed)->pts) != job.pts) continue;
    if (SamePixels(*landed, job.frame.get())) {
      v.usable = true;  // equal samples convert to equal RGB
      continue;
    }
    v.error = w->converter.Convert(*landed, &w->landed);
    if (!v.error.ok()) continue;
    const std::span<const uint8_t> a = w->images[i]->bytes(), b = w->landed.bytes();
    v.usable = a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
  }
  std::vector<std::span<const uint8_t>> inputs;
  std::vector<size_t> owners;
  for (size_t i = 0; i < jobs.size(); ++i) {
    if ((*verdicts)[i].usable) {
      inputs.push_back(w->images[i]->bytes());
      owners.push_back(i);
    }
  }
  std::vector<Md5Digest> digests(inputs.size());
  Md5Many(inputs, digests);
  for (size_t k = 0; k < owners.size(); ++k) (*verdicts)[owners[k]].md5 = HexOf(digests[k]);
}

// Verifier threads (started as work arrives, up to `max_threads`) that decide key frames
// handed over by Submit; verdicts are collected in submission order.
class VerifierPool {
 public:
  // `frame_bytes`: about what one decoded frame holds; the frames in flight stay under
  // kInFlightBytes, and never fewer than two per thread.
  VerifierPool(std::string path, unsigned max_threads, size_t frame_bytes)
      : path_(std::move(path)),
        max_threads_(std::max(1u, max_threads)),
        max_in_flight_(static_cast<int64_t>(
            std::clamp<size_t>(kInFlightBytes / std::max<size_t>(frame_bytes, 1),
                               2 * max_threads_ + 2, kMd5Lanes * max_threads_ + 2))) {}

  ~VerifierPool() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    work_cv_.notify_all();
    threads_.clear();  // joins
  }

  VerifierPool(const VerifierPool&) = delete;
  VerifierPool& operator=(const VerifierPool&) = delete;

  // Hands a key frame over; blocks while too many are in flight. Verdicts that arrived
  // meanwhile are appended to `out` (in order).
  void Submit(int64_t number, int64_t pts, FramePtr frame, std::deque<KeyVerdict>* out) {
    std::unique_lock lock(mu_);
    // Only unfinished jobs hold a frame; finished ones wait in ready_ at most until the
    // threads ahead of them finish. When full, verifiers take what waits, batch or not.
    if (next_seq_ - finished_ >= max_in_flight_) {
      room_wanted_ = true;
      work_cv_.notify_all();
      done_cv_.wait(lock, [&] { return next_seq_ - finished_ < max_in_flight_; });
      room_wanted_ = false;
    }
    const size_t rgb_bytes =
        static_cast<size_t>(frame->width) * static_cast<size_t>(frame->height) * 3;
    queued_rgb_bytes_ += rgb_bytes;
    jobs_.push_back(KeyJob{next_seq_++, number, pts, std::move(frame), rgb_bytes});
    if (idle_ == 0 && threads_.size() < max_threads_) {
      threads_.emplace_back([this] { Work(); });
    }
    work_cv_.notify_one();
    CollectLocked(out);
  }

  // Appends the verdicts ready in order to `out`; with `wait` (the walk is over: no more
  // Submit), blocks until every submitted key frame has one.
  void Collect(bool wait, std::deque<KeyVerdict>* out) {
    std::unique_lock lock(mu_);
    if (wait) {
      draining_ = true;
      work_cv_.notify_all();
      done_cv_.wait(lock, [&] { return finished_ == next_seq_; });
    }
    CollectLocked(out);
  }

 private:
  // REQUIRES: mu_ held.
  void CollectLocked(std::deque<KeyVerdict>* out) {
    while (!ready_.empty() && ready_.front().first == collected_) {
      out->push_back(std::move(ready_.front().second));
      ready_.pop_front();
      ++collected_;
    }
  }

  void Work() {
    Verifier verifier;
    std::vector<KeyJob> batch;
    std::vector<KeyVerdict> verdicts;
    std::unique_lock lock(mu_);
    for (;;) {
      ++idle_;
      // A batch is worth waiting for (its md5s share SIMD lanes): work starts when one is
      // full (kMd5Lanes frames or kBatchRgbBytes of RGB), or the walk waits for room or for
      // the last verdicts.
      work_cv_.wait(lock, [&] {
        return stop_ || (!jobs_.empty() && (jobs_.size() >= kMd5Lanes || draining_ ||
                                            room_wanted_ || queued_rgb_bytes_ >= kBatchRgbBytes));
      });
      --idle_;
      if (stop_) return;
      batch.clear();
      size_t rgb_bytes = 0;
      while (!jobs_.empty() && batch.size() < kMd5Lanes) {
        const size_t bytes = jobs_.front().rgb_bytes;
        if (!batch.empty() && rgb_bytes + bytes > kBatchRgbBytes) break;
        rgb_bytes += bytes;
        queued_rgb_bytes_ -= bytes;
        batch.push_back(std::move(jobs_.front()));
        jobs_.pop_front();
      }
      lock.unlock();
      VerifyBatch(path_, &verifier, batch, &verdicts);
      for (KeyJob& job : batch) job.frame.reset();
      lock.lock();
      for (size_t i = 0; i < batch.size(); ++i) {
        // Keep ready_ sorted by sequence: verdicts of several threads arrive out of order.
        auto at = std::find_if(ready_.begin(), ready_.end(),
                               [&](const auto& r) { return r.first > batch[i].seq; });
        ready_.insert(at, {batch[i].seq, std::move(verdicts[i])});
      }
      finished_ += static_cast<int64_t>(batch.size());
      done_cv_.notify_all();
    }
  }

  const std::string path_;
  const unsigned max_threads_;
  const int64_t max_in_flight_;
  mutable std::mutex mu_;
  std::condition_variable work_cv_;                   // jobs_ or stop_ changed
  std::condition_variable done_cv_;                   // a verdict arrived
  std::deque<KeyJob> jobs_;                           // GUARDED_BY(mu_)
  std::deque<std::pair<int64_t, KeyVerdict>> ready_;  // GUARDED_BY(mu_), by sequence
  int64_t next_seq_ = 0;                              // GUARDED_BY(mu_)
  int64_t finished_ = 0;                              // GUARDED_BY(mu_)
  int64_t collected_ = 0;                             // GUARDED_BY(mu_)
  unsigned idle_ = 0;                                 // GUARDED_BY(mu_)
  size_t queued_rgb_bytes_ = 0;        // GUARDED_BY(mu_): RGB size of the frames in jobs_
  bool room_wanted_ = false;           // GUARDED_BY(mu_): Submit waits for a job to finish
  bool draining_ = false;              // GUARDED_BY(mu_): the walk is over, Collect waits
  bool stop_ = false;                  // GUARDED_BY(mu_)
  std::vector<std::jthread> threads_;  // declared last: joined before the rest goes
};

// CVAT's too-few-key-frames rule, evaluated over verdicts that arrive late. The sequential
// walk checks, after each frame, `frames so far / max(usable key frames so far, 1) >= bound`.
// Check(limit) evaluates that for every frame count up to `limit`, which is allowed once the
// verdicts of all key frames numbered below `limit` were added.
class ShortageRule {
 public:
  ShortageRule(int64_t bound, bool force) : bound_(bound), force_(force) {}

  void AddVerdict(int64_t number, bool usable) {
    if (usable) usable_numbers_.push_back(number);
  }

  // True when the rule refuses the video at some frame count <= limit.
  bool Refuses(int64_t limit) {
    if (force_) return false;
    for (; checked_ < limit; ++checked_) {
      const int64_t frames = checked_ + 1;
      while (!usable_numbers_.empty() && usable_numbers_.front() < frames) {
        usable_numbers_.pop_front();
        ++usable_;
      }
      if (frames / std::max<int64_t>(usable_, 1) >= bound_) return true;
    }
    return false;
  }

 private:
  const int64_t bound_;
  const bool force_;
  std::deque<int64_t> usable_numbers_;  // usable key frames not yet counted
  int64_t usable_ = 0;                  // usable key frames numbered below checked_ + 1
  int64_t checked_ = 0;                 // frame counts 1..checked_ evaluated
};

// The walk's state on the main thread: verdicts applied in order, the shortage rule.
class KeyFrameBook {
 public:
  KeyFrameBook(const std::string& path, const VideoKeyFrameOptions& options, VideoKeyFrames* out)
      : path_(path), rule_(3 * options.chunk_size + 1, options.force), out_(out) {}

  void Submit(int64_t number, int64_t pts, FramePtr frame) {
    if (!pool_) {
      // Sized by the first key frame (a video's frames keep their size).
      int bytes = av_image_get_buffer_size(static_cast<AVPixelFormat>(frame->format), frame->width,
                                           frame->height, 1);
      pool_ = std::make_unique<VerifierPool>(
          path_, std::thread::hardware_concurrency(),  // the pool makes 0 one
          bytes > 0 ? static_cast<size_t>(bytes)
                    : static_cast<size_t>(frame->width) * static_cast<size_t>(frame->height) * 4);
    }
    submitted_.push_back(number);
    pool_->Submit(number, pts, std::move(frame), &verdicts_);
  }

  // After `frames` frames: applies the verdicts known so far. An error is the walk's result:
  // a verifier's failure, or the shortage refusal.
  Status Advance(int64_t frames, bool wait) {
    if (pool_) pool_->Collect(wait, &verdicts_);
    while (!verdicts_.empty()) {
      KeyVerdict v = std::move(verdicts_.front());
      verdicts_.pop_front();
      submitted_.pop_front();
      if (!v.error.ok()) {
        // The sequential walk met this failure while at frame v.number, after the shortage
        // check of the frames before it.
        return rule_.Refuses(v.number) ? Refuse(path_, kTooFewKeyFrames) : v.error;
      }
      rule_.AddVerdict(v.number, v.usable);
      if (v.usable) out_->key_frames.push_back(VideoKeyFrame{v.number, v.pts, v.md5});
    }
    const int64_t limit = submitted_.empty() ? frames : std::min(frames, submitted_.front());
    return rule_.Refuses(limit) ? Refuse(path_, kTooFewKeyFrames) : Status::Ok();
  }

  // The walk stopped with `error` after `frames` frames: the error the sequential walk would
  // have returned (a verdict's failure or the shortage refusal may come first).
  Status Stop(int64_t frames, Status error) {
    Status earlier = Advance(frames, /*wait=*/true);
    return earlier.ok() ? error : earlier;
  }

 private:
  const std::string& path_;
  ShortageRule rule_;
  VideoKeyFrames* out_;
  std::unique_ptr<VerifierPool> pool_;  // started at the first key frame
  std::deque<int64_t> submitted_;       // numbers of key frames without an applied verdict
  std::deque<KeyVerdict> verdicts_;     // collected, not yet applied
};

}  // namespace

// A seeking demuxer and decoder with its own converter.
struct VideoSeeker::Impl {
  StreamDecoder decoder;
  RgbMd5 md5;
};

VideoSeeker::VideoSeeker(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
VideoSeeker::~VideoSeeker() = default;

Result<std::unique_ptr<VideoSeeker>> VideoSeeker::Open(const std::string& path) {
  ffmpeg::SilenceLogsOnce();
  auto impl = std::make_unique<Impl>();
  INGEST_RETURN_IF_ERROR(impl->decoder.Open(path, StreamDecoder::Threads::kSlices));
  return std::unique_ptr<VideoSeeker>(new VideoSeeker(std::move(impl)));
}

Result<SeekLanding> VideoSeeker::SeekAndDecode(int64_t pts, bool want_md5) {
  Impl& s = *impl_;
  INGEST_RETURN_IF_ERROR(s.decoder.Seek(pts));
  INGEST_ASSIGN_OR_RETURN(AVFrame * frame, s.decoder.Next());
  SeekLanding landing;
  if (frame == nullptr) return landing;
  landing.found = true;
  landing.pts = Timestamp(frame->pts);
  if (want_md5 && landing.pts == pts) INGEST_RETURN_IF_ERROR(s.md5.Hash(frame, &landing.md5));
  return landing;
}

bool IsKeyFrameShortage(const Status& status) {
  if (status.code() != Status::Code::kUnsupported) return false;
  std::string_view m = status.message();
  return m.ends_with(kTooFewKeyFrames) || m.ends_with(kEmptyManifest);
}

Result<VideoKeyFrames> ReadVideoKeyFrames(const std::string& path,
                                          const VideoKeyFrameOptions& options) {
  ffmpeg::SilenceLogsOnce();
  StreamDecoder reader;
  INGEST_RETURN_IF_ERROR(reader.Open(path, StreamDecoder::Threads::kFramesAndSlices));

  VideoKeyFrames out;
  // Declared after `out`: its threads stop before `out` goes.
  KeyFrameBook book(path, options, &out);
  std::optional<int64_t> prev_pts;
  std::optional<int64_t> prev_dts;
  int64_t index = 0;
  for (;;) {
    Result<AVFrame*> next = reader.Next();
    if (!next) return book.Stop(index, next.error());
    AVFrame* frame = *next;
    if (frame == nullptr) break;
    if (index == 0) {
      if (frame->pict_type != AV_PICTURE_TYPE_I) return Refuse(path, kFirstFrameNotKey);
      out.width = frame->width;
      out.height = frame->height;
      Result<std::optional<int64_t>> rotate = ffmpeg::CvatRotateTag(path, reader.stream());
      if (!rotate) return rotate.error();
      if (*rotate) ffmpeg::CvatRotatedSize(**rotate, &out.width, &out.height);
    }
    std::optional<int64_t> pts = Timestamp(frame->pts);
    std::optional<int64_t> dts = Timestamp(frame->pkt_dts);
    if (pts && prev_pts && *pts <= *prev_pts) {
      return book.Stop(index, Refuse(path, kPtsNotIncreasing));
    }
    if (dts && prev_dts && *dts <= *prev_dts) {
      return book.Stop(index, Refuse(path, kDtsNotIncreasing));
    }
    prev_pts = pts;
    prev_dts = dts;

    if (frame->key_frame) {
      ++out.flagged_key_frames;
      if (!pts) {
        // CVAT's tool cannot seek to None and stops with a TypeError.
        return book.Stop(index, Status::Unsupported(path + ": key frame " + std::to_string(index) +
                                                    " has no pts"));
      }
      FramePtr ref(av_frame_clone(frame));
      if (!ref) return Status::Internal("av_frame_clone failed");
      book.Submit(index, *pts, std::move(ref));
    }
    ++index;
    INGEST_RETURN_IF_ERROR(book.Advance(index, /*wait=*/false));
    if (options.cancel != nullptr && options.cancel->load(std::memory_order_relaxed)) {
      return Status::Cancelled(path + ": interrupted");
    }
    if (options.progress && index % 256 == 0) options.progress(index);
  }
  INGEST_RETURN_IF_ERROR(book.Advance(index, /*wait=*/true));
  if (index == 0) return Status::Corruption(path + ": no video frame could be decoded");
  out.length = index;
  if (out.key_frames.empty() && !options.force) return Refuse(path, kEmptyManifest);
  return out;
}

}  // namespace ingest
