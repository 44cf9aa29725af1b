#include "engine/video_probe.h"

extern "C" {
#include <libavutil/avutil.h>
#include <libavutil/display.h>
}

#include <cmath>
#include <cstdlib>

#include "engine/ffmpeg_common.h"

namespace ingest {
namespace {

// Clockwise rotation in whole degrees [0, 360): the display matrix when present, else the
// legacy "rotate" tag (older muxers and demuxers). What a player shows; not what CVAT uses.
int StreamRotation(const AVStream* st) {
  size_t size = 0;
  const uint8_t* matrix = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, &size);
  double degrees = 0;
  if (matrix != nullptr && size >= 9 * sizeof(int32_t)) {
    // av_display_rotation_get is counter-clockwise.
    degrees = -av_display_rotation_get(reinterpret_cast<const int32_t*>(matrix));
    if (std::isnan(degrees)) degrees = 0;
  } else if (const AVDictionaryEntry* tag = av_dict_get(st->metadata, "rotate", nullptr, 0)) {
    degrees = std::strtod(tag->value, nullptr);
  }
  long r = std::lround(degrees) % 360;
  return static_cast<int>(r < 0 ? r + 360 : r);
}

}  // namespace

Result<VideoInfo> ProbeVideo(const std::string& path) {
  ffmpeg::SilenceLogsOnce();
  AVFormatContext* raw = nullptr;
  int err = avformat_open_input(&raw, path.c_str(), nullptr, nullptr);
  if (err < 0) return ffmpeg::FromAv("", "open", err);
  ffmpeg::FormatPtr fmt(raw);
  err = avformat_find_stream_info(fmt.get(), nullptr);
  if (err < 0) return ffmpeg::FromAv("", "cannot read stream info", err);

  int index = -1;
  for (unsigned i = 0; i < fmt->nb_streams; ++i) {
    const AVStream* st = fmt->streams[i];
    if (st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO &&
        (st->disposition & AV_DISPOSITION_ATTACHED_PIC) == 0) {
      index = static_cast<int>(i);
      break;
    }
  }
  if (index < 0) return Status::Unsupported("no video stream");
  const AVStream* st = fmt->streams[index];
  const AVCodecParameters* par = st->codecpar;
  if (par->width <= 0 || par->height <= 0) {
    return Status::Corruption("video stream has no frame size");
  }

  VideoInfo info;
  // The size CVAT's manifest gives: only a literal "rotate" tag turns it. A tag that is not
  // an integer stops CVAT's tool; a probe reports the coded size (uploads do not depend on it).
  int64_t width = par->width;
  int64_t height = par->height;
  Result<std::optional<int64_t>> rotate = ffmpeg::CvatRotateTag("", st);
  if (rotate && *rotate) ffmpeg::CvatRotatedSize(**rotate, &width, &height);
  info.width = static_cast<uint32_t>(width);
  info.height = static_cast<uint32_t>(height);
  info.rotation = StreamRotation(st);
  info.codec = avcodec_get_name(par->codec_id);
  if (st->duration != AV_NOPTS_VALUE && st->duration > 0) {
    info.duration = static_cast<double>(st->duration) * av_q2d(st->time_base);
  } else if (fmt->duration != AV_NOPTS_VALUE && fmt->duration > 0) {
    info.duration = static_cast<double>(fmt->duration) / AV_TIME_BASE;
  }

  if (st->nb_frames > 0) {
    info.frame_count = static_cast<uint64_t>(st->nb_frames);
    info.frame_count_from_header = true;
    return info;
  }
  // Count the stream's packets; every other stream is discarded by the demuxer.
  for (unsigned i = 0; i < fmt->nb_streams; ++i) {
    if (static_cast<int>(i) != index) fmt->streams[i]->discard = AVDISCARD_ALL;
  }
  ffmpeg::PacketPtr pkt(av_packet_alloc());
  if (!pkt) return Status::Internal("av_packet_alloc failed");
  while ((err = av_read_frame(fmt.get(), pkt.get())) >= 0) {
    if (pkt->stream_index == index) ++info.frame_count;
    av_packet_unref(pkt.get());
  }
  if (err != AVERROR_EOF) return ffmpeg::FromAv("", "read packets", err);
  return info;
}

}  // namespace ingest
