// The text helpers of bench_output.h that the JSON, the HTML report and the CLI share.
#include "bench/harness/bench_output.h"

#include <cstdio>
#include <memory>

#include "manifest/atomic_file.h"

namespace ingest::bench {

std::string SizeText(uint64_t bytes) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  uint64_t whole = bytes;
  while (u < 4 && whole >= 1024 && whole % 1024 == 0) {
    whole /= 1024;
    ++u;
  }
  if (u > 0 || bytes < 1024) return std::to_string(whole) + " " + kUnits[u];
  double v = static_cast<double>(bytes);
  while (u < 4 && v >= 1024) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f %s", v, kUnits[u]);
  return buf;
}

std::string Fixed(double v, int decimals) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  return buf;
}

std::string SettingsText(const PointSettings& s, SettingsWording wording) {
  bool full = wording == SettingsWording::kLong;
  std::string connections = full ? (s.connections == 1 ? " connection" : " connections") : " conn";
  return std::to_string(s.connections) + connections + (full ? ", TUS chunk " : ", chunk ") +
         SizeText(s.tus_chunk) + ", batch " + SizeText(s.batch_bytes);
}

Status WriteText(const std::string& path, const std::string& text) {
  INGEST_ASSIGN_OR_RETURN(std::unique_ptr<manifest::AtomicFileWriter> out,
                          manifest::AtomicFileWriter::Open(path));
  INGEST_RETURN_IF_ERROR(out->Append(text));
  return out->Close();
}

}  // namespace ingest::bench
