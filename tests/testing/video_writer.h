// Short video clips for tests, encoded at run time with libavcodec/libavformat.
#ifndef INGEST_TESTS_TESTING_VIDEO_WRITER_H_
#define INGEST_TESTS_TESTING_VIDEO_WRITER_H_

#include <functional>
#include <string>

struct AVFrame;

namespace ingest::testing {

struct VideoSpec {
  int width = 64;
  int height = 48;
  int frames = 10;
  int fps = 25;
  std::string codec = "mpeg4";  // an FFmpeg encoder name: "mpeg4", "mjpeg", ...
  int rotation = 0;             // clockwise degrees stored as a display matrix (MP4)
  int gop_size = 5;             // at most this many frames from one key frame to the next
  int max_b_frames = 0;         // B-frames between references (encoders that have them)
  // false: each frame one flat grey. true: a moving gradient, so that frames differ in every
  // pixel and colour conversion is exercised (chroma is not flat either).
  bool textured = false;
  // One stream metadata tag written as given, e.g. {"rotate", "90"} ("" key: none).
  std::string tag_key{};
  std::string tag_value{};
};

// Writes a clip to `path`; the container follows the extension (.mp4, .avi, .mkv, .webm).
// Encoders run single-threaded with FFmpeg's bitexact flags, so the same libraries give the
// same bytes on every machine (goldens made from these clips stay valid). Returns false (and adds a test failure naming the step) when FFmpeg refuses.
bool WriteVideo(const std::string& path, const VideoSpec& spec);

// The plain reference decode for tests and benchmarks, independent of the engine's video
// code: demux `path`, decode its best video stream with `threads` decoder threads (0: FFmpeg
// picks) in one send/receive pass, and call `visit` with every frame in output order.
// Returns false when the file cannot be opened or decoded.
bool ForEachDecodedFrame(const std::string& path, int threads,
                         const std::function<void(const AVFrame&)>& visit);

// A valid WAV file with `samples` samples of 16-bit mono silence: media with no video.
std::string WriteWav(int samples);

}  // namespace ingest::testing

#endif  // INGEST_TESTS_TESTING_VIDEO_WRITER_H_
