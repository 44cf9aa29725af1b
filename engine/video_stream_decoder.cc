#include "engine/video_stream_decoder.h"

extern "C" {
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
}

#include <cstring>

namespace ingest::video {

using ffmpeg::FromAv;

Status StreamDecoder::Open(const std::string& path, Threads threads) {
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
  dec_->thread_count = threads == Threads::kOne ? 1 : 0;  // 0: one per core
  dec_->thread_type = threads == Threads::kFramesAndSlices ? FF_THREAD_FRAME | FF_THREAD_SLICE
                                                          : FF_THREAD_SLICE;
  err = avcodec_open2(dec_.get(), codec, nullptr);
  if (err < 0) return FromAv(path, "open decoder", err);
  return Status::Ok();
}

Result<AVFrame*> StreamDecoder::Next() {
  for (;;) {
    int err = avcodec_receive_frame(dec_.get(), frame_.get());
    if (err >= 0) return frame_.get();
    if (err == AVERROR_EOF) return static_cast<AVFrame*>(nullptr);
    if (err != AVERROR(EAGAIN)) return FromAv(path_, "decode", err);
    INGEST_RETURN_IF_ERROR(SendNextPacket());
  }
}

Status StreamDecoder::Seek(int64_t pts) {
  int err = av_seek_frame(fmt_.get(), index_, pts, AVSEEK_FLAG_BACKWARD);
  if (err < 0) return FromAv(path_, "seek to pts " + std::to_string(pts), err);
  avcodec_flush_buffers(dec_.get());
  return Status::Ok();
}

Status StreamDecoder::SendNextPacket() {
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

RgbImage::~RgbImage() {
  if (data_[0] != nullptr) av_freep(&data_[0]);
}

Status RgbConverter::Convert(const AVFrame* f, RgbImage* out) {
  if (f->width != out->width_ || f->height != out->height_ || out->data_[0] == nullptr) {
    if (out->data_[0] != nullptr) av_freep(&out->data_[0]);
    out->width_ = out->height_ = 0;
    // PyAV allocates its output frame with av_image_alloc, 16-byte alignment.
    if (av_image_alloc(out->data_, out->stride_, f->width, f->height, AV_PIX_FMT_RGB24, 16) < 0) {
      return Status::Internal("av_image_alloc failed");
    }
    out->width_ = f->width;
    out->height_ = f->height;
  }
  const auto format = static_cast<AVPixelFormat>(f->format);
  const size_t row_bytes = static_cast<size_t>(f->width) * 3;
  uint8_t* dst = out->data_[0];
  if (format == AV_PIX_FMT_RGB24) {
    // Hashed as it is (no conversion): its rows, packed.
    for (int y = 0; y < f->height; ++y) {
      std::memcpy(dst + row_bytes * static_cast<size_t>(y),
                  f->data[0] + static_cast<ptrdiff_t>(y) * f->linesize[0], row_bytes);
    }
    return Status::Ok();
  }
  sws_.reset(sws_getCachedContext(sws_.release(), f->width, f->height, format, f->width, f->height,
                                  AV_PIX_FMT_RGB24, SWS_BILINEAR, nullptr, nullptr, nullptr));
  if (!sws_) return Status::Unsupported("cannot convert pixel format to RGB24");
  sws_scale(sws_.get(), f->data, f->linesize, 0, f->height, out->data_, out->stride_);
  // Pack the rows in place: row y moves from y * stride to y * width * 3 (never forward).
  const size_t stride = static_cast<size_t>(out->stride_[0]);
  if (stride != row_bytes) {
    for (int y = 1; y < f->height; ++y) {
      std::memmove(dst + row_bytes * static_cast<size_t>(y), dst + stride * static_cast<size_t>(y),
                   row_bytes);
    }
  }
  return Status::Ok();
}

Md5Hex HexOf(const Md5Digest& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  Md5Hex out;
  for (unsigned i = 0; i < 16; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 15];
  }
  return out;
}

Status RgbMd5::Hash(const AVFrame* f, Md5Hex* out) {
  INGEST_RETURN_IF_ERROR(converter_.Convert(f, &image_));
  const std::span<const uint8_t> in[1] = {image_.bytes()};
  Md5Digest digest;
  Md5Many(in, std::span<Md5Digest>(&digest, 1));
  *out = HexOf(digest);
  return Status::Ok();
}

bool SamePixels(const AVFrame* a, const AVFrame* b) {
  if (a->format != b->format || a->width != b->width || a->height != b->height) return false;
  const auto format = static_cast<AVPixelFormat>(a->format);
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(format);
  if (desc == nullptr || (desc->flags & (AV_PIX_FMT_FLAG_HWACCEL | AV_PIX_FMT_FLAG_BITSTREAM))) {
    return false;
  }
  const bool palette = (desc->flags & AV_PIX_FMT_FLAG_PAL) != 0;
  const int planes = palette ? 1 : av_pix_fmt_count_planes(format);
  for (int p = 0; p < planes; ++p) {
    const int row_bytes = av_image_get_linesize(format, a->width, p);
    if (row_bytes <= 0) return false;
    // As av_image_copy: planes 1 and 2 are the subsampled chroma ones.
    const int rows = p == 1 || p == 2 ? AV_CEIL_RSHIFT(a->height, desc->log2_chroma_h) : a->height;
    for (int y = 0; y < rows; ++y) {
      if (std::memcmp(a->data[p] + static_cast<ptrdiff_t>(y) * a->linesize[p],
                      b->data[p] + static_cast<ptrdiff_t>(y) * b->linesize[p],
                      static_cast<size_t>(row_bytes)) != 0) {
        return false;
      }
    }
  }
  return !palette || std::memcmp(a->data[1], b->data[1], AVPALETTE_SIZE) == 0;
}

}  // namespace ingest::video
