// What the video code (video_probe, video_key_frames) shares over FFmpeg: error conversion,
// owning handles, the process-wide log silencing, and CVAT's rule for the size of a rotated
// video. Internal to engine/: the public headers never include FFmpeg's.
#ifndef INGEST_ENGINE_FFMPEG_COMMON_H_
#define INGEST_ENGINE_FFMPEG_COMMON_H_

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "engine/result.h"
#include "engine/status.h"

namespace ingest::ffmpeg {

// Sets FFmpeg's log level to quiet, once per process: libraries never print.
void SilenceLogsOnce();

// An FFmpeg error as a Status reading "<prefix>: <what>: <FFmpeg's text>" ("<what>: ..." when
// `prefix` is empty). ENOENT/ENOTDIR give NotFound, EACCES/EIO/EISDIR IoError, the rest
// Corruption.
Status FromAv(std::string_view prefix, std::string_view what, int err);

struct FormatCloser {
  void operator()(AVFormatContext* ctx) const noexcept { avformat_close_input(&ctx); }
};
struct CodecFree {
  void operator()(AVCodecContext* ctx) const noexcept { avcodec_free_context(&ctx); }
};
struct FrameFree {
  void operator()(AVFrame* f) const noexcept { av_frame_free(&f); }
};
struct PacketFree {
  void operator()(AVPacket* p) const noexcept { av_packet_free(&p); }
};
using FormatPtr = std::unique_ptr<AVFormatContext, FormatCloser>;
using CodecPtr = std::unique_ptr<AVCodecContext, CodecFree>;
using FramePtr = std::unique_ptr<AVFrame, FrameFree>;
using PacketPtr = std::unique_ptr<AVPacket, PacketFree>;

// The stream's metadata tag named exactly "rotate" as CVAT's tool reads it
// (`int(stream.metadata.get('rotate'))`: case-sensitive key, Python int() syntax: blanks
// around, an optional sign, decimal digits). Empty when there is no tag or it is empty (a
// falsy value). A display matrix is not a tag: FFmpeg 5.1's demuxers no longer export one
// for it, so CVAT keeps a rotated MP4's coded size. Unsupported "<path>: rotate tag '...' is
// not an integer" where Python's int() raises (no "<path>: " when `path` is empty).
Result<std::optional<int64_t>> CvatRotateTag(const std::string& path, const AVStream* st);

// The size CVAT's tool reports for a w x h frame whose stream has rotate tag `rotate`: OpenCV's
// bounding box of the frame turned by 360 - rotate degrees (getRotationMatrix2D and CVAT's
// rotate_image, the same double arithmetic, truncated as Python's int() does).
void CvatRotatedSize(int64_t rotate, int64_t* w, int64_t* h);

}  // namespace ingest::ffmpeg

#endif  // INGEST_ENGINE_FFMPEG_COMMON_H_
