#include "cli/help_formats.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "cli/exit_codes.h"

namespace ingest::cli {
namespace {

// Text for roff: backslashes and dashes escaped, a leading '.' or '\'' made literal.
std::string Roff(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out.insert(0, "\\&");
  return out;
}

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// The description, filled: a line that starts with a capital after one that ends a sentence
// (or a colon) begins a new paragraph, as the help text's layout reads.
std::string RoffDescription(std::string_view description) {
  std::string out;
  char last = '.';
  for (std::string_view line : Lines(description)) {
    if (line.empty()) continue;
    bool starts_upper = std::isupper(static_cast<unsigned char>(line[0])) != 0;
    if (!out.empty() && starts_upper && (last == '.' || last == ':')) out += ".PP\n";
    out += Roff(line) + "\n";
    last = line.back();
  }
  return out;
}

std::string RoffOption(const OptionSpec& o) {
  std::string out = ".TP\n";
  if (o.short_name != 0) out += "\\fB\\-" + std::string(1, o.short_name) + "\\fR, ";
  out += "\\fB\\-\\-" + Roff(o.name) + "\\fR";
  if (!o.value.empty()) out += " \\fI" + Roff(o.value) + "\\fR";
  return out + "\n" + Roff(o.help) + "\n";
}

std::string Header(const std::string& title, std::string_view summary) {
  std::string upper = title;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return ".TH " + upper + " 1 \"\" \"cvat-ingest " INGEST_VERSION "\" \"User Commands\"\n" +
         ".SH NAME\n" + Roff(title) + " \\- " + Roff(summary) + "\n";
}

// How an option's value completes, from its placeholder ("FILE", "DIR", "auto|bar|none").
struct ValueHint {
  bool files = false;
  bool dirs = false;
  bool profiles = false;            // names of the config file's profiles
  std::vector<std::string> words;  // fixed choices
};

ValueHint HintFor(const OptionSpec& o) {
  ValueHint hint;
  if (o.name == "config-profile") hint.profiles = true;
  size_t start = 0;
  while (start <= o.value.size()) {
    size_t end = std::min(o.value.find('|', start), o.value.size());
    std::string_view w = o.value.substr(start, end - start);
    start = end + 1;
    if (w == "FILE" || w == "MANIFEST" || w == "PATH" || w == "JOURNAL") {
      hint.files = true;
    } else if (w == "DIR") {
      hint.dirs = true;
    } else if (!w.empty() && std::all_of(w.begin(), w.end(), [](char c) {
                 return std::islower(static_cast<unsigned char>(c)) || c == '-';
               })) {
      hint.words.emplace_back(w);
    }
  }
  return hint;
}

std::string Join(const std::vector<std::string>& words, std::string_view sep) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : std::string(sep)) + w;
  return out;
}

std::vector<std::string> OptionWords(const HelpPage& page) {
  std::vector<std::string> out;
  for (const OptionSpec& o : page.options) {
    out.push_back("--" + std::string(o.name));
    if (o.short_name != 0) out.push_back(std::string("-") + o.short_name);
  }
  out.push_back("--help");
  return out;
}

constexpr std::string_view kProfileNames =
    "$(sed -n 's/^[[:space:]]*\\[\\([^].]*\\)\\].*/\\1/p' "
    "\"${XDG_CONFIG_HOME:-$HOME/.config}/cvat-ingest/config.toml\" 2>/dev/null)";

// The `case $prev` arms of one command: what follows an option that takes a value.
std::string BashValueCases(const HelpPage& page) {
  std::string out;
  for (const OptionSpec& o : page.options) {
    if (o.value.empty()) continue;
    std::string pattern = "--" + std::string(o.name);
    if (o.short_name != 0) pattern += std::string("|-") + o.short_name;
    ValueHint h = HintFor(o);
    std::string gen;
    if (h.profiles) gen += "compgen -W \"" + std::string(kProfileNames) + "\" -- \"$cur\"; ";
    if (!h.words.empty()) gen += "compgen -W \"" + Join(h.words, " ") + "\" -- \"$cur\"; ";
    if (h.files) gen += "compgen -f -- \"$cur\"; ";
    if (h.dirs) gen += "compgen -d -- \"$cur\"; ";
    out += "        " + pattern + ")";
    if (!gen.empty()) out += " mapfile -t COMPREPLY < <(" + gen + ");";
    out += " return 0 ;;\n";
  }
  return out;
}

// For zsh's _arguments: '[', ']', ':' and '\'' made safe inside a single-quoted spec.
std::string ZshText(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else if (c == '[' || c == ']' || c == ':' || c == '\\') {
      out += std::string("\\") + c;
    } else {
      out += c;
    }
  }
  return out;
}

std::string ZshOption(const OptionSpec& o, const std::string& flag) {
  std::string out = "'*" + flag + "[" + ZshText(o.help) + "]";
  if (o.value.empty()) return out + "'";
  ValueHint h = HintFor(o);
  std::string action = " ";
  if (h.profiles) {
    action = "_cvat_ingest_profiles";
  } else if (h.files && h.words.empty()) {
    action = "_files";
  } else if (h.dirs) {
    action = "_files -/";
  } else if (!h.words.empty()) {
    action = "(" + Join(h.words, " ") + ")";
  }
  return out + ":" + ZshText(o.value) + ":" + action + "'";
}

}  // namespace

HelpPage CollectHelp(const Command& command) {
  HelpPage page;
  CaptureHelp(&page);
  const char* const argv[] = {"--help"};
  command.run(Args(argv, 1));
  CaptureHelp(nullptr);
  return page;
}

std::string CommandManPage(const Command& command, const HelpPage& page) {
  std::string out = Header("cvat-ingest-" + std::string(command.name), command.summary);
  out += ".SH SYNOPSIS\n.nf\n";
  for (std::string_view line : Lines(page.usage)) out += Roff(line) + "\n";
  out += ".fi\n.SH DESCRIPTION\n" + RoffDescription(page.description);
  out += ".SH OPTIONS\n";
  for (const OptionSpec& o : page.options) out += RoffOption(o);
  out += RoffOption({"help", "", "show this help", 'h'});
  out += ".SH SEE ALSO\n.BR cvat\\-ingest (1)\n";
  return out;
}

std::string MainManPage(std::span<const Command> commands) {
  std::string out = Header("cvat-ingest", "upload image and video corpora into CVAT");
  out += ".SH SYNOPSIS\n.B cvat\\-ingest\n.I COMMAND\n[\\fIOPTIONS\\fR]\n";
  out += ".SH DESCRIPTION\n" + Roff(kTagline) + "\n.SH COMMANDS\n";
  for (const Command& c : commands) {
    out += ".TP\n\\fB" + Roff(c.name) + "\\fR\n" + Roff(c.summary) + " (see \\fBcvat\\-ingest\\-" +
           Roff(c.name) + "\\fR(1))\n";
  }
  out += ".SH OPTIONS\n";
  out += RoffOption({"help", "", "show this help", 'h'});
  out += RoffOption({"version", "", "print the version", 'V'});
  out += ".SH EXIT STATUS\n" + Roff(kExitStatusLine) + "\n";
  out += ".SH FILES\n.TP\n\\fI$XDG_CONFIG_HOME/cvat\\-ingest/config.toml\\fR\n"
         "Config profiles (default \\fI~/.config/cvat\\-ingest/config.toml\\fR): see "
         "\\fB\\-\\-config\\-profile\\fR in \\fBcvat\\-ingest\\-upload\\fR(1).\n";
  out += ".SH SEE ALSO\n";
  for (size_t i = 0; i < commands.size(); ++i) {
    out += ".BR cvat\\-ingest\\-" + Roff(commands[i].name) + " (1)" +
           (i + 1 < commands.size() ? "," : "") + "\n";
  }
  return out;
}

std::string BashCompletion(std::span<const Command> commands, std::span<const HelpPage> pages) {
  std::vector<std::string> names;
  for (const Command& c : commands) names.emplace_back(c.name);
  std::string out =
      "# bash completion for cvat-ingest: generated by `cvat-ingest help-completion bash` from\n"
      "# the option tables that --help prints.\n"
      "_cvat_ingest() {\n"
      "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} opts=\n"
      "  COMPREPLY=()\n"
      "  if [[ $COMP_CWORD -eq 1 ]]; then\n"
      "    mapfile -t COMPREPLY < <(compgen -W \"" +
      Join(names, " ") +
      " --help --version\" -- \"$cur\")\n"
      "    return 0\n"
      "  fi\n"
      "  case ${COMP_WORDS[1]} in\n";
  for (size_t i = 0; i < commands.size(); ++i) {
    out += "    " + std::string(commands[i].name) + ")\n      opts=\"" +
           Join(OptionWords(pages[i]), " ") + "\"\n      case $prev in\n" +
           BashValueCases(pages[i]) + "      esac ;;\n";
  }
  out +=
      "    *) return 0 ;;\n"
      "  esac\n"
      "  if [[ $cur == -* ]]; then\n"
      "    mapfile -t COMPREPLY < <(compgen -W \"$opts\" -- \"$cur\")\n"
      "  else\n"
      "    mapfile -t COMPREPLY < <(compgen -f -- \"$cur\")\n"
      "  fi\n"
      "  return 0\n"
      "}\n"
      "complete -o filenames -F _cvat_ingest cvat-ingest\n";
  return out;
}

std::string ZshCompletion(std::span<const Command> commands, std::span<const HelpPage> pages) {
  std::string out =
      "#compdef cvat-ingest\n"
      "# zsh completion for cvat-ingest: generated by `cvat-ingest help-completion zsh` from\n"
      "# the option tables that --help prints.\n"
      "_cvat_ingest_profiles() {\n"
      "  local -a names\n"
      "  names=(" + std::string(kProfileNames) + ")\n"
      "  compadd -a names\n"
      "}\n"
      "_cvat_ingest() {\n"
      "  local -a commands\n"
      "  commands=(\n";
  for (const Command& c : commands) {
    out += "    '" + std::string(c.name) + ":" + ZshText(c.summary) + "'\n";
  }
  out +=
      "  )\n"
      "  if (( CURRENT == 2 )); then\n"
      "    _describe -t commands 'cvat-ingest command' commands\n"
      "    return\n"
      "  fi\n"
      "  local cmd=$words[2]\n"
      "  shift words\n"
      "  (( CURRENT-- ))\n"
      "  case $cmd in\n";
  for (size_t i = 0; i < commands.size(); ++i) {
    out += "    (" + std::string(commands[i].name) + ")\n      _arguments -s \\\n";
    for (const OptionSpec& o : pages[i].options) {
      out += "        " + ZshOption(o, "--" + std::string(o.name)) + " \\\n";
      if (o.short_name != 0) {
        out += "        " + ZshOption(o, std::string("-") + o.short_name) + " \\\n";
      }
    }
    out += "        '(- *)--help[show this help]' \\\n        '*:file:_files'\n      ;;\n";
  }
  out += "  esac\n}\n_cvat_ingest \"$@\"\n";
  return out;
}

int RunHelpFormat(std::string_view what, Args args) {
  std::span<const Command> commands = AllCommands();
  std::string text;
  if (what == "help-man" && args.empty()) {
    text = MainManPage(commands);
  } else if (what == "help-man" && args.size() == 1) {
    for (const Command& c : commands) {
      if (c.name == args[0]) text = CommandManPage(c, CollectHelp(c));
    }
  } else if (what == "help-completion" && args.size() == 1) {
    std::vector<HelpPage> pages;
    for (const Command& c : commands) pages.push_back(CollectHelp(c));
    if (std::string_view(args[0]) == "bash") text = BashCompletion(commands, pages);
    if (std::string_view(args[0]) == "zsh") text = ZshCompletion(commands, pages);
  }
  if (text.empty()) {
    std::fprintf(stderr,
                 "usage: cvat-ingest help-man [COMMAND] | cvat-ingest help-completion bash|zsh\n");
    return kExitUsage;
  }
  std::fwrite(text.data(), 1, text.size(), stdout);
  return kExitOk;
}

}  // namespace ingest::cli
