// Order statistics for benchmark figures.
#ifndef INGEST_BENCH_HARNESS_STATS_H_
#define INGEST_BENCH_HARNESS_STATS_H_

#include <cstdint>
#include <vector>

namespace ingest::bench {

// The p-th percentile (0 <= p <= 100) of `values`, linearly interpolated between the closest
// ranks (as numpy's default). 0 for no values. Sorts `values`.
double Percentile(std::vector<double>& values, double p);

struct Spread {
  uint64_t count = 0;
  double median = 0;
  double min = 0;
  double max = 0;
};

// Median, min and max of `values` (all 0 when empty).
Spread SpreadOf(std::vector<double> values);

struct LatencyStats {
  uint64_t count = 0;
  double p50 = 0;  // seconds
  double p90 = 0;
  double p99 = 0;
  double max = 0;
};

LatencyStats LatencyOf(std::vector<double> seconds);

}  // namespace ingest::bench

#endif  // INGEST_BENCH_HARNESS_STATS_H_
