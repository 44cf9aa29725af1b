#include "cli/options.h"

#include <charconv>
#include <cstdio>

#include "cli/profile.h"

namespace ingest::cli {
namespace {

HelpPage* g_capture = nullptr;  // CaptureHelp's page; single-threaded use (main only)

std::string Normalize(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (c == '_') c = '-';
  }
  // cvat-cli's names for the annotation import.
  if (out == "annotation-path") return "annotations";
  if (out == "annotation-format") return "annotations-format";
  return out;
}

const OptionSpec* Find(std::span<const OptionSpec> specs, std::string_view name) {
  for (const OptionSpec& s : specs) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

}  // namespace

std::string ParsedArgs::Get(std::string_view name, std::string_view fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::string(fallback) : it->second;
}

std::vector<std::string> ParsedArgs::GetAll(std::string_view name) const {
  auto it = all_.find(name);
  return it == all_.end() ? std::vector<std::string>() : it->second;
}

std::string ParsedArgs::Origin(std::string_view name) const {
  auto it = origin_.find(name);
  return it == origin_.end() ? std::string() : it->second;
}

void ParsedArgs::SetFromProfile(std::string_view name, std::string value, std::string origin) {
  if (Given(name)) return;
  all_[std::string(name)] = {value};
  values_[std::string(name)] = std::move(value);
  origin_[std::string(name)] = std::move(origin);
}

Result<uint64_t> ParsedArgs::GetUint(std::string_view name, uint64_t fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  const std::string& s = it->second;
  std::optional<uint64_t> v = ParseUint(s);
  if (!v) {
    return Status::InvalidArgument("--" + std::string(name) + ": expected a non-negative "
                                   "integer, got '" + s + "'");
  }
  return *v;
}

std::optional<uint64_t> ParseUint(std::string_view text) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

Result<ParsedArgs> ParseArgs(Args args, std::span<const OptionSpec> specs) {
  ParsedArgs out;
  bool options_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (options_done || a.size() < 2 || a[0] != '-') {
      out.positional.emplace_back(a);
      continue;
    }
    if (a == "--") {
      options_done = true;
      continue;
    }
    if (a == "-h" || a == "--help") {
      out.values_["help"] = "";
      continue;
    }
    std::string name;
    std::optional<std::string> value;
    if (a[1] == '-') {
      std::string_view body = a.substr(2);
      size_t eq = body.find('=');
      name = Normalize(body.substr(0, eq));
      if (eq != std::string_view::npos) value = std::string(body.substr(eq + 1));
    } else if (a.size() == 2) {
      for (const OptionSpec& s : specs) {
        if (s.short_name == a[1]) name = s.name;
      }
      if (name.empty()) return Status::InvalidArgument("unknown option " + std::string(a));
    } else {
      return Status::InvalidArgument("unknown option " + std::string(a));
    }
    const OptionSpec* spec = Find(specs, name);
    if (spec == nullptr) return Status::InvalidArgument("unknown option " + std::string(a));
    if (spec->value.empty()) {
      if (value) return Status::InvalidArgument("--" + name + " takes no value");
      out.values_[name] = "1";
      continue;
    }
    if (!value) {
      if (i + 1 >= args.size()) {
        return Status::InvalidArgument("--" + name + " needs a value (" +
                                       std::string(spec->value) + ")");
      }
      value = std::string(args[++i]);
    }
    out.all_[name].push_back(*value);
    out.values_[name] = std::move(*value);
  }
  if (!out.Has("help") && Find(specs, "config-profile") != nullptr) {
    if (Status s = ApplyConfigProfile(specs, &out); !s.ok()) return s;
  }
  return out;
}

void CaptureHelp(HelpPage* page) { g_capture = page; }

void PrintHelp(std::string_view usage, std::string_view description,
               std::span<const OptionSpec> specs) {
  if (g_capture != nullptr) {
    g_capture->usage = std::string(usage);
    g_capture->description = std::string(description);
    g_capture->options.assign(specs.begin(), specs.end());
    return;
  }
  std::printf("usage: %.*s\n\n%.*s\n\noptions:\n", static_cast<int>(usage.size()), usage.data(),
              static_cast<int>(description.size()), description.data());
  for (const OptionSpec& s : specs) {
    std::string left = s.short_name ? std::string("-") + s.short_name + ", " : "    ";
    left += "--" + std::string(s.name);
    if (!s.value.empty()) left += " " + std::string(s.value);
    std::printf("  %-30s %.*s\n", left.c_str(), static_cast<int>(s.help.size()), s.help.data());
  }
  std::printf("  %-30s %s\n", "-h, --help", "show this help");
}

Result<uint64_t> ParseSize(std::string_view text) {
  double number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc() || number < 0) {
    return Status::InvalidArgument("bad size '" + std::string(text) + "'");
  }
  std::string_view unit(end, static_cast<size_t>(text.data() + text.size() - end));
  if (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  uint64_t mult = 1;
  if (unit.empty() || unit == "B") {
    mult = 1;
  } else if (unit == "K" || unit == "KiB" || unit == "k" || unit == "KB") {
    mult = 1ull << 10;
  } else if (unit == "M" || unit == "MiB" || unit == "MB") {
    mult = 1ull << 20;
  } else if (unit == "G" || unit == "GiB" || unit == "GB") {
    mult = 1ull << 30;
  } else if (unit == "T" || unit == "TiB" || unit == "TB") {
    mult = 1ull << 40;
  } else {
    return Status::InvalidArgument("bad size unit in '" + std::string(text) +
                                   "' (use B, KiB, MiB, GiB or TiB)");
  }
  return static_cast<uint64_t>(number * static_cast<double>(mult));
}

std::string FormatBytes(uint64_t bytes) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  if (u == 0) {
    std::snprintf(buf, sizeof(buf), "%llu B", static_cast<unsigned long long>(bytes));
  } else {
    std::snprintf(buf, sizeof(buf), "%.1f %s", v, kUnits[u]);
  }
  return buf;
}

}  // namespace ingest::cli
