#include "tests/testing/video_writer.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/log.h>
}

#include <cstddef>
#include <cstdint>
#include <cstring>

#include <gtest/gtest.h>

namespace ingest::testing {
namespace {

// Owns everything one encode needs; the destructor frees it in a safe order.
struct Encode {
  AVFormatContext* out = nullptr;
  AVCodecContext* enc = nullptr;
  AVFrame* frame = nullptr;
  AVPacket* pkt = nullptr;
  ~Encode() {
    av_packet_free(&pkt);
    av_frame_free(&frame);
    avcodec_free_context(&enc);
    if (out != nullptr) {
      if (out->pb != nullptr) avio_closep(&out->pb);
      avformat_free_context(out);
    }
  }
};

bool Fail(const char* step, int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(err, buf, sizeof buf);
  ADD_FAILURE() << "WriteVideo: " << step << ": " << buf;
  return false;
}

// Sends `frame` (nullptr flushes) and writes every packet the encoder returns.
bool Drain(Encode& e, AVStream* st, AVFrame* frame) {
  int err = avcodec_send_frame(e.enc, frame);
  if (err < 0) return Fail("send frame", err);
  while ((err = avcodec_receive_packet(e.enc, e.pkt)) >= 0) {
    av_packet_rescale_ts(e.pkt, e.enc->time_base, st->time_base);
    e.pkt->stream_index = st->index;
    err = av_interleaved_write_frame(e.out, e.pkt);
    if (err < 0) return Fail("write packet", err);
  }
  return err == AVERROR(EAGAIN) || err == AVERROR_EOF ? true : Fail("receive packet", err);
}

}  // namespace

bool WriteVideo(const std::string& path, const VideoSpec& spec) {
  av_log_set_level(AV_LOG_QUIET);
  Encode e;
  int err = avformat_alloc_output_context2(&e.out, nullptr, nullptr, path.c_str());
  if (err < 0) return Fail("output context", err);
  const AVCodec* codec = avcodec_find_encoder_by_name(spec.codec.c_str());
  if (codec == nullptr) return Fail("find encoder", AVERROR_ENCODER_NOT_FOUND);
  AVStream* st = avformat_new_stream(e.out, nullptr);
  e.enc = avcodec_alloc_context3(codec);
  e.enc->width = spec.width;
  e.enc->height = spec.height;
  e.enc->time_base = AVRational{1, spec.fps};
  e.enc->framerate = AVRational{spec.fps, 1};
  e.enc->gop_size = spec.gop_size;
  e.enc->max_b_frames = spec.max_b_frames;
  e.enc->thread_count = 1;  // x264 and libvpx split work differently per thread count
  e.enc->flags |= AV_CODEC_FLAG_BITEXACT;
  e.enc->pix_fmt = codec->id == AV_CODEC_ID_MJPEG ? AV_PIX_FMT_YUVJ420P : AV_PIX_FMT_YUV420P;
  if (e.out->oformat->flags & AVFMT_GLOBALHEADER) e.enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  if ((err = avcodec_open2(e.enc, codec, nullptr)) < 0) return Fail("open encoder", err);
  if ((err = avcodec_parameters_from_context(st->codecpar, e.enc)) < 0) {
    return Fail("stream parameters", err);
  }
  st->time_base = e.enc->time_base;
  if (spec.rotation != 0) {
    auto* matrix = reinterpret_cast<int32_t*>(
        av_stream_new_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, 9 * sizeof(int32_t)));
    if (matrix == nullptr) return Fail("display matrix", AVERROR(ENOMEM));
    // FFmpeg 5.1: _set takes a clockwise angle, _get returns a counter-clockwise one.
    av_display_rotation_set(matrix, spec.rotation);
  }
  if (!spec.tag_key.empty()) {
    av_dict_set(&st->metadata, spec.tag_key.c_str(), spec.tag_value.c_str(), 0);
  }
  e.out->flags |= AVFMT_FLAG_BITEXACT;  // no library version strings in the file
  if ((err = avio_open(&e.out->pb, path.c_str(), AVIO_FLAG_WRITE)) < 0) return Fail("open", err);
  if ((err = avformat_write_header(e.out, nullptr)) < 0) return Fail("write header", err);

  e.frame = av_frame_alloc();
  e.pkt = av_packet_alloc();
  e.frame->format = e.enc->pix_fmt;
  e.frame->width = spec.width;
  e.frame->height = spec.height;
  if ((err = av_frame_get_buffer(e.frame, 0)) < 0) return Fail("frame buffer", err);
  for (int i = 0; i < spec.frames; ++i) {
    if ((err = av_frame_make_writable(e.frame)) < 0) return Fail("frame writable", err);
    for (int plane = 0; plane < 3; ++plane) {
      int rows = plane == 0 ? spec.height : (spec.height + 1) / 2;
      int cols = plane == 0 ? spec.width : (spec.width + 1) / 2;
      uint8_t* data = e.frame->data[plane];
      int stride = e.frame->linesize[plane];
      if (!spec.textured) {
        int value = plane == 0 ? (i * 20) % 256 : 128;  // each frame a different grey
        std::memset(data, value, static_cast<size_t>(stride) * rows);
        continue;
      }
      for (int y = 0; y < rows; ++y) {
        for (int x = 0; x < cols; ++x) {
          int v = plane == 0 ? x * 3 + y * 2 + i * 7 : (plane == 1 ? x * 4 + i * 3 : y * 4 + i * 5);
          data[static_cast<ptrdiff_t>(y) * stride + x] = static_cast<uint8_t>(v & 0xff);
        }
      }
    }
    e.frame->pts = i;
    if (!Drain(e, st, e.frame)) return false;
  }
  if (!Drain(e, st, nullptr)) return false;
  if ((err = av_write_trailer(e.out)) < 0) return Fail("write trailer", err);
  return true;
}

std::string WriteWav(int samples) {
  auto put32 = [](std::string* s, uint32_t v) {
    for (int i = 0; i < 4; ++i) s->push_back(static_cast<char>(v >> (8 * i)));
  };
  auto put16 = [](std::string* s, uint16_t v) {
    s->push_back(static_cast<char>(v));
    s->push_back(static_cast<char>(v >> 8));
  };
  uint32_t data = static_cast<uint32_t>(samples) * 2;
  std::string w = "RIFF";
  put32(&w, 36 + data);
  w += "WAVEfmt ";
  put32(&w, 16);
  put16(&w, 1);  // PCM
  put16(&w, 1);  // mono
  put32(&w, 8000);
  put32(&w, 16000);
  put16(&w, 2);
  put16(&w, 16);
  w += "data";
  put32(&w, data);
  w.append(data, '\0');
  return w;
}

bool ForEachDecodedFrame(const std::string& path, int threads,
                         const std::function<void(const AVFrame&)>& visit) {
  AVFormatContext* fmt = nullptr;
  if (avformat_open_input(&fmt, path.c_str(), nullptr, nullptr) != 0) return false;
  bool ok = avformat_find_stream_info(fmt, nullptr) >= 0;
  int index = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  const AVCodec* codec =
      index >= 0 ? avcodec_find_decoder(fmt->streams[index]->codecpar->codec_id) : nullptr;
  AVCodecContext* dec = avcodec_alloc_context3(codec);
  if (codec == nullptr || dec == nullptr ||
      avcodec_parameters_to_context(dec, fmt->streams[index]->codecpar) < 0) {
    ok = false;
  } else {
    dec->thread_count = threads;
    if (threads != 1) dec->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
    ok = ok && avcodec_open2(dec, codec, nullptr) == 0;
  }
  AVPacket* pkt = av_packet_alloc();
  AVFrame* frame = av_frame_alloc();
  auto drain = [&] {
    while (avcodec_receive_frame(dec, frame) == 0) visit(*frame);
  };
  while (ok && av_read_frame(fmt, pkt) >= 0) {
    if (pkt->stream_index == index) {
      avcodec_send_packet(dec, pkt);
      drain();
    }
    av_packet_unref(pkt);
  }
  if (ok) {
    avcodec_send_packet(dec, nullptr);
    drain();
  }
  av_frame_free(&frame);
  av_packet_free(&pkt);
  avcodec_free_context(&dec);
  avformat_close_input(&fmt);
  return ok;
}

}  // namespace ingest::testing
