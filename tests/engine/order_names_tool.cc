// order_names_tool METHOD [SEED]: reads NUL-terminated names from stdin and writes them back,
// NUL-terminated, in the order of sorting method METHOD. Test-only: tools/natural_diff.py
// drives it to compare our natural order with natsort's.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "engine/file_order.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: order_names_tool METHOD [SEED] < names\n");
    return 2;
  }
  ingest::Result<ingest::SortingMethod> method = ingest::ParseSortingMethod(argv[1]);
  if (!method) {
    std::fprintf(stderr, "%s\n", method.error().ToString().c_str());
    return 2;
  }
  uint64_t seed = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 0;
  std::string input;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), stdin)) > 0) input.append(buf, n);
  std::vector<std::string_view> names;
  for (size_t pos = 0; pos < input.size();) {
    size_t end = input.find('\0', pos);
    if (end == std::string::npos) end = input.size();
    names.push_back(std::string_view(input).substr(pos, end - pos));
    pos = end + 1;
  }
  ingest::SortNames(names, *method, seed);
  for (std::string_view name : names) {
    std::fwrite(name.data(), 1, name.size(), stdout);
    std::fputc('\0', stdout);
  }
  return 0;
}
