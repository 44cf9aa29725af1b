#include "bench/harness/stats.h"

#include <algorithm>
#include <cmath>

namespace ingest::bench {

double Percentile(std::vector<double>& values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  double rank = std::clamp(p, 0.0, 100.0) / 100.0 * static_cast<double>(values.size() - 1);
  auto lo = static_cast<size_t>(std::floor(rank));
  size_t hi = std::min(lo + 1, values.size() - 1);
  double frac = rank - static_cast<double>(lo);
  return values[lo] + (values[hi] - values[lo]) * frac;
}

Spread SpreadOf(std::vector<double> values) {
  Spread s;
  s.count = values.size();
  if (values.empty()) return s;
  s.median = Percentile(values, 50);
  s.min = values.front();
  s.max = values.back();
  return s;
}

LatencyStats LatencyOf(std::vector<double> seconds) {
  LatencyStats l;
  l.count = seconds.size();
  if (seconds.empty()) return l;
  l.p50 = Percentile(seconds, 50);
  l.p90 = Percentile(seconds, 90);
  l.p99 = Percentile(seconds, 99);
  l.max = seconds.back();
  return l;
}

}  // namespace ingest::bench
