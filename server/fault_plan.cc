#include "server/fault_plan.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

namespace ingest::server {
namespace {

// splitmix64: a small, well-mixed hash of (seed, fault, draw number).
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

Result<double> ParseProbability(std::string_view text) {
  std::string s(text);
  char* end = nullptr;
  double p = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !(p >= 0.0 && p <= 1.0)) {
    return Status::InvalidArgument("bad probability '" + s + "' (want 0..1)");
  }
  return p;
}

Result<uint64_t> ParseUint(std::string_view text) {
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    return Status::InvalidArgument("bad number '" + std::string(text) + "'");
  }
  return v;
}

// Splits "VALUE@key=x" into VALUE and the number after "key=".
Status SplitQualifier(std::string_view value, std::string_view key, std::string_view* head,
                      std::string_view* qualifier) {
  size_t at = value.find('@');
  if (at == std::string_view::npos) {
    *head = value;
    *qualifier = {};
    return Status::Ok();
  }
  *head = value.substr(0, at);
  std::string_view q = value.substr(at + 1);
  if (q.substr(0, key.size()) != key || q.size() <= key.size() || q[key.size()] != '=') {
    return Status::InvalidArgument("expected '@" + std::string(key) + "=' in '" +
                                   std::string(value) + "'");
  }
  *qualifier = q.substr(key.size() + 1);
  return Status::Ok();
}

}  // namespace

Result<uint64_t> ParseByteSize(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() &&
         ((text[digits] >= '0' && text[digits] <= '9') || text[digits] == '.')) {
    ++digits;
  }
  std::string number(text.substr(0, digits));
  std::string_view unit = text.substr(digits);
  if (unit.ends_with("/s")) unit.remove_suffix(2);
  double mult = 1;
  if (unit.empty() || unit == "B") {
    mult = 1;
  } else if (unit == "KiB" || unit == "K" || unit == "k") {
    mult = 1024.0;
  } else if (unit == "MiB" || unit == "M") {
    mult = 1024.0 * 1024;
  } else if (unit == "GiB" || unit == "G") {
    mult = 1024.0 * 1024 * 1024;
  } else if (unit == "KB" || unit == "kB") {
    mult = 1e3;
  } else if (unit == "MB") {
    mult = 1e6;
  } else if (unit == "GB") {
    mult = 1e9;
  } else {
    return Status::InvalidArgument("bad size unit in '" + std::string(text) + "'");
  }
  char* end = nullptr;
  double v = std::strtod(number.c_str(), &end);
  if (number.empty() || end != number.c_str() + number.size() || v < 0) {
    return Status::InvalidArgument("bad size '" + std::string(text) + "'");
  }
  return static_cast<uint64_t>(std::llround(v * mult));
}

Result<uint64_t> ParseDurationMs(std::string_view text) {
  uint64_t mult = 1000;
  std::string_view number = text;
  if (text.ends_with("ms")) {
    mult = 1;
    number.remove_suffix(2);
  } else if (text.ends_with("s")) {
    number.remove_suffix(1);
  } else if (text.ends_with("m")) {
    mult = 60000;
    number.remove_suffix(1);
  }
  INGEST_ASSIGN_OR_RETURN(uint64_t v, ParseUint(number));
  return v * mult;
}

Result<std::unique_ptr<FaultPlan>> FaultPlan::Parse(std::string_view spec) {
  auto plan = std::make_unique<FaultPlan>();
  while (!spec.empty()) {
    size_t comma = spec.find(',');
    std::string_view item = spec.substr(0, comma);
    spec = comma == std::string_view::npos ? std::string_view() : spec.substr(comma + 1);
    if (item.empty()) continue;
    size_t end = item.find_first_of("=@");
    std::string_view name = item.substr(0, end);
    std::string_view value;  // after '=', or "@..." for the faults that take no value
    if (end != std::string_view::npos) {
      value = item[end] == '=' ? item.substr(end + 1) : item.substr(end);
    }
    std::string_view head, qualifier;
    if (name == "seed") {
      INGEST_ASSIGN_OR_RETURN(plan->seed_, ParseUint(value));
      continue;
    }
    plan->any_ = true;
    if (name == "reset-after" || name == "status") {
      INGEST_RETURN_IF_ERROR(SplitQualifier(value, "p", &head, &qualifier));
      Prob& prob = name == "status" ? plan->status_ : plan->reset_;
      prob.set = true;
      prob.p = 1.0;
      if (!qualifier.empty()) {
        INGEST_ASSIGN_OR_RETURN(prob.p, ParseProbability(qualifier));
      }
      if (name == "status") {
        INGEST_ASSIGN_OR_RETURN(uint64_t code, ParseUint(head));
        if (code < 100 || code > 599) return Status::InvalidArgument("bad status in faults");
        plan->status_code_ = static_cast<int>(code);
      } else {
        INGEST_ASSIGN_OR_RETURN(plan->reset_after_, ParseByteSize(head));
      }
    } else if (name == "offset-409" || name == "gateway-504") {
      std::string_view p;
      INGEST_RETURN_IF_ERROR(SplitQualifier(value, "p", &head, &p));
      if (!head.empty()) return Status::InvalidArgument("'" + std::string(name) + "' takes @p=");
      Prob& prob = name == "offset-409" ? plan->offset_409_ : plan->gateway_504_;
      prob.set = true;
      prob.p = 1.0;
      if (!p.empty()) {
        INGEST_ASSIGN_OR_RETURN(prob.p, ParseProbability(p));
      }
    } else if (name == "stall") {
      INGEST_RETURN_IF_ERROR(SplitQualifier(value, "every", &head, &qualifier));
      INGEST_ASSIGN_OR_RETURN(plan->stall_ms_, ParseDurationMs(head));
      plan->stall_every_ = 1;
      if (!qualifier.empty()) {
        INGEST_ASSIGN_OR_RETURN(plan->stall_every_, ParseUint(qualifier));
      }
      if (plan->stall_every_ == 0) return Status::InvalidArgument("stall every=0");
    } else if (name == "slow") {
      INGEST_ASSIGN_OR_RETURN(plan->slow_rate_, ParseByteSize(value));
      if (plan->slow_rate_ == 0) return Status::InvalidArgument("slow=0");
    } else if (name == "fail-build") {
      INGEST_ASSIGN_OR_RETURN(plan->fail_build_, ParseUint(value));
      if (plan->fail_build_ == 0) return Status::InvalidArgument("fail-build counts from 1");
    } else if (name == "proxy-413-over") {
      INGEST_ASSIGN_OR_RETURN(plan->proxy_413_over_, ParseByteSize(value));
    } else {
      return Status::InvalidArgument("unknown fault '" + std::string(name) + "'");
    }
  }
  return plan;
}

bool FaultPlan::Draw(Prob& prob, uint64_t salt) {
  if (!prob.set) return false;
  uint64_t n = prob.draws.fetch_add(1, std::memory_order_relaxed);
  uint64_t h = Mix(Mix(seed_ ^ (salt * 0x100000001b3ULL)) ^ n);
  double u = static_cast<double>(h >> 11) * (1.0 / 9007199254740992.0);
  return u < prob.p;
}

bool FaultPlan::DrawStatus(int* code) {
  *code = status_code_;
  return Draw(status_, 1);
}

bool FaultPlan::DrawReset(uint64_t* after_bytes) {
  *after_bytes = reset_after_;
  return Draw(reset_, 2);
}

bool FaultPlan::DrawOffset409() { return Draw(offset_409_, 3); }
bool FaultPlan::DrawGateway504() { return Draw(gateway_504_, 4); }

bool FaultPlan::DrawBuildFailure() {
  uint64_t n = builds_.fetch_add(1, std::memory_order_relaxed) + 1;
  return fail_build_ != 0 && n == fail_build_;
}

uint64_t FaultPlan::DrawStallMs() {
  if (stall_every_ == 0) return 0;
  uint64_t n = stall_count_.fetch_add(1, std::memory_order_relaxed) + 1;
  return n % stall_every_ == 0 ? stall_ms_ : 0;
}

}  // namespace ingest::server
