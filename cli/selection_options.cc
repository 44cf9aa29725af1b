#include "cli/selection_options.h"

#include <cerrno>

#include "cli/credentials.h"
#include "engine/status.h"

namespace ingest::cli {
namespace {

Result<std::string> ReadAll(std::FILE* in) {
  std::string text;
  char buf[1 << 16];
  for (;;) {
    size_t n = std::fread(buf, 1, sizeof(buf), in);
    text.append(buf, n);
    if (n < sizeof(buf)) break;
  }
  if (std::ferror(in)) return FromErrno("--files-from -: read standard input", errno);
  return text;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

}  // namespace

std::vector<std::string> SplitFileList(std::string_view text, bool null) {
  std::vector<std::string> out;
  const char sep = null ? '\0' : '\n';
  while (!text.empty()) {
    size_t end = text.find(sep);
    std::string_view item = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (!null) {
      while (!item.empty() && IsSpace(item.front())) item.remove_prefix(1);
      while (!item.empty() && IsSpace(item.back())) item.remove_suffix(1);
      if (item.starts_with('#') || item.starts_with(';')) continue;
    }
    if (!item.empty()) out.emplace_back(item);
  }
  return out;
}

Result<FileSelection> ReadSelection(const ParsedArgs& opt, std::FILE* in) {
  const std::vector<std::string> includes = opt.GetAll("include");
  const std::vector<std::string> excludes = opt.GetAll("exclude");
  if (!opt.Has("files-from")) {
    if (opt.Has("null")) return Status::InvalidArgument("--null goes with --files-from FILE");
    return FileSelection::FromGlobs(includes, excludes);
  }
  if (!includes.empty() || !excludes.empty()) {
    return Status::InvalidArgument(
        "--files-from chooses the files by itself; it does not combine with --include or "
        "--exclude (filter the list instead)");
  }
  const std::string path = opt.Get("files-from");
  Result<std::string> text = path == "-" ? ReadAll(in) : ReadWholeFile(path);
  if (!text) return text.error().WithPrefix("--files-from");
  return FileSelection::FromList(SplitFileList(*text, opt.Has("null")));
}

}  // namespace ingest::cli
