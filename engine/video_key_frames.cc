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
//   first frame decoded after it is compared (pts first, then md5: the same verdict as CVAT's
//   md5-then-pts test, without hashing a frame whose pts already differs).
// - Rotation: only a stream tag named exactly "rotate" (Python's dict.get is case-sensitive).
//   FFmpeg 5.1's demuxers no longer export one for MP4 display matrices, so a rotated MP4
//   keeps its coded size in CVAT's manifest. The size is OpenCV's bounding box of the frame
//   rotated by 360 - rotate degrees.
#include "engine/video_key_frames.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/dict.h>
#include <libavutil/error.h>
#include <libavutil/imgutils.h>
#include <libavutil/log.h>
#include <libswscale/swscale.h>
}

#include <openssl/evp.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <mutex>
#include <utility>

#include "engine/av_handles.h"
#include "engine/c_handle.h"

namespace ingest {
namespace {

void SilenceFfmpegOnce() {
  static std::once_flag once;
  std::call_once(once, [] { av_log_set_level(AV_LOG_QUIET); });
}

Status FromAv(const std::string& path, std::string_view what, int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(err, buf, sizeof buf);
  std::string msg = path;
  msg += ": ";
  msg += what;
  msg += ": ";
  msg += buf;
  if (err == AVERROR(ENOENT) || err == AVERROR(ENOTDIR)) return Status::NotFound(msg);
  if (err == AVERROR(EACCES) || err == AVERROR(EIO) || err == AVERROR(EISDIR)) {
    return Status::IoError(msg);
  }
  return Status::Corruption(msg);
}

Status Refuse(const std::string& path, std::string_view reason) {
  return Status::Unsupported(path + ": " + std::string(reason));
}

using FormatPtr = AvInputPtr;
using CodecPtr = AvCodecPtr;
using FramePtr = AvFramePtr;
using PacketPtr = AvPacketPtr;
using SwsPtr = std::unique_ptr<SwsContext, CDeleter<&sws_freeContext>>;
using Md5CtxPtr = std::unique_ptr<EVP_MD_CTX, CDeleter<&EVP_MD_CTX_free>>;

// One demuxer and one decoder of the first video stream; frames come out one at a time.
class StreamDecoder {
 public:
  // frame_threads: FFmpeg's frame and slice threads (throughput); else slice threads only, so
  // the first frame after a seek comes out of the first packets (latency).
  Status Open(const std::string& path, bool frame_threads) {
    path_ = path;
    AVFormatContext* raw = nullptr;
    int err = avformat_open_input(&raw, path.c_str(), nullptr, nullptr);
    if (err < 0) return FromAv(path, "open", err);
    fmt_.reset(raw);
    err = avformat_find_stream_info(fmt_.get(), nullptr);
    if (err < 0) return FromAv(path, "cannot read stream info", err);
    for (unsigned i = 0; i < fmt_->nb_streams; ++i) {
      if (fmt_->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_VIDEO) {
        index_ = static_cast<int>(i);
        break;
      }
    }
    if (index_ < 0) return Status::Unsupported(path + ": no video stream");
    // Other streams are never decoded; the demuxer may skip their packets.
    for (unsigned i = 0; i < fmt_->nb_streams; ++i) {
      if (static_cast<int>(i) != index_) fmt_->streams[i]->discard = AVDISCARD_ALL;
    }
    const AVCodecParameters* par = fmt_->streams[index_]->codecpar;
    const AVCodec* codec = avcodec_find_decoder(par->codec_id);
    if (codec == nullptr) {
      return Status::Unsupported(path + ": no decoder for " + avcodec_get_name(par->codec_id));
    }
    dec_.reset(avcodec_alloc_context3(codec));
    pkt_.reset(av_packet_alloc());
    frame_.reset(av_frame_alloc());
    if (!dec_ || !pkt_ || !frame_) return Status::Internal("FFmpeg allocation failed");
    err = avcodec_parameters_to_context(dec_.get(), par);
    if (err < 0) return FromAv(path, "decoder parameters", err);
    dec_->thread_count = 0;  // one per core
    dec_->thread_type = frame_threads ? FF_THREAD_FRAME | FF_THREAD_SLICE : FF_THREAD_SLICE;
    err = avcodec_open2(dec_.get(), codec, nullptr);
    if (err < 0) return FromAv(path, "open decoder", err);
    return Status::Ok();
  }

  const AVStream* stream() const { return fmt_->streams[index_]; }

  // The next decoded frame, nullptr after the last. The frame is valid until the next call.
  Result<AVFrame*> Next() {
    for (;;) {
      int err = avcodec_receive_frame(dec_.get(), frame_.get());
      if (err >= 0) return frame_.get();
      if (err == AVERROR_EOF) return static_cast<AVFrame*>(nullptr);
      if (err != AVERROR(EAGAIN)) return FromAv(path_, "decode", err);
      INGEST_RETURN_IF_ERROR(SendNextPacket());
    }
  }

  // Seeks to the key frame at or before `pts` and drops what the decoder holds.
  Status Seek(int64_t pts) {
    int err = av_seek_frame(fmt_.get(), index_, pts, AVSEEK_FLAG_BACKWARD);
    if (err < 0) return FromAv(path_, "seek to pts " + std::to_string(pts), err);
    avcodec_flush_buffers(dec_.get());
    return Status::Ok();
  }

 private:
  // Sends the stream's next packet, or the flush at the end of the file.
  Status SendNextPacket() {
    for (;;) {
      int err = av_read_frame(fmt_.get(), pkt_.get());
      if (err == AVERROR_EOF) {
        err = avcodec_send_packet(dec_.get(), nullptr);
        // Sending the flush twice (EOF again after a drained decoder) is harmless.
        return err < 0 && err != AVERROR_EOF ? FromAv(path_, "decode", err) : Status::Ok();
      }
      if (err == AVERROR(EAGAIN)) continue;
      if (err < 0) return FromAv(path_, "read", err);
      if (pkt_->stream_index != index_) {
        av_packet_unref(pkt_.get());
        continue;
      }
      err = avcodec_send_packet(dec_.get(), pkt_.get());
      av_packet_unref(pkt_.get());
      return err < 0 ? FromAv(path_, "decode", err) : Status::Ok();
    }
  }

  std::string path_;
  FormatPtr fmt_;
  CodecPtr dec_;
  PacketPtr pkt_;
  FramePtr frame_;
  int index_ = -1;
};

// md5 of frames converted to packed RGB24, as PyAV's VideoFrame.to_image().tobytes().
class RgbMd5 {
 public:
  Status Hash(const AVFrame* f, Md5Hex* out) {
    if (!md5_) {
      md5_.reset(EVP_MD_CTX_new());
      if (!md5_) return Status::Internal("EVP_MD_CTX_new failed");
    }
    const auto format = static_cast<AVPixelFormat>(f->format);
    const uint8_t* rows = f->data[0];
    int stride = f->linesize[0];
    if (format != AV_PIX_FMT_RGB24) {
      if (f->width != width_ || f->height != height_) {
        if (rgb_[0] != nullptr) av_freep(&rgb_[0]);
        // PyAV allocates its output frame with av_image_alloc, 16-byte alignment.
        if (av_image_alloc(rgb_, rgb_stride_, f->width, f->height, AV_PIX_FMT_RGB24, 16) < 0) {
          return Status::Internal("av_image_alloc failed");
        }
        width_ = f->width;
        height_ = f->height;
      }
      sws_.reset(sws_getCachedContext(sws_.release(), f->width, f->height, format, f->width,
                                      f->height, AV_PIX_FMT_RGB24, SWS_BILINEAR, nullptr, nullptr,
                                      nullptr));
      if (!sws_) return Status::Unsupported("cannot convert pixel format to RGB24");
      sws_scale(sws_.get(), f->data, f->linesize, 0, f->height, rgb_, rgb_stride_);
      rows = rgb_[0];
      stride = rgb_stride_[0];
    }
    const size_t row_bytes = static_cast<size_t>(f->width) * 3;
    if (EVP_DigestInit_ex(md5_.get(), EVP_md5(), nullptr) != 1) {
      return Status::Internal("md5 init failed");
    }
    if (static_cast<size_t>(stride) == row_bytes) {
      EVP_DigestUpdate(md5_.get(), rows, row_bytes * static_cast<size_t>(f->height));
    } else {
      for (int y = 0; y < f->height; ++y) {
        EVP_DigestUpdate(md5_.get(), rows + static_cast<ptrdiff_t>(y) * stride, row_bytes);
      }
    }
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(md5_.get(), digest, &len) != 1 || len != 16) {
      return Status::Internal("md5 final failed");
    }
    static constexpr char kHex[] = "0123456789abcdef";
    for (unsigned i = 0; i < 16; ++i) {
      (*out)[2 * i] = kHex[digest[i] >> 4];
      (*out)[2 * i + 1] = kHex[digest[i] & 15];
    }
    return Status::Ok();
  }

  ~RgbMd5() {
    if (rgb_[0] != nullptr) av_freep(&rgb_[0]);
  }

 private:
  SwsPtr sws_;
  Md5CtxPtr md5_;
  uint8_t* rgb_[4] = {};
  int rgb_stride_[4] = {};
  int width_ = 0;
  int height_ = 0;
};

// The "rotate" tag as Python's int() reads it: optional blanks and sign, decimal digits.
Result<std::optional<int64_t>> RotateTag(const std::string& path, const AVStream* st) {
  const AVDictionaryEntry* tag = av_dict_get(st->metadata, "rotate", nullptr, AV_DICT_MATCH_CASE);
  if (tag == nullptr || tag->value[0] == '\0') return std::optional<int64_t>();
  std::string_view v = tag->value;
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  if (!v.empty() && v.front() == '+') v.remove_prefix(1);
  int64_t value = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
  if (v.empty() || ec != std::errc() || end != v.data() + v.size()) {
    return Status::Unsupported(path + ": rotate tag '" + tag->value + "' is not an integer");
  }
  return std::optional<int64_t>(value);
}

// OpenCV's bounding box (getRotationMatrix2D + CVAT's rotate_image) of a w x h image rotated
// by `degrees`: the same double arithmetic, truncated as Python's int() does.
void RotatedSize(int64_t degrees, int64_t* w, int64_t* h) {
  const double angle = static_cast<double>(degrees) * (3.14159265358979323846 / 180);
  const double abs_cos = std::fabs(std::cos(angle));
  const double abs_sin = std::fabs(std::sin(angle));
  const double fw = static_cast<double>(*w);
  const double fh = static_cast<double>(*h);
  *w = static_cast<int64_t>(fh * abs_sin + fw * abs_cos);
  *h = static_cast<int64_t>(fh * abs_cos + fw * abs_sin);
}

std::optional<int64_t> Timestamp(int64_t t) {
  return t == AV_NOPTS_VALUE ? std::nullopt : std::optional<int64_t>(t);
}

}  // namespace

struct VideoSeeker::Impl {
  StreamDecoder decoder;
  RgbMd5 md5;
};

VideoSeeker::VideoSeeker(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
VideoSeeker::~VideoSeeker() = default;

Result<std::unique_ptr<VideoSeeker>> VideoSeeker::Open(const std::string& path) {
  SilenceFfmpegOnce();
  auto impl = std::make_unique<Impl>();
  INGEST_RETURN_IF_ERROR(impl->decoder.Open(path, /*frame_threads=*/false));
  return std::unique_ptr<VideoSeeker>(new VideoSeeker(std::move(impl)));
}

Result<SeekLanding> VideoSeeker::SeekAndDecode(int64_t pts, bool want_md5) {
  INGEST_RETURN_IF_ERROR(impl_->decoder.Seek(pts));
  INGEST_ASSIGN_OR_RETURN(AVFrame * frame, impl_->decoder.Next());
  SeekLanding landing;
  if (frame == nullptr) return landing;
  landing.found = true;
  landing.pts = Timestamp(frame->pts);
  if (want_md5 && landing.pts == pts) INGEST_RETURN_IF_ERROR(impl_->md5.Hash(frame, &landing.md5));
  return landing;
}

bool IsKeyFrameShortage(const Status& status) {
  if (status.code() != Status::Code::kUnsupported) return false;
  std::string_view m = status.message();
  return m.ends_with(kTooFewKeyFrames) || m.ends_with(kEmptyManifest);
}

Result<VideoKeyFrames> ReadVideoKeyFrames(const std::string& path,
                                          const VideoKeyFrameOptions& options) {
  SilenceFfmpegOnce();
  StreamDecoder reader;
  INGEST_RETURN_IF_ERROR(reader.Open(path, /*frame_threads=*/true));
  // Opened at the first key frame: a file that fails early never opens it.
  std::unique_ptr<VideoSeeker> checker;
  RgbMd5 md5;

  VideoKeyFrames out;
  const int64_t bound = 3 * options.chunk_size + 1;
  std::optional<int64_t> prev_pts;
  std::optional<int64_t> prev_dts;
  int64_t index = 0;
  int64_t usable = 0;
  for (;;) {
    INGEST_ASSIGN_OR_RETURN(AVFrame * frame, reader.Next());
    if (frame == nullptr) break;
    if (index == 0) {
      if (frame->pict_type != AV_PICTURE_TYPE_I) return Refuse(path, kFirstFrameNotKey);
      out.width = frame->width;
      out.height = frame->height;
      INGEST_ASSIGN_OR_RETURN(std::optional<int64_t> rotate, RotateTag(path, reader.stream()));
      if (rotate) RotatedSize(360 - *rotate, &out.width, &out.height);
    }
    std::optional<int64_t> pts = Timestamp(frame->pts);
    std::optional<int64_t> dts = Timestamp(frame->pkt_dts);
    if (pts && prev_pts && *pts <= *prev_pts) return Refuse(path, kPtsNotIncreasing);
    if (dts && prev_dts && *dts <= *prev_dts) return Refuse(path, kDtsNotIncreasing);
    prev_pts = pts;
    prev_dts = dts;

    if (frame->key_frame) {
      ++out.flagged_key_frames;
      if (!pts) {
        // CVAT's tool cannot seek to None and stops with a TypeError.
        return Status::Unsupported(path + ": key frame " + std::to_string(index) +
                                   " has no pts");
      }
      VideoKeyFrame key{index, *pts, {}};
      INGEST_RETURN_IF_ERROR(md5.Hash(frame, &key.md5));
      if (!checker) {
        INGEST_ASSIGN_OR_RETURN(checker, VideoSeeker::Open(path));
      }
      INGEST_ASSIGN_OR_RETURN(SeekLanding landing, checker->SeekAndDecode(*pts, true));
      if (landing.found && landing.pts == pts && landing.md5 == key.md5) {
        out.key_frames.push_back(key);
        ++usable;
      }
    }
    ++index;
    if (!options.force && index / (usable == 0 ? 1 : usable) >= bound) {
      return Refuse(path, kTooFewKeyFrames);
    }
    if (options.cancel != nullptr && options.cancel->load(std::memory_order_relaxed)) {
      return Status::Cancelled(path + ": interrupted");
    }
    if (options.progress && index % 256 == 0) options.progress(index);
  }
  if (index == 0) return Status::Corruption(path + ": no video frame could be decoded");
  out.length = index;
  if (out.key_frames.empty() && !options.force) return Refuse(path, kEmptyManifest);
  return out;
}

}  // namespace ingest
