#include "upload/frame_names.h"

#include "engine/path_text.h"

namespace ingest::upload {

Status FrameNameStream::Bad(const char* what) const {
  return Status::Corruption(std::string("data/meta reply: ") + what);
}

Status FrameNameStream::OnString() {
  if (!stack_.empty() && stack_.back() == Ctx::kObject && expect_key_) {
    keys_.back() = str_;
    expect_key_ = false;
    return Status();
  }
  // A value: is it frames[i].name? (depth 3: top object, "frames" array, frame object)
  if (stack_.size() == 3 && stack_[0] == Ctx::kObject && keys_[0] == "frames" &&
      stack_[1] == Ctx::kArray && stack_[2] == Ctx::kObject && keys_[2] == "name") {
    INGEST_RETURN_IF_ERROR(visit_(count_, str_));
    ++count_;
  }
  return Status();
}

Status FrameNameStream::Feed(std::string_view chunk) {
  for (char ch : chunk) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (in_string_) {
      // Every byte of a string adds at most a few to str_ (an escape up to 4).
      if (str_.size() >= kMaxString) return Bad("a string longer than 64 KiB");
      if (unicode_left_ > 0) {
        int v = (c >= '0' && c <= '9')   ? c - '0'
                : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                         : -1;
        if (v < 0) return Bad("bad \\u escape");
        unicode_ = (unicode_ << 4) | static_cast<char32_t>(v);
        if (--unicode_left_ == 0) {
          if (unicode_ >= 0xD800 && unicode_ <= 0xDBFF) {
            high_surrogate_ = unicode_;
          } else if (unicode_ >= 0xDC00 && unicode_ <= 0xDFFF && high_surrogate_) {
            AppendUtf8(0x10000 + ((high_surrogate_ - 0xD800) << 10) + (unicode_ - 0xDC00), &str_);
            high_surrogate_ = 0;
          } else {
            if (high_surrogate_) AppendUtf8(high_surrogate_, &str_);
            high_surrogate_ = 0;
            AppendUtf8(unicode_, &str_);
          }
        }
        continue;
      }
      if (escape_) {
        escape_ = false;
        switch (c) {
          case '"': str_ += '"'; break;
          case '\\': str_ += '\\'; break;
          case '/': str_ += '/'; break;
          case 'b': str_ += '\b'; break;
          case 'f': str_ += '\f'; break;
          case 'n': str_ += '\n'; break;
          case 'r': str_ += '\r'; break;
          case 't': str_ += '\t'; break;
          case 'u':
            unicode_left_ = 4;
            unicode_ = 0;
            break;
          default: return Bad("bad escape");
        }
        continue;
      }
      if (c == '\\') {
        escape_ = true;
        continue;
      }
      if (high_surrogate_) {  // a lone high surrogate followed by plain text
        AppendUtf8(high_surrogate_, &str_);
        high_surrogate_ = 0;
      }
      if (c == '"') {
        in_string_ = false;
        INGEST_RETURN_IF_ERROR(OnString());
        continue;
      }
      str_ += ch;
      continue;
    }
    if ((c == '{' || c == '[') && stack_.size() >= kMaxDepth) {
      return Bad("containers nested more than 64 deep");
    }
    switch (c) {
      case '"':
        in_string_ = true;
        str_.clear();
        break;
      case '{':
        if (done_) return Bad("text after the document");
        stack_.push_back(Ctx::kObject);
        keys_.emplace_back();
        expect_key_ = true;
        break;
      case '[':
        if (done_) return Bad("text after the document");
        if (stack_.size() == 1 && keys_[0] == "frames") saw_frames_ = true;
        stack_.push_back(Ctx::kArray);
        keys_.emplace_back();
        break;
      case '}':
      case ']':
        if (stack_.empty() || (c == '}') != (stack_.back() == Ctx::kObject)) {
          return Bad("unbalanced brackets");
        }
        stack_.pop_back();
        keys_.pop_back();
        expect_key_ = false;
        if (stack_.empty()) done_ = true;
        break;
      case ',':
        if (!stack_.empty() && stack_.back() == Ctx::kObject) expect_key_ = true;
        break;
      default: break;  // ':', numbers, literals, whitespace
    }
  }
  return Status();
}

Status FrameNameStream::Finish() const {
  if (!done_ || in_string_) return Bad("the document is incomplete");
  if (!saw_frames_) return Bad("no frames list");
  return Status();
}

}  // namespace ingest::upload
