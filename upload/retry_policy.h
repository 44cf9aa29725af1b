// RetryPolicy: when and whether to try a failed request again.
//
// Delays grow exponentially with full jitter (delay = base * 2^attempt, capped, then scaled by
// a random factor in [0.5, 1)), so many transfers failing together do not come back together.
#ifndef INGEST_UPLOAD_RETRY_POLICY_H_
#define INGEST_UPLOAD_RETRY_POLICY_H_

#include <chrono>
#include <cstdint>

#include "engine/file_order.h"

namespace ingest::upload {

class RetryPolicy {
 public:
  RetryPolicy(int max_retries, std::chrono::milliseconds base, std::chrono::milliseconds cap,
              uint64_t seed = 0x5eed)
      : max_retries_(max_retries), base_(base), cap_(cap), rng_(seed) {}

  // True while `attempts` (failures so far) leaves a retry.
  bool ShouldRetry(int attempts) const { return attempts <= max_retries_; }
  // The wait before retry number `attempts` (1-based).
  std::chrono::milliseconds Delay(int attempts) {
    int shift = attempts < 1 ? 0 : (attempts > 20 ? 20 : attempts - 1);
    int64_t d = base_.count() << shift;
    if (d > cap_.count()) d = cap_.count();
    double jitter = 0.5 + 0.5 * static_cast<double>(rng_.Next() >> 11) / 9007199254740992.0;
    return std::chrono::milliseconds(static_cast<int64_t>(static_cast<double>(d) * jitter));
  }
  int max_retries() const { return max_retries_; }

 private:
  int max_retries_;
  std::chrono::milliseconds base_;
  std::chrono::milliseconds cap_;
  SplitMix64 rng_;
};

// HTTP statuses worth retrying: server trouble (5xx), rate limiting (429), request timeout
// (408). 4xx answers are the server's final word.
inline bool IsRetryableStatus(long status) {
  return status >= 500 || status == 429 || status == 408;
}

}  // namespace ingest::upload

#endif  // INGEST_UPLOAD_RETRY_POLICY_H_
