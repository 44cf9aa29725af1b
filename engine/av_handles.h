// RAII for FFmpeg objects whose free functions take a pointer to the pointer (so CDeleter
// does not fit): demuxer inputs, codec contexts, frames and packets.
#ifndef INGEST_ENGINE_AV_HANDLES_H_
#define INGEST_ENGINE_AV_HANDLES_H_

#include <memory>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

namespace ingest {

struct AvInputCloser {
  void operator()(AVFormatContext* ctx) const noexcept { avformat_close_input(&ctx); }
};
struct AvCodecFree {
  void operator()(AVCodecContext* ctx) const noexcept { avcodec_free_context(&ctx); }
};
struct AvFrameFree {
  void operator()(AVFrame* frame) const noexcept { av_frame_free(&frame); }
};
struct AvPacketFree {
  void operator()(AVPacket* packet) const noexcept { av_packet_free(&packet); }
};

using AvInputPtr = std::unique_ptr<AVFormatContext, AvInputCloser>;  // avformat_open_input
using AvCodecPtr = std::unique_ptr<AVCodecContext, AvCodecFree>;
using AvFramePtr = std::unique_ptr<AVFrame, AvFrameFree>;
using AvPacketPtr = std::unique_ptr<AVPacket, AvPacketFree>;

}  // namespace ingest

#endif  // INGEST_ENGINE_AV_HANDLES_H_
