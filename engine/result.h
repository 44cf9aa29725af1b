// Result<T>: a value or the Status that explains why there is none.
//
// The member names follow std::expected (has_value, value, error, *, ->) so that a later move
// to std::expected<T, Status> (C++23) is mechanical.
#ifndef INGEST_ENGINE_RESULT_H_
#define INGEST_ENGINE_RESULT_H_

#include <utility>
#include <variant>

#include "engine/check.h"
#include "engine/status.h"

namespace ingest {

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}        // NOLINT: implicit
  Result(Status status) : v_(std::in_place_index<1>, std::move(status)) {  // NOLINT: implicit
    INGEST_CHECK(!std::get<1>(v_).ok());
  }

  bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & {
    INGEST_CHECK(has_value());
    return std::get<0>(v_);
  }
  const T& value() const& {
    INGEST_CHECK(has_value());
    return std::get<0>(v_);
  }
  T&& value() && {
    INGEST_CHECK(has_value());
    return std::get<0>(std::move(v_));
  }
  const Status& error() const& {
    INGEST_CHECK(!has_value());
    return std::get<1>(v_);
  }
  Status&& error() && {
    INGEST_CHECK(!has_value());
    return std::get<1>(std::move(v_));
  }
  // OK when a value is held, the error otherwise.
  Status status() const { return has_value() ? Status() : std::get<1>(v_); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace ingest

// INGEST_ASSIGN_OR_RETURN(auto hdr, ReadHeader(fd)); returns the error from the enclosing
// function, else declares/assigns `lhs` from the value.
#define INGEST_ASSIGN_OR_RETURN(lhs, expr) \
  INGEST_ASSIGN_OR_RETURN_IMPL_(INGEST_STATUS_CONCAT_(ingest_result_, __LINE__), lhs, expr)
#define INGEST_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr)  \
  auto tmp = (expr);                                   \
  if (!tmp.has_value()) return std::move(tmp).error(); \
  lhs = std::move(tmp).value()

#endif  // INGEST_ENGINE_RESULT_H_
