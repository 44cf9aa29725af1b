#include "cli/credentials.h"

#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "upload/transfer_engine.h"

namespace ingest::cli {
namespace {

std::string PromptPassword(const std::string& user) {
  std::fprintf(stderr, "password for %s: ", user.c_str());
  std::fflush(stderr);
  termios old{};
  bool tty = ::tcgetattr(STDIN_FILENO, &old) == 0;
  if (tty) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  char buf[512];
  if (std::fgets(buf, sizeof(buf), stdin) != nullptr) line = buf;
  if (tty) ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
  std::fprintf(stderr, "\n");
  return Trim(line);
}

}  // namespace

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  size_t start = s.find_first_not_of(" \t");
  return start == std::string::npos ? std::string() : s.substr(start);
}

Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return FromErrno("open " + path, errno);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Credentials, never from argv: --auth USER (password from PASS or a prompt), --token-file,
// or CVAT_ACCESS_TOKEN.
Status ReadCredentials(const ParsedArgs& opt, Credentials* out) {
  if (opt.Has("auth")) {
    std::string user = opt.Get("auth");
    const char* pass_env = std::getenv("PASS");
    std::string password = pass_env ? pass_env : PromptPassword(user);
    if (opt.Has("basic")) {
      out->headers.push_back("Authorization: Basic " + upload::Base64(user + ":" + password));
    } else {
      out->login.emplace(user, password);
    }
  } else if (opt.Given("token-file")) {
    Result<std::string> token = ReadWholeFile(opt.Get("token-file"));
    if (!token) return token.error();
    out->headers.push_back("Authorization: Bearer " + Trim(*token));
  } else if (const char* token = std::getenv("CVAT_ACCESS_TOKEN"); token && *token) {
    out->headers.push_back("Authorization: Bearer " + Trim(token));
  } else if (opt.Has("token-file")) {  // from a config profile
    Result<std::string> from_file = ReadWholeFile(opt.Get("token-file"));
    if (!from_file) {
      return Status::InvalidArgument("token-file of " + opt.Origin("token-file") + ": " +
                                     from_file.error().message());
    }
    out->headers.push_back("Authorization: Bearer " + Trim(*from_file));
  } else {
    return Status::InvalidArgument(
        "no credentials: set CVAT_ACCESS_TOKEN, or use --token-file FILE or --auth USER");
  }
  if (opt.Has("org")) out->headers.push_back("X-Organization: " + opt.Get("org"));
  return Status();
}

Status ReadConnectionOptions(const ParsedArgs& opt, upload::ConnectionOptions* out) {
  out->insecure = opt.Has("insecure");
  out->ca_cert = opt.Get("ca-cert");
  out->proxy = opt.Get("proxy");
  if (opt.Has("limit-rate")) {
    Result<uint64_t> rate = ParseSize(opt.Get("limit-rate"));
    if (!rate || *rate == 0) return Status::InvalidArgument("--limit-rate: a rate like 10MiB");
    out->limit_rate = *rate;
  }
  return Status();
}

}  // namespace ingest::cli
