// The key frames of a video as CVAT's manifest tool finds them (utils/dataset_manifest/core.py,
// VideoStreamReader), with FFmpeg: what a video manifest is made of.
//
// CVAT decodes the first video stream from start to end. The first decoded frame must be an
// I frame; frame PTS and DTS must strictly increase. For each frame the decoder flags as a key
// frame it computes the md5 of the frame converted to packed RGB24, seeks a second demuxer to
// that PTS (backward, on the stream) and decodes one frame: the key frame is kept only if that
// frame has the same PTS and md5. The resolution is that of the first decoded frame (rotated
// when the stream carries a "rotate" tag), the length the number of decoded frames. A video
// with too few usable key frames (frames / key frames >= 3 * chunk_size + 1 at any point) is
// refused unless forced.
//
// Here the main pass decodes with FFmpeg's frame and slice threads; the checks run on their
// own threads, each with a second demuxer and decoder that stays open and seeks, so no key
// frame costs more than one short decode, one RGB conversion and one md5 (the seek-landed
// frame's planes are compared before conversion). The byte output of a manifest made from
// this equals CVAT's tool with the same FFmpeg libraries.
#ifndef INGEST_ENGINE_VIDEO_KEY_FRAMES_H_
#define INGEST_ENGINE_VIDEO_KEY_FRAMES_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/result.h"
#include "engine/status.h"

namespace ingest {

// md5 of a frame as lowercase hex (32 characters, no terminator).
using Md5Hex = std::array<char, 32>;

inline std::string_view Md5View(const Md5Hex& md5) { return {md5.data(), md5.size()}; }

struct VideoKeyFrame {
  int64_t number = 0;  // index of the frame in decoding-output order, from 0
  int64_t pts = 0;     // in the stream's time base
  Md5Hex md5{};        // of the frame converted to packed RGB24 (sws, bilinear, BT.601)
};

struct VideoKeyFrames {
  int64_t width = 0;   // of the first decoded frame, after a "rotate" tag
  int64_t height = 0;
  int64_t length = 0;  // decoded frames
  std::vector<VideoKeyFrame> key_frames;  // the usable ones, in order
  int64_t flagged_key_frames = 0;         // frames flagged key, usable or not
};

struct VideoKeyFrameOptions {
  int64_t chunk_size = 36;  // CVAT's default; the bound is 3 * chunk_size + 1 frames per key frame
  bool force = false;       // create.py --force: no key frame bound, an empty list is fine
  // Called every few hundred frames with the number decoded so far. May be empty.
  std::function<void(int64_t frames)> progress{};
  // When set and true, the walk stops with kCancelled.
  const std::atomic<bool>* cancel = nullptr;
};

// CVAT's reasons, word for word, for the refusals its tool reports.
inline constexpr std::string_view kFirstFrameNotKey = "The first frame is not a key frame";
inline constexpr std::string_view kPtsNotIncreasing =
    "Detected non-increasing PTS sequence in the video";
inline constexpr std::string_view kDtsNotIncreasing =
    "Detected non-increasing DTS sequence in the video";
inline constexpr std::string_view kTooFewKeyFrames =
    "The number of keyframes is not enough for smooth iteration over the video";
inline constexpr std::string_view kEmptyManifest = "Empty manifest file has been created";

// Walks the video at `path` as above. Errors name the file:
//   kNotFound / kIoError   the file cannot be opened;
//   kUnsupported           no video stream, or CVAT would refuse the video: "<path>: <reason>"
//                          with one of the reasons above (kTooFewKeyFrames and kEmptyManifest
//                          only without options.force);
//   kCorruption            FFmpeg cannot demux or decode it ("<path>: decode: ...");
//   kCancelled             options.cancel was set.
Result<VideoKeyFrames> ReadVideoKeyFrames(const std::string& path,
                                          const VideoKeyFrameOptions& options);

// True when `status` is ReadVideoKeyFrames' refusal for too few key frames (or none usable),
// which --force overrides.
bool IsKeyFrameShortage(const Status& status);

// What one seek lands on: the first frame decoded after seeking to a PTS.
struct SeekLanding {
  bool found = false;               // false: nothing decodes after that point
  std::optional<int64_t> pts;       // the landed frame's pts, if it has one
  Md5Hex md5{};                     // set when asked for and pts is the one sought
};

// A demuxer and decoder of the first video stream that seek as CVAT's tool and its server's
// VideoManifestValidator do (av_seek_frame with AVSEEK_FLAG_BACKWARD on the stream, then a
// decoder flush). Not thread-safe; one per thread.
class VideoSeeker {
 public:
  static Result<std::unique_ptr<VideoSeeker>> Open(const std::string& path);
  ~VideoSeeker();
  VideoSeeker(const VideoSeeker&) = delete;
  VideoSeeker& operator=(const VideoSeeker&) = delete;

  // Seeks to `pts` (stream time base) and decodes the first frame there; with `want_md5`,
  // also its RGB24 md5 when its pts is `pts` (a frame elsewhere cannot match anyway).
  // Errors: the seek or the decode failed.
  Result<SeekLanding> SeekAndDecode(int64_t pts, bool want_md5);

 private:
  struct Impl;
  explicit VideoSeeker(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ingest

#endif  // INGEST_ENGINE_VIDEO_KEY_FRAMES_H_
