// FaultPlan: deterministic, seeded fault injection for the receiver (`serve --faults SPEC`).
//
// A SPEC is a comma-separated list of faults, e.g.
//   reset-after=1MiB@p=0.05,status=503@p=0.02,stall=30s@every=100,offset-409@p=0.01,
//   slow=10MiB/s,proxy-413-over=1MiB,gateway-504@p=0.01,seed=7
// Meaning:
//   reset-after=SIZE@p=P   a PATCH that draws this fault stores SIZE bytes of its body, then the
//                          connection is reset (the client sees a broken transfer)
//   status=CODE@p=P        the request is answered CODE without being processed
//   stall=DUR@every=N      every N-th request waits DUR (or until stop) before it is processed
//   offset-409@p=P         a PATCH is answered 409 (no Upload-Offset) without being processed
//   slow=RATE              request bodies are read at no more than RATE bytes/s per request
//   proxy-413-over=SIZE    a request whose body is larger than SIZE (or chunked) gets an nginx
//                          style 413 without being processed
//   gateway-504@p=P        the request is processed, then answered 504 (a proxy timed out)
//   fail-build=N           the N-th task build (from 1, in the order the finishes arrive)
//                          fails, once: its request ends `failed`, the task gets no data
//   seed=N                 the seed of every draw (default 1)
// Sizes take B, KiB, MiB, GiB, KB, MB, GB suffixes; durations ms, s, m.
//
// Determinism: the n-th draw of fault k is a pure function of (seed, k, n), so a run with one
// connection replays exactly; with many connections the draws follow request arrival order.
#ifndef INGEST_SERVER_FAULT_PLAN_H_
#define INGEST_SERVER_FAULT_PLAN_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "engine/result.h"

namespace ingest::server {

// Parses "1MiB", "10MB", "512" into bytes.
Result<uint64_t> ParseByteSize(std::string_view text);
// Parses "30s", "250ms", "2m" into milliseconds.
Result<uint64_t> ParseDurationMs(std::string_view text);

class FaultPlan {
 public:
  // An empty spec gives a plan that never fires.
  static Result<std::unique_ptr<FaultPlan>> Parse(std::string_view spec);

  bool empty() const { return !any_; }

  // Each Draw*() consumes one draw of its fault and returns whether it fires. Thread-safe.
  bool DrawStatus(int* code);
  bool DrawReset(uint64_t* after_bytes);
  bool DrawOffset409();
  bool DrawGateway504();
  // Counts every request; returns the stall in ms when this one is the every-N-th.
  uint64_t DrawStallMs();
  // Counts every task build; true for the one fail-build names.
  bool DrawBuildFailure();

  // 0 when unset.
  uint64_t slow_bytes_per_sec() const { return slow_rate_; }
  // 0 when unset.
  uint64_t proxy_413_over() const { return proxy_413_over_; }
  uint64_t seed() const { return seed_; }

 private:
  struct Prob {
    bool set = false;
    double p = 0;
    std::atomic<uint64_t> draws{0};
  };
  bool Draw(Prob& prob, uint64_t salt);

  bool any_ = false;
  uint64_t seed_ = 1;
  Prob reset_;
  uint64_t reset_after_ = 0;
  Prob status_;
  int status_code_ = 0;
  Prob offset_409_;
  Prob gateway_504_;
  uint64_t stall_ms_ = 0;
  uint64_t stall_every_ = 0;
  std::atomic<uint64_t> stall_count_{0};
  uint64_t slow_rate_ = 0;
  uint64_t proxy_413_over_ = 0;
  uint64_t fail_build_ = 0;  // 0: never
  std::atomic<uint64_t> builds_{0};
};

}  // namespace ingest::server

#endif  // INGEST_SERVER_FAULT_PLAN_H_
