#include "engine/ffmpeg_common.h"

extern "C" {
#include <libavutil/dict.h>
#include <libavutil/error.h>
#include <libavutil/log.h>
}

#include <cerrno>
#include <charconv>
#include <cmath>
#include <mutex>

namespace ingest::ffmpeg {

void SilenceLogsOnce() {
  static std::once_flag once;
  std::call_once(once, [] { av_log_set_level(AV_LOG_QUIET); });
}

Status FromAv(std::string_view prefix, std::string_view what, int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(err, buf, sizeof buf);
  std::string msg;
  if (!prefix.empty()) {
    msg += prefix;
    msg += ": ";
  }
  msg += what;
  msg += ": ";
  msg += buf;
  if (err == AVERROR(ENOENT) || err == AVERROR(ENOTDIR)) return Status::NotFound(msg);
  if (err == AVERROR(EACCES) || err == AVERROR(EIO) || err == AVERROR(EISDIR)) {
    return Status::IoError(msg);
  }
  return Status::Corruption(msg);
}

Result<std::optional<int64_t>> CvatRotateTag(const std::string& path, const AVStream* st) {
  const AVDictionaryEntry* tag = av_dict_get(st->metadata, "rotate", nullptr, AV_DICT_MATCH_CASE);
  if (tag == nullptr || tag->value[0] == '\0') return std::optional<int64_t>();
  std::string_view v = tag->value;
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  if (!v.empty() && v.front() == '+') v.remove_prefix(1);
  int64_t value = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
  if (v.empty() || ec != std::errc() || end != v.data() + v.size()) {
    std::string msg = path.empty() ? "" : path + ": ";
    return Status::Unsupported(msg + "rotate tag '" + tag->value + "' is not an integer");
  }
  return std::optional<int64_t>(value);
}

void CvatRotatedSize(int64_t rotate, int64_t* w, int64_t* h) {
  const double angle = static_cast<double>(360 - rotate) * (3.14159265358979323846 / 180);
  const double abs_cos = std::fabs(std::cos(angle));
  const double abs_sin = std::fabs(std::sin(angle));
  const double fw = static_cast<double>(*w);
  const double fh = static_cast<double>(*h);
  *w = static_cast<int64_t>(fh * abs_sin + fw * abs_cos);
  *h = static_cast<int64_t>(fh * abs_cos + fw * abs_sin);
}

}  // namespace ingest::ffmpeg
