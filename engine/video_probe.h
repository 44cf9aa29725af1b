// Video properties through FFmpeg (libavformat), as CVAT's manifest needs them: the size of
// the first video stream as displayed, its frame count, duration and codec.
//
// Kept small on purpose: key-frame manifests (which decode) will build on the same open
// and stream choice later.
#ifndef INGEST_ENGINE_VIDEO_PROBE_H_
#define INGEST_ENGINE_VIDEO_PROBE_H_

#include <cstdint>
#include <string>

#include "engine/result.h"

namespace ingest {

struct VideoInfo {
  // The resolution CVAT's manifest tool reports (FFmpeg 5.1 + PyAV): the coded size, turned
  // only by a stream tag named exactly "rotate" (to OpenCV's bounding box, so 90 and 270 swap
  // the sides). A display matrix (rotated MP4 from phones) leaves the coded size, as in CVAT.
  uint32_t width = 0;
  uint32_t height = 0;
  // The stream's nb_frames when the container records it, else the number of packets of
  // the stream found by demuxing the whole file (no decoding).
  uint64_t frame_count = 0;
  bool frame_count_from_header = false;
  double duration = 0;  // seconds: the stream's duration, else the container's, else 0
  int rotation = 0;     // degrees clockwise in [0, 360) a player applies: display matrix, else tag
  std::string codec;    // FFmpeg's short codec name, e.g. "h264", "mpeg4", "mjpeg"
};

// Probes the video file at `path`. Uses the first video stream that is not an attached
// picture (cover art). FFmpeg's own logging is silenced (process-wide, once) so the library
// never prints. Errors: NotFound / IoError when the file cannot be opened, Corruption when
// FFmpeg cannot read it ("cannot read stream info: ..."), Unsupported "no video stream".
Result<VideoInfo> ProbeVideo(const std::string& path);

}  // namespace ingest

#endif  // INGEST_ENGINE_VIDEO_PROBE_H_
