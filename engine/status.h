// Status: the outcome of an operation, in leveldb's shape.
//
// An OK status is a null pointer, so returning it costs nothing. An error carries a code and
// a message that says what happened and to what ("open /data/x: No such file or directory").
// Libraries never print or exit: they return a Status and the caller decides.
#ifndef INGEST_ENGINE_STATUS_H_
#define INGEST_ENGINE_STATUS_H_

#include <memory>
#include <string>
#include <string_view>

namespace ingest {

class [[nodiscard]] Status {
 public:
  enum class Code : unsigned char {
    kOk = 0,
    kNotFound,
    kInvalidArgument,
    kIoError,
    kCorruption,
    kNetwork,
    kRemote,
    kCancelled,
    kInternal,
    kUnsupported,
  };

  Status() noexcept = default;
  Status(const Status& other) : rep_(other.rep_ ? std::make_unique<Rep>(*other.rep_) : nullptr) {}
  Status& operator=(const Status& other) {
    if (this != &other) rep_ = other.rep_ ? std::make_unique<Rep>(*other.rep_) : nullptr;
    return *this;
  }
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

  static Status Ok() { return Status(); }
  static Status NotFound(std::string_view msg) { return Status(Code::kNotFound, msg); }
  static Status InvalidArgument(std::string_view msg) {
    return Status(Code::kInvalidArgument, msg);
  }
  static Status IoError(std::string_view msg) { return Status(Code::kIoError, msg); }
  static Status Corruption(std::string_view msg) { return Status(Code::kCorruption, msg); }
  static Status Network(std::string_view msg) { return Status(Code::kNetwork, msg); }
  static Status Remote(std::string_view msg) { return Status(Code::kRemote, msg); }
  static Status Cancelled(std::string_view msg) { return Status(Code::kCancelled, msg); }
  static Status Internal(std::string_view msg) { return Status(Code::kInternal, msg); }
  static Status Unsupported(std::string_view msg) { return Status(Code::kUnsupported, msg); }

  bool ok() const noexcept { return rep_ == nullptr; }
  Code code() const noexcept { return rep_ ? rep_->code : Code::kOk; }
  // The message without the code name; empty when OK.
  const std::string& message() const noexcept;
  // "Corruption: <message>", or "OK".
  std::string ToString() const;

  // Returns a copy whose message is "<prefix>: <message>". OK stays OK.
  Status WithPrefix(std::string_view prefix) const;

 private:
  struct Rep {
    Code code;
    std::string message;
  };
  Status(Code code, std::string_view msg)
      : rep_(std::make_unique<Rep>(Rep{code, std::string(msg)})) {}

  std::unique_ptr<Rep> rep_;
};

// The name of a code, e.g. "IO error".
std::string_view CodeName(Status::Code code);

// Conversions from C error reports. All of them live in status.cc.
// FromErrno("open /x", ENOENT) -> IoError "open /x: No such file or directory"
// (NotFound for ENOENT/ENOTDIR).
Status FromErrno(std::string_view what, int err);

}  // namespace ingest

#define INGEST_STATUS_CONCAT_INNER_(a, b) a##b
#define INGEST_STATUS_CONCAT_(a, b) INGEST_STATUS_CONCAT_INNER_(a, b)

// Returns from the enclosing function when `expr` (a Status) is not OK.
#define INGEST_RETURN_IF_ERROR(expr)                         \
  do {                                                       \
    ::ingest::Status ingest_status_tmp_ = (expr);            \
    if (!ingest_status_tmp_.ok()) return ingest_status_tmp_; \
  } while (0)

#endif  // INGEST_ENGINE_STATUS_H_
