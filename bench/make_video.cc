// make_video: writes a short MPEG-4 clip (moving gradient) for demos and benchmarks.
//   make_video FILE.mp4 [--frames N] [--width W] [--height H] [--fps F] [--gop G]
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>
}

namespace {

int Fail(const char* what, int err) {
  char buf[128];
  av_strerror(err, buf, sizeof(buf));
  std::fprintf(stderr, "make_video: %s: %s\n", what, buf);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: make_video FILE.mp4 [--frames N] [--width W] [--height H] "
                         "[--fps F] [--gop G]\n");
    return 2;
  }
  std::string path = argv[1];
  int frames = 120, width = 640, height = 360, fps = 25, gop = 25;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string_view k = argv[i];
    int v = std::atoi(argv[i + 1]);
    if (k == "--frames") frames = v;
    else if (k == "--width") width = v;
    else if (k == "--height") height = v;
    else if (k == "--fps") fps = v;
    else if (k == "--gop") gop = v;
    else {
      std::fprintf(stderr, "make_video: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  av_log_set_level(AV_LOG_ERROR);
  AVFormatContext* fmt = nullptr;
  int err = avformat_alloc_output_context2(&fmt, nullptr, nullptr, path.c_str());
  if (err < 0) return Fail("output format", err);
  const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_MPEG4);
  if (!codec) return Fail("no MPEG-4 encoder", AVERROR_ENCODER_NOT_FOUND);
  AVStream* st = avformat_new_stream(fmt, nullptr);
  AVCodecContext* c = avcodec_alloc_context3(codec);
  c->width = width;
  c->height = height;
  c->time_base = AVRational{1, fps};
  c->framerate = AVRational{fps, 1};
  c->gop_size = gop;
  c->max_b_frames = 0;
  c->pix_fmt = AV_PIX_FMT_YUV420P;
  c->bit_rate = 2000000;
  if (fmt->oformat->flags & AVFMT_GLOBALHEADER) c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  if ((err = avcodec_open2(c, codec, nullptr)) < 0) return Fail("open encoder", err);
  avcodec_parameters_from_context(st->codecpar, c);
  st->time_base = c->time_base;
  if ((err = avio_open(&fmt->pb, path.c_str(), AVIO_FLAG_WRITE)) < 0) return Fail("open file", err);
  if ((err = avformat_write_header(fmt, nullptr)) < 0) return Fail("write header", err);
  AVFrame* frame = av_frame_alloc();
  frame->format = c->pix_fmt;
  frame->width = width;
  frame->height = height;
  av_frame_get_buffer(frame, 0);
  AVPacket* pkt = av_packet_alloc();
  auto drain = [&](AVFrame* f) -> int {
    int e = avcodec_send_frame(c, f);
    if (e < 0) return e;
    while ((e = avcodec_receive_packet(c, pkt)) == 0) {
      av_packet_rescale_ts(pkt, c->time_base, st->time_base);
      pkt->stream_index = st->index;
      if ((e = av_interleaved_write_frame(fmt, pkt)) < 0) return e;
    }
    return e == AVERROR(EAGAIN) || e == AVERROR_EOF ? 0 : e;
  };
  for (int i = 0; i < frames; ++i) {
    av_frame_make_writable(frame);
    for (int y = 0; y < height; ++y) {
      for (int x = 0; x < width; ++x) {
        frame->data[0][y * frame->linesize[0] + x] = static_cast<uint8_t>(x + y + i * 3);
      }
    }
    for (int y = 0; y < height / 2; ++y) {
      for (int x = 0; x < width / 2; ++x) {
        frame->data[1][y * frame->linesize[1] + x] = static_cast<uint8_t>(128 + y + i * 2);
        frame->data[2][y * frame->linesize[2] + x] = static_cast<uint8_t>(64 + x + i * 5);
      }
    }
    frame->pts = i;
    if ((err = drain(frame)) < 0) return Fail("encode", err);
  }
  if ((err = drain(nullptr)) < 0) return Fail("flush", err);
  av_write_trailer(fmt);
  avio_closep(&fmt->pb);
  av_packet_free(&pkt);
  av_frame_free(&frame);
  avcodec_free_context(&c);
  avformat_free_context(fmt);
  std::printf("make_video: %d frames of %dx%d in %s\n", frames, width, height, path.c_str());
  return 0;
}
