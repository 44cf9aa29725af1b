// WriteBenchReport (bench_output.h): DIR/index.html and its SVG charts.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <set>

#include "bench/harness/bench_output.h"
#include "bench/harness/svg_chart.h"

namespace ingest::bench {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

std::string SecondsCell(const Spread& s) {
  if (s.count == 0) return "&ndash;";
  std::string cell = Fixed(s.median, 3);
  if (s.count > 1) cell += " <small>(" + Fixed(s.min, 3) + "&ndash;" + Fixed(s.max, 3) + ")</small>";
  return cell;
}

// Throughput over time of one run, from its samples (MiB/s between consecutive samples).
std::string RunChart(size_t index, const RunResult& r) {
  ChartSeries s;
  // Intervals under 50 ms (the final sample right after the last one) join the next; a
  // last one under 10 ms is dropped (too short for a rate).
  size_t prev = 0;
  for (size_t i = 1; i < r.timeline.size(); ++i) {
    double dt = r.timeline[i].seconds - r.timeline[prev].seconds;
    bool last = i + 1 == r.timeline.size();
    if (dt < 0.01 || (dt < 0.05 && !last)) continue;
    double bytes = static_cast<double>(r.timeline[i].bytes - r.timeline[prev].bytes);
    s.x.push_back(r.timeline[i].seconds);
    s.y.push_back(bytes / kMiB / dt);
    prev = i;
  }
  ChartSpec spec;
  spec.title =
      "Run " + std::to_string(index + 1) + ": " + SettingsText(r.settings, SettingsWording::kShort);
  spec.x_label = "seconds since the transfer started";
  spec.y_label = "MiB/s sent";
  return SvgChart(spec, {s});
}

struct Sweep {
  std::string name;   // file name part and axis label
  std::string label;
  std::function<uint64_t(const PointSettings&)> value;
  std::function<std::string(uint64_t)> text;
};

// Median upload throughput against one swept setting, one line per combination of the
// others, with min-max whiskers.
std::string SweepChart(const Sweep& sweep, const std::vector<PointSummary>& summary,
                       const std::vector<Sweep>& all) {
  std::set<uint64_t> values;
  for (const PointSummary& p : summary) values.insert(sweep.value(p.settings));
  std::vector<uint64_t> axis(values.begin(), values.end());
  ChartSpec spec;
  spec.title = "Upload throughput against " + sweep.label;
  spec.x_label = sweep.label;
  spec.y_label = "MiB/s (median, min-max)";
  for (uint64_t v : axis) spec.x_categories.push_back(sweep.text(v));
  std::map<std::string, ChartSeries> lines;
  for (const PointSummary& p : summary) {
    if (p.upload_bytes_per_second.count == 0) continue;
    std::string key;
    for (const Sweep& other : all) {
      if (other.name == sweep.name) continue;
      key += (key.empty() ? "" : ", ") + other.name + " " + other.text(other.value(p.settings));
    }
    ChartSeries& s = lines[key];
    s.label = key;
    auto at = std::find(axis.begin(), axis.end(), sweep.value(p.settings)) - axis.begin();
    s.x.push_back(static_cast<double>(at));
    s.y.push_back(p.upload_bytes_per_second.median / kMiB);
    s.low.push_back(p.upload_bytes_per_second.min / kMiB);
    s.high.push_back(p.upload_bytes_per_second.max / kMiB);
  }
  std::vector<ChartSeries> series;
  for (auto& [key, s] : lines) series.push_back(std::move(s));
  return SvgChart(spec, series);
}

std::string Row(std::initializer_list<std::string> cells, const char* tag = "td") {
  std::string out = "<tr>";
  for (const std::string& c : cells) out += std::string("<") + tag + ">" + c + "</" + tag + ">";
  return out + "</tr>\n";
}

}  // namespace

Status WriteBenchReport(const std::string& dir, const BenchRecord& rec) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IoError("create " + dir + ": " + ec.message());
  const Environment& e = rec.environment;
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>cvat-ingest bench</title>\n<style>\nbody{font-family:sans-serif;margin:2em;"
      "max-width:72em}\ntable{border-collapse:collapse;margin:1em 0}\n"
      "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}\n"
      "th{background:#f4f4f4}\nimg{max-width:100%}\n</style>\n</head>\n<body>\n"
      "<h1>cvat-ingest bench</h1>\n";
  if (rec.interrupted) html += "<p><strong>Interrupted: the figures cover the runs so far.</strong></p>\n";
  html += "<table>\n";
  for (const auto& [k, v] :
       std::initializer_list<std::pair<std::string, std::string>>{
           {"started (UTC)", e.started_utc},
           {"cvat-ingest", e.version},
           {"machine", std::to_string(e.cores) + " cores, " + e.cpu_model + ", " +
                           Fixed(e.memory_gib, 1) + " GiB"},
           {"kernel", e.kernel},
           {"libcurl", e.libcurl},
           {"load average (1 min) at start", Fixed(e.load_average, 2)},
           {"corpus", rec.corpus},
           {"target", rec.target}}) {
    html += "<tr><th>" + XmlEscape(k) + "</th><td style=\"text-align:left\">" + XmlEscape(v) +
            "</td></tr>\n";
  }
  std::string options;
  for (const auto& [k, v] : rec.options) options += "--" + k + (v.empty() ? "" : " " + v) + " ";
  html += "<tr><th>options</th><td style=\"text-align:left\"><code>" + XmlEscape(options) +
          "</code></td></tr>\n</table>\n";

  // Summary per point.
  html += "<h2>Points (medians; ranges over repeats)</h2>\n<table>\n";
  html += Row({"connections", "TUS chunk", "batch", "runs", "upload MiB/s", "files/s",
               "scan+probe s", "hashing s", "manifest s", "upload s", "finish-to-ready s",
               "p50 ms", "p90 ms", "p99 ms", "retries", "client CPU s", "peak RSS MiB",
               "server CPU s"},
              "th");
  for (const PointSummary& p : rec.summary) {
    const Spread& bps = p.upload_bytes_per_second;
    std::string rate = bps.count ? Fixed(bps.median / kMiB, 1) : "&ndash;";
    if (bps.count > 1) {
      rate += " <small>(" + Fixed(bps.min / kMiB, 1) + "&ndash;" + Fixed(bps.max / kMiB, 1) +
              ")</small>";
    }
    auto ms = [](const Spread& s) { return s.count ? Fixed(s.median * 1000, 1) : "&ndash;"; };
    auto plain = [](const Spread& s, int d) { return s.count ? Fixed(s.median, d) : "&ndash;"; };
    html += Row({std::to_string(p.settings.connections), SizeText(p.settings.tus_chunk),
                 SizeText(p.settings.batch_bytes),
                 std::to_string(p.completed) + "/" + std::to_string(p.runs), rate,
                 plain(p.upload_files_per_second, 0), SecondsCell(p.scan_seconds),
                 SecondsCell(p.hash_seconds), SecondsCell(p.manifest_seconds),
                 SecondsCell(p.upload_seconds), SecondsCell(p.finish_seconds), ms(p.p50),
                 ms(p.p90), ms(p.p99), plain(p.retries, 0), plain(p.cpu_seconds, 2),
                 plain(p.peak_rss_mib, 1), plain(p.server_cpu_seconds, 2)});
  }
  html += "</table>\n";

  // Sweep charts: one per setting that takes more than one value.
  std::vector<Sweep> sweeps = {
      {"connections", "connections", [](const PointSettings& s) { return uint64_t(s.connections); },
       [](uint64_t v) { return std::to_string(v); }},
      {"tus-chunk", "TUS chunk size", [](const PointSettings& s) { return s.tus_chunk; },
       SizeText},
      {"batch", "batch size", [](const PointSettings& s) { return s.batch_bytes; }, SizeText},
  };
  for (const Sweep& sweep : sweeps) {
    std::set<uint64_t> values;
    for (const PointSettings& p : rec.points) values.insert(sweep.value(p));
    if (values.size() < 2) continue;
    std::string file = "sweep-" + sweep.name + ".svg";
    INGEST_RETURN_IF_ERROR(WriteText(dir + "/" + file, SweepChart(sweep, rec.summary, sweeps)));
    html += "<h2>Throughput against " + XmlEscape(sweep.label) + "</h2>\n<img src=\"" + file +
            "\" alt=\"upload throughput against " + XmlEscape(sweep.label) + "\">\n";
  }

  // Runs.
  html += "<h2>Runs</h2>\n";
  for (size_t i = 0; i < rec.runs.size(); ++i) {
    const RunResult& r = rec.runs[i];
    std::string file = "run-" + std::to_string(i + 1) + ".svg";
    INGEST_RETURN_IF_ERROR(WriteText(dir + "/" + file, RunChart(i, r)));
    std::string status = r.status.ok() ? "ok" : XmlEscape(r.status.message());
    html += "<h3>Run " + std::to_string(i + 1) + " (" +
            XmlEscape(SettingsText(r.settings, SettingsWording::kShort)) + ")</h3>\n<p>" +
            std::to_string(r.files_done) + "/" + std::to_string(r.planned_files) + " files, " +
            XmlEscape(SizeText(r.bytes_done)) + " confirmed, " +
            std::to_string(r.requests) + " requests, " + std::to_string(r.retries) +
            " retries; status: " + status + "</p>\n<img src=\"" + file +
            "\" alt=\"throughput over time, run " + std::to_string(i + 1) + "\">\n";
  }
  html += "</body>\n</html>\n";
  return WriteText(dir + "/index.html", html);
}

}  // namespace ingest::bench
