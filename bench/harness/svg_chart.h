// SvgChart: a line chart as a standalone SVG document, written by hand (no scripts, no
// fonts or styles from the network), so a report opens offline in any browser.
#ifndef INGEST_BENCH_HARNESS_SVG_CHART_H_
#define INGEST_BENCH_HARNESS_SVG_CHART_H_

#include <string>
#include <vector>

namespace ingest::bench {

struct ChartSeries {
  std::string label;
  std::vector<double> x, y;
  std::vector<double> low, high;  // optional whiskers, one per point (both or neither)
};

struct ChartSpec {
  std::string title;
  std::string x_label;
  std::string y_label;
  // Categorical x axis: x values are indices into these labels. Empty: a numeric axis.
  std::vector<std::string> x_categories;
};

std::string SvgChart(const ChartSpec& spec, const std::vector<ChartSeries>& series);

// Escapes &, <, >, " and ' for XML/HTML text and attributes.
std::string XmlEscape(const std::string& text);

}  // namespace ingest::bench

#endif  // INGEST_BENCH_HARNESS_SVG_CHART_H_
