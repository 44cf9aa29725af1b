#include "cli/resume_hint.h"

#include <filesystem>

namespace ingest::cli {

std::string ShellQuote(const std::string& s) {
  bool plain = !s.empty();
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::string_view("_./:=@%+-").find(c) != std::string_view::npos;
    plain = plain && ok;
  }
  if (plain) return s;
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

ResumeHint MakeResumeHint(const ParsedArgs& opt) {
  ResumeHint hint;
  if (opt.Has("auth")) {
    hint.args += " --auth " + ShellQuote(opt.Get("auth"));
    if (opt.Has("basic")) hint.args += " --basic";
    hint.note = "(the password of " + opt.Get("auth") + " comes from PASS or a prompt, as before)";
  } else if (opt.Has("token-file")) {
    std::error_code ec;
    std::filesystem::path abs = std::filesystem::absolute(opt.Get("token-file"), ec);
    hint.args += " --token-file " + ShellQuote(ec ? opt.Get("token-file") : abs.string());
  } else {
    hint.note = "(CVAT_ACCESS_TOKEN must be set to the token of this run)";
  }
  if (opt.Has("org")) hint.args += " --org " + ShellQuote(opt.Get("org"));
  if (opt.Has("insecure")) hint.args += " --insecure";
  if (opt.Has("ca-cert")) {
    std::error_code ec;
    std::filesystem::path abs = std::filesystem::absolute(opt.Get("ca-cert"), ec);
    hint.args += " --ca-cert " + ShellQuote(ec ? opt.Get("ca-cert") : abs.string());
  }
  // A proxy URL may carry a password: then it is left for the user to give again.
  if (opt.Has("proxy") && opt.Get("proxy").find('@') == std::string::npos) {
    hint.args += " --proxy " + ShellQuote(opt.Get("proxy"));
  }
  return hint;
}

std::string ResumeCommand(const std::string& journal, const ResumeHint& hint) {
  return "cvat-ingest resume " + ShellQuote(journal) + hint.args;
}

}  // namespace ingest::cli
