#include "tests/testing/video_clips.h"

extern "C" {
#include <libavcodec/avcodec.h>
}

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>

#include <gtest/gtest.h>

namespace ingest::testing {
namespace {

// Sizes that are not multiples of 16 on purpose: swscale picks other code paths for them.
const VideoClip kClips[] = {
    {"h264_gop10.mp4",
     {.width = 90, .height = 50, .frames = 60, .codec = "libx264", .gop_size = 10,
      .textured = true}},
    {"h264_bframes.mp4",
     {.width = 96, .height = 64, .frames = 75, .codec = "libx264", .gop_size = 25,
      .max_b_frames = 3, .textured = true}},
    {"h264_rotated.mp4",
     {.width = 90, .height = 50, .frames = 20, .codec = "libx264", .rotation = 90,
      .gop_size = 8, .textured = true}},
    {"mpeg4_bframes.mp4",
     {.width = 90, .height = 50, .frames = 50, .codec = "mpeg4", .gop_size = 12,
      .max_b_frames = 2, .textured = true}},
    {"mpeg4_gop7.mkv",
     {.width = 72, .height = 40, .frames = 30, .codec = "mpeg4", .gop_size = 7,
      .textured = true}},
    {"mpeg4_rotate_tag.mkv",
     {.width = 90, .height = 50, .frames = 20, .codec = "mpeg4", .gop_size = 10,
      .textured = true, .tag_key = "rotate", .tag_value = "90"},
     true},
    {"mpeg4_rotate_tag30.mkv",
     {.width = 90, .height = 50, .frames = 10, .codec = "mpeg4", .gop_size = 5,
      .textured = true, .tag_key = "rotate", .tag_value = "30"},
     true},
    {"vp8.webm",
     {.width = 90, .height = 50, .frames = 40, .codec = "libvpx", .gop_size = 10,
      .textured = true}},
    {"vp9.webm",
     {.width = 64, .height = 48, .frames = 40, .codec = "libvpx-vp9", .gop_size = 8,
      .textured = true}},
    {"mjpeg.avi",
     {.width = 80, .height = 48, .frames = 12, .codec = "mjpeg", .textured = true}},
    {"mpeg4_too_few_keys.mp4",
     {.width = 64, .height = 48, .frames = 120, .codec = "mpeg4", .gop_size = 600,
      .textured = true},
     false, true},
};

}  // namespace

std::span<const VideoClip> GoldenVideoClips() { return kClips; }

bool HaveEncoder(const VideoClip& clip) {
  return avcodec_find_encoder_by_name(clip.spec.codec.c_str()) != nullptr;
}

bool WriteClip(const std::string& dir, const VideoClip& clip) {
  std::string path = dir + "/" + clip.name;
  if (!WriteVideo(path, clip.spec)) return false;
  if (!clip.lowercase_tag) return true;
  std::string upper = clip.spec.tag_key;
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  size_t at = bytes.find(upper);
  if (at == std::string::npos) {
    ADD_FAILURE() << path << ": tag " << upper << " not found";
    return false;
  }
  f.seekp(static_cast<std::streamoff>(at));
  f.write(clip.spec.tag_key.data(), static_cast<std::streamsize>(clip.spec.tag_key.size()));
  return static_cast<bool>(f);
}

std::string FileMd5(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &len, EVP_md5(), nullptr);
  std::string hex;
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned i = 0; i < len; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 15]);
  }
  return hex;
}

}  // namespace ingest::testing
