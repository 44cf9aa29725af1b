#include "cli/profile.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <vector>

#include "cli/credentials.h"

// toml++ (Debian's libtomlplusplus-dev), header-only and without exceptions: this file is its
// only user, so the parser is compiled here and the package adds no runtime dependency.
#define TOML_HEADER_ONLY 1
#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

namespace ingest::cli {
namespace {

// The keys a profile may hold: each is the option of the same name.
constexpr std::string_view kKeys[] = {"server",  "org",   "token-file", "insecure",
                                      "ca-cert", "proxy", "connections"};

std::string Normalize(std::string_view key) {
  std::string out(key);
  for (char& c : out) {
    if (c == '_') c = '-';
  }
  return out;
}

bool IsSecretKey(const std::string& key) {
  return key == "token" || key == "access-token" || key == "password" || key == "pass" ||
         key == "secret" || key == "api-key";
}

std::string At(const std::string& path, const toml::source_region& where) {
  return path + ":" + std::to_string(where.begin.line);
}

// "~/x" from $HOME, "x" from the config file's folder; absolute paths as they are.
std::string ResolvePath(const std::string& value, const std::string& config) {
  const char* home = std::getenv("HOME");
  if (value.rfind("~/", 0) == 0 && home != nullptr && *home != '\0') {
    return std::string(home) + value.substr(1);
  }
  std::filesystem::path p(value);
  if (p.is_absolute()) return value;
  return (std::filesystem::path(config).parent_path() / p).lexically_normal().string();
}

// True when `url` has "user:password@" before its host.
bool HasPassword(const std::string& url) {
  size_t scheme = url.find("://");
  size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  size_t at = url.find('@', start);
  if (at == std::string::npos) return false;
  size_t slash = url.find('/', start);
  if (slash != std::string::npos && slash < at) return false;
  return url.find(':', start) < at;
}

struct Setting {
  std::string key;    // the option name
  std::string value;  // as the option would be given ("1" for a true flag; empty: not set)
  int line = 0;
};

// One key = value of a profile, checked; its value as an option value.
Result<Setting> ReadSetting(const std::string& path, std::string_view raw_key,
                            const toml::node& node) {
  std::string where = At(path, node.source());
  std::string key = Normalize(raw_key);
  Setting out{key, "", static_cast<int>(node.source().begin.line)};
  if (IsSecretKey(key)) {
    const bool token = key.find("token") != std::string::npos || key == "api-key";
    return Status::InvalidArgument(
        where + ": '" + std::string(raw_key) + "': a secret is never read from the config file; " +
        (token ? "put the token in a file of its own and give its path as token-file (or set "
                 "CVAT_ACCESS_TOKEN)"
               : "give --auth USER, and the password in PASS or at the prompt"));
  }
  if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys)) {
    return Status::InvalidArgument(where + ": unknown key '" + std::string(raw_key) +
                                   "' (a profile has server, org, token-file, insecure, "
                                   "ca-cert, proxy, connections)");
  }
  if (key == "insecure") {
    if (!node.is_boolean()) return Status::InvalidArgument(where + ": insecure: true or false");
    if (node.value_or(false)) out.value = "1";
    return out;
  }
  if (key == "connections") {
    std::optional<int64_t> n = node.value<int64_t>();
    if (!node.is_integer() || !n || *n < 1 || *n > 256) {
      return Status::InvalidArgument(where + ": connections: an integer from 1 to 256");
    }
    out.value = std::to_string(*n);
    return out;
  }
  if (!node.is_string() || node.value_or(std::string_view()).empty()) {
    return Status::InvalidArgument(where + ": " + key + ": a non-empty string");
  }
  out.value = std::string(node.value_or(std::string_view()));
  if (key == "token-file" || key == "ca-cert") out.value = ResolvePath(out.value, path);
  if (key == "proxy" && HasPassword(out.value)) {
    return Status::InvalidArgument(where + ": proxy: a URL with a password is a secret and is "
                                   "not read from the config file (use the usual proxy "
                                   "environment variables)");
  }
  return out;
}

// The profiles' names in the file, for the error on a missing one.
std::string ProfileNames(const toml::table& root) {
  std::string out;
  for (auto&& [name, node] : root) {
    if (!node.is_table()) continue;
    out += (out.empty() ? "" : ", ") + std::string(name.str());
  }
  return out.empty() ? "none" : out;
}

}  // namespace

std::string ConfigPath() {
  const char* config = std::getenv("XDG_CONFIG_HOME");
  if (config != nullptr && *config != '\0') return std::string(config) + "/cvat-ingest/config.toml";
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr && *home != '\0' ? home : ".") +
         "/.config/cvat-ingest/config.toml";
}

Status ApplyConfigProfile(std::span<const OptionSpec> specs, ParsedArgs* args) {
  const bool named = args->Given("config-profile");
  const std::string name = named ? args->Get("config-profile") : "default";
  for (const OptionSpec& spec : specs) {
    if (!named && spec.default_profile_needs_it && !args->Given(spec.name)) return Status();
  }
  const std::string path = ConfigPath();
  if (::access(path.c_str(), F_OK) != 0) {
    if (!named) return Status();
    return Status::InvalidArgument("--config-profile " + name + ": there is no config file " +
                                   path);
  }
  Result<std::string> text = ReadWholeFile(path);
  if (!text) return Status::InvalidArgument("config file: " + text.error().message());
  toml::parse_result parsed = toml::parse(*text, path);
  if (!parsed) {
    const toml::parse_error& e = parsed.error();
    return Status::InvalidArgument(At(path, e.source()) + ": " + std::string(e.description()));
  }
  // Every profile is checked, not only the one used: a secret or a typo anywhere is reported.
  const toml::table& root = parsed.table();
  std::vector<Setting> settings;
  for (auto&& [profile, table] : root) {
    if (!table.is_table()) {
      return Status::InvalidArgument(At(path, table.source()) + ": '" +
                                     std::string(profile.str()) +
                                     "' is outside a profile: put it under a [NAME] table, "
                                     "e.g. [default]");
    }
    for (auto&& [key, node] : *table.as_table()) {
      Result<Setting> s = ReadSetting(path, key.str(), node);
      if (!s) return s.error();
      if (profile.str() == name) settings.push_back(std::move(*s));
    }
  }
  if (root.get_as<toml::table>(name) == nullptr) {
    if (!named) return Status();
    return Status::InvalidArgument("--config-profile " + name + ": no [" + name + "] profile in " +
                                   path + " (profiles there: " + ProfileNames(root) + ")");
  }
  for (Setting& s : settings) {
    auto spec = std::find_if(specs.begin(), specs.end(),
                             [&](const OptionSpec& o) { return o.name == s.key; });
    if (spec == specs.end() || s.value.empty()) continue;
    args->SetFromProfile(s.key, std::move(s.value),
                         "profile '" + name + "' in " + path + ":" + std::to_string(s.line));
  }
  return Status();
}

}  // namespace ingest::cli
