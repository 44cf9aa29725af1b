// FrameNameStream: pulls the frame names out of a GET /api/tasks/<id>/data/meta reply while it
// arrives, without holding the document: the reply for a million frames is ~100 MB of JSON and
// a DOM of it several times that. Only what the check needs is kept: the current string.
//
// It walks the JSON text with a small state machine (containers, keys, strings with escapes)
// and reports every string value of key "name" inside the objects of the top-level "frames"
// array, in order. Its memory is bounded whatever the reply: containers nest at most
// kMaxDepth deep and a string holds at most kMaxString bytes (Corruption past either).
#ifndef INGEST_UPLOAD_FRAME_NAMES_H_
#define INGEST_UPLOAD_FRAME_NAMES_H_

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/status.h"

namespace ingest::upload {

class FrameNameStream {
 public:
  // CVAT's data/meta nests 4 deep; a frame name is a path of at most a few KiB.
  static constexpr size_t kMaxDepth = 64;
  static constexpr size_t kMaxString = 64 << 10;

  using Visit = std::function<Status(size_t index, std::string_view name)>;
  explicit FrameNameStream(Visit visit) : visit_(std::move(visit)) {}

  // Consumes the next bytes of the reply. Stops with the first error `visit` returns, or
  // Corruption when the text is not JSON.
  Status Feed(std::string_view chunk);
  // Corruption when the document is incomplete or has no "frames" list.
  Status Finish() const;

  size_t count() const { return count_; }

 private:
  enum class Ctx : char { kObject, kArray };
  Status OnString();  // a complete string token in str_
  Status Bad(const char* what) const;

  Visit visit_;
  std::vector<Ctx> stack_;
  std::vector<std::string> keys_;  // per object level: its current key
  bool expect_key_ = false;        // inside an object, before a key
  bool in_string_ = false;
  bool escape_ = false;
  int unicode_left_ = 0;           // hex digits still expected after \u
  char32_t unicode_ = 0;
  char32_t high_surrogate_ = 0;
  std::string str_;
  bool saw_frames_ = false;
  bool done_ = false;
  size_t count_ = 0;
};

}  // namespace ingest::upload

#endif  // INGEST_UPLOAD_FRAME_NAMES_H_
