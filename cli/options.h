// A small command-line option parser: "--name value", "--name=value", boolean "--flag", and
// cvat-cli's underscore spellings ("--sorting_method") as aliases of the dashed ones.
#ifndef INGEST_CLI_OPTIONS_H_
#define INGEST_CLI_OPTIONS_H_

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cli/commands.h"
#include "engine/result.h"

namespace ingest::cli {

struct OptionSpec {
  std::string_view name;   // without dashes, e.g. "sorting-method"
  std::string_view value;  // value placeholder for help ("M"); empty for a flag
  std::string_view help;
  char short_name = 0;     // e.g. 'o' for -o
  // Unless this option is on the command line, the `default` config profile (profile.h) is not
  // read at all, only one that --config-profile names (bench --server: a default profile must
  // not turn a local benchmark into one that creates tasks on a server, or send it through a
  // proxy).
  bool default_profile_needs_it = false;
};

// What PrintHelp prints, as data: the man pages and shell completions are made from it.
struct HelpPage {
  std::string usage;
  std::string description;
  std::vector<OptionSpec> options;  // without -h/--help
};

class ParsedArgs {
 public:
  // True when the option was given on the command line or set by a config profile.
  bool Has(std::string_view name) const { return values_.count(std::string(name)) > 0; }
  // True only when the option was given on the command line.
  bool Given(std::string_view name) const { return Has(name) && !origin_.count(name); }
  // Where a value that a config profile set comes from ("profile 'work' in FILE:LINE"); empty
  // for an option given on the command line or not at all.
  std::string Origin(std::string_view name) const;
  // Sets `name` to `value` from a config profile, unless the command line gave it.
  void SetFromProfile(std::string_view name, std::string value, std::string origin);
  // The last value given for `name`, or `fallback`.
  std::string Get(std::string_view name, std::string_view fallback = {}) const;
  // Every value given for `name`, in command-line order (for repeatable options).
  std::vector<std::string> GetAll(std::string_view name) const;
  std::vector<std::string> positional;

  // Parses an unsigned integer option; InvalidArgument naming the option on junk.
  Result<uint64_t> GetUint(std::string_view name, uint64_t fallback) const;

 private:
  friend Result<ParsedArgs> ParseArgs(Args args, std::span<const OptionSpec> specs);
  std::map<std::string, std::string, std::less<>> values_;
  std::map<std::string, std::vector<std::string>, std::less<>> all_;
  std::map<std::string, std::string, std::less<>> origin_;  // options a profile set
};

// One table from several (a command's own options, then shared ones), in order.
template <size_t... N>
constexpr std::array<OptionSpec, (N + ...)> JoinOptions(const OptionSpec (&... tables)[N]) {
  std::array<OptionSpec, (N + ...)> out{};
  auto at = out.begin();
  ((at = std::copy(std::begin(tables), std::end(tables), at)), ...);
  return out;
}

// Parses `args`. "--help"/"-h" is returned as the option "help". Errors name the bad option.
// When `specs` has "config-profile" and no --help was given, the config profile (profile.h)
// then fills the options the command line left out; its errors name the file and line.
Result<ParsedArgs> ParseArgs(Args args, std::span<const OptionSpec> specs);

// Prints "usage: <usage>\n\n<description>\n\noptions:\n..." to stdout, or, while
// CaptureHelp has a page, stores it there instead of printing.
void PrintHelp(std::string_view usage, std::string_view description,
               std::span<const OptionSpec> specs);

// While `page` is not null, PrintHelp fills it instead of printing (help_formats.h).
void CaptureHelp(HelpPage* page);

// Parses an unsigned decimal integer, all of `text` (as GetUint does); nothing on junk.
std::optional<uint64_t> ParseUint(std::string_view text);

// Parses sizes like "10MiB", "1.5G", "4096" (binary multiples for K/M/G/T with or without
// "iB"). InvalidArgument on junk.
Result<uint64_t> ParseSize(std::string_view text);

// "1.5 GiB", "512 B".
std::string FormatBytes(uint64_t bytes);

}  // namespace ingest::cli

#endif  // INGEST_CLI_OPTIONS_H_
