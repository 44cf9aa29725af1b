#include "bench/harness/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ingest::bench {
namespace {

constexpr double kWidth = 640, kHeight = 360;
constexpr double kLeft = 70, kRight = 20, kTop = 36, kBottom = 56;
constexpr const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                   "#9467bd", "#8c564b", "#e377c2", "#17becf"};

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", v);
  return buf;
}

std::string TickText(double v) {
  char buf[32];
  if (std::fabs(v) >= 100 || v == std::floor(v)) {
    std::snprintf(buf, sizeof(buf), "%.0f", v);
  } else {
    std::snprintf(buf, sizeof(buf), "%.2g", v);
  }
  return buf;
}

// A "nice" tick step (1, 2 or 5 times a power of ten) giving about `ticks` intervals.
double NiceStep(double range, int ticks) {
  if (!(range > 0)) return 1;
  double raw = range / ticks;
  double power = std::pow(10.0, std::floor(std::log10(raw)));
  double f = raw / power;
  double nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  return nice * power;
}

void Text(std::string& out, double x, double y, const std::string& text, const char* anchor,
          int size = 12, const char* extra = "") {
  out += "<text x=\"" + Num(x) + "\" y=\"" + Num(y) + "\" text-anchor=\"" + anchor +
         "\" font-size=\"" + std::to_string(size) + "\"" + extra + ">" + XmlEscape(text) +
         "</text>\n";
}

}  // namespace

std::string XmlEscape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string SvgChart(const ChartSpec& spec, const std::vector<ChartSeries>& series) {
  bool categorical = !spec.x_categories.empty();
  double x_min = 0, x_max = categorical ? static_cast<double>(spec.x_categories.size() - 1) : 0;
  double y_max = 0;
  bool any = false;
  for (const ChartSeries& s : series) {
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (!categorical) {
        x_min = any ? std::min(x_min, s.x[i]) : s.x[i];
        x_max = any ? std::max(x_max, s.x[i]) : s.x[i];
      }
      y_max = std::max(y_max, i < s.high.size() ? std::max(s.high[i], s.y[i]) : s.y[i]);
      any = true;
    }
  }
  if (categorical) {
    x_min = -0.5;
    x_max += 0.5;
  } else if (x_min > 0) {
    x_min = 0;  // numeric axes (time) start at zero
  }
  if (!categorical && x_max <= x_min) {
    x_max = x_min + 1;
  }
  double y_step = NiceStep(y_max > 0 ? y_max : 1, 5);
  double y_top = std::max(y_step, std::ceil(y_max / y_step) * y_step);
  double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  auto px = [&](double x) { return kLeft + (x - x_min) / (x_max - x_min) * plot_w; };
  auto py = [&](double y) { return kTop + plot_h - y / y_top * plot_h; };

  std::string out =
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + Num(kWidth) + "\" height=\"" +
      Num(kHeight) + "\" viewBox=\"0 0 " + Num(kWidth) + " " + Num(kHeight) +
      "\" font-family=\"sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  Text(out, kWidth / 2, 20, spec.title, "middle", 14, " font-weight=\"bold\"");
  // Axes and grid.
  for (double y = 0; y <= y_top + y_step / 2; y += y_step) {
    out += "<line x1=\"" + Num(kLeft) + "\" y1=\"" + Num(py(y)) + "\" x2=\"" +
           Num(kLeft + plot_w) + "\" y2=\"" + Num(py(y)) + "\" stroke=\"#ddd\"/>\n";
    Text(out, kLeft - 6, py(y) + 4, TickText(y), "end", 11);
  }
  if (categorical) {
    for (size_t i = 0; i < spec.x_categories.size(); ++i) {
      Text(out, px(static_cast<double>(i)), kTop + plot_h + 16, spec.x_categories[i], "middle",
           11);
    }
  } else {
    double x_step = NiceStep(x_max - x_min, 6);
    for (double x = std::ceil(x_min / x_step) * x_step; x <= x_max + x_step / 1000;
         x += x_step) {
      out += "<line x1=\"" + Num(px(x)) + "\" y1=\"" + Num(kTop + plot_h) + "\" x2=\"" +
             Num(px(x)) + "\" y2=\"" + Num(kTop + plot_h + 4) + "\" stroke=\"#333\"/>\n";
      Text(out, px(x), kTop + plot_h + 16, TickText(x), "middle", 11);
    }
  }
  out += "<path d=\"M" + Num(kLeft) + " " + Num(kTop) + "V" + Num(kTop + plot_h) + "H" +
         Num(kLeft + plot_w) + "\" fill=\"none\" stroke=\"#333\"/>\n";
  Text(out, kLeft + plot_w / 2, kHeight - 12, spec.x_label, "middle");
  out += "<text x=\"16\" y=\"" + Num(kTop + plot_h / 2) +
         "\" text-anchor=\"middle\" font-size=\"12\" transform=\"rotate(-90 16 " +
         Num(kTop + plot_h / 2) + ")\">" + XmlEscape(spec.y_label) + "</text>\n";
  if (!any) Text(out, kLeft + plot_w / 2, kTop + plot_h / 2, "no data", "middle");

  // Series: whiskers, the line, points, and a legend entry.
  for (size_t k = 0; k < series.size(); ++k) {
    const ChartSeries& s = series[k];
    const char* color = kColors[k % std::size(kColors)];
    size_t n = std::min(s.x.size(), s.y.size());
    for (size_t i = 0; i < n && i < s.low.size() && i < s.high.size(); ++i) {
      out += "<line x1=\"" + Num(px(s.x[i])) + "\" y1=\"" + Num(py(s.low[i])) + "\" x2=\"" +
             Num(px(s.x[i])) + "\" y2=\"" + Num(py(s.high[i])) + "\" stroke=\"" + color +
             "\" stroke-width=\"1.5\"/>\n";
    }
    if (n > 0) {
      std::string d;
      for (size_t i = 0; i < n; ++i) {
        d += (i == 0 ? "M" : "L") + Num(px(s.x[i])) + " " + Num(py(s.y[i]));
      }
      out += "<path d=\"" + d + "\" fill=\"none\" stroke=\"" + color +
             "\" stroke-width=\"2\"/>\n";
    }
    if (n <= 40) {
      for (size_t i = 0; i < n; ++i) {
        out += "<circle cx=\"" + Num(px(s.x[i])) + "\" cy=\"" + Num(py(s.y[i])) +
               "\" r=\"3\" fill=\"" + color + "\"/>\n";
      }
    }
    if (!s.label.empty()) {
      double ly = kTop + 8 + 16 * static_cast<double>(k);
      out += "<rect x=\"" + Num(kLeft + plot_w - 210) + "\" y=\"" + Num(ly - 8) +
             "\" width=\"10\" height=\"10\" fill=\"" + color + "\"/>\n";
      Text(out, kLeft + plot_w - 195, ly + 1, s.label, "start", 11);
    }
  }
  out += "</svg>\n";
  return out;
}

}  // namespace ingest::bench
