// The FFmpeg pieces video_key_frames is made of: a demuxer + decoder of a file's first video
// stream, the RGB24 md5 of a frame as PyAV computes it, and a comparison of decoded planes.
// Internal to engine/.
#ifndef INGEST_ENGINE_VIDEO_STREAM_DECODER_H_
#define INGEST_ENGINE_VIDEO_STREAM_DECODER_H_

extern "C" {
#include <libswscale/swscale.h>
}

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "engine/c_handle.h"
#include "engine/ffmpeg_common.h"
#include "engine/md5_lanes.h"
#include "engine/result.h"
#include "engine/status.h"
#include "engine/video_key_frames.h"

namespace ingest::video {

// AV_NOPTS_VALUE as "no timestamp" (Python's None in PyAV).
inline std::optional<int64_t> Timestamp(int64_t t) {
  return t == AV_NOPTS_VALUE ? std::nullopt : std::optional<int64_t>(t);
}

// One demuxer and one decoder of the first video stream (cover art included, as PyAV's
// `streams` filter); frames come out one at a time. Errors name the file.
class StreamDecoder {
 public:
  // kFramesAndSlices: FFmpeg's frame and slice threads, one per core (throughput); kSlices:
  // slice threads only, so the first frame after a seek comes out of the first packets
  // (latency); kOne: no threads (a decoder among many running in parallel already).
  enum class Threads { kOne, kSlices, kFramesAndSlices };
  Status Open(const std::string& path, Threads threads);

  // REQUIRES: Open succeeded.
  const AVStream* stream() const { return fmt_->streams[index_]; }

  // The next decoded frame, nullptr after the last. The frame is valid until the next call.
  Result<AVFrame*> Next();

  // Seeks to the key frame at or before `pts` and drops what the decoder holds.
  Status Seek(int64_t pts);

 private:
  // Sends the stream's next packet, or the flush at the end of the file.
  Status SendNextPacket();

  std::string path_;
  ffmpeg::FormatPtr fmt_;
  ffmpeg::CodecPtr dec_;
  ffmpeg::PacketPtr pkt_;
  ffmpeg::FramePtr frame_;
  int index_ = -1;
};

// A frame converted to RGB24 as PyAV's VideoFrame.to_image() makes it (swscale into a buffer
// allocated as PyAV allocates it), its rows then packed: bytes() is what tobytes() returns.
class RgbImage {
 public:
  RgbImage() = default;
  ~RgbImage();
  RgbImage(const RgbImage&) = delete;
  RgbImage& operator=(const RgbImage&) = delete;

  std::span<const uint8_t> bytes() const {
    return {data_[0], static_cast<size_t>(width_) * 3 * static_cast<size_t>(height_)};
  }

 private:
  friend class RgbConverter;
  uint8_t* data_[4] = {};
  int stride_[4] = {};
  int width_ = 0;
  int height_ = 0;
};

// Converts frames to RgbImage, keeping its swscale context from one frame to the next.
class RgbConverter {
 public:
  // Errors: Unsupported when swscale cannot convert the frame's format; Internal.
  Status Convert(const AVFrame* f, RgbImage* out);

 private:
  std::unique_ptr<SwsContext, CDeleter<&sws_freeContext>> sws_;
};

// The md5 of a frame converted to RGB24 (PyAV's md5 of to_image().tobytes()), one frame at a
// time.
class RgbMd5 {
 public:
  Status Hash(const AVFrame* f, Md5Hex* out);

 private:
  RgbConverter converter_;
  RgbImage image_;
};

// Lower-case hex of a digest.
Md5Hex HexOf(const Md5Digest& digest);

// True when `a` and `b` hold the same visible samples in the same format and size (all that a
// conversion reads). False when they differ or the format cannot be compared this way
// (hardware and bitstream formats): the caller then compares converted pixels.
bool SamePixels(const AVFrame* a, const AVFrame* b);

}  // namespace ingest::video

#endif  // INGEST_ENGINE_VIDEO_STREAM_DECODER_H_
