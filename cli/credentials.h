// Credentials for the commands that talk to a CVAT server (upload, resume, bench), never
// from argv: CVAT_ACCESS_TOKEN or --token-file (Bearer), or --auth USER with the password
// from PASS or a prompt (a login, or HTTP Basic with --basic). Plus small file helpers.
#ifndef INGEST_CLI_CREDENTIALS_H_
#define INGEST_CLI_CREDENTIALS_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/options.h"
#include "engine/result.h"
#include "upload/curl_util.h"

namespace ingest::cli {

struct Credentials {
  std::vector<std::string> headers;  // Authorization (Bearer or Basic), X-Organization
  std::optional<std::pair<std::string, std::string>> login;  // --auth without --basic
};

// The options of every command that talks to a CVAT server: credentials and connection.
inline constexpr OptionSpec kServerAccessOptions[] = {
    {"token-file", "FILE", "personal access token (sent as Bearer); or CVAT_ACCESS_TOKEN"},
    {"auth", "USER", "log in as USER; the password from PASS or a prompt"},
    {"basic", "", "with --auth: send HTTP Basic credentials instead of logging in"},
    {"org", "SLUG", "organization (sent as X-Organization)"},
    {"insecure", "", "do not verify TLS certificates"},
    {"ca-cert", "FILE", "trust these CA certificates (PEM)"},
    {"proxy", "URL", "HTTP proxy (default: the usual environment variables)"},
    {"config-profile", "NAME",
     "options not given here from profile NAME of ~/.config/cvat-ingest/config.toml "
     "(default: [default])"},
};

// Applies --insecure, --ca-cert, --proxy and, when the command has it, --limit-rate.
// InvalidArgument naming the option on a bad value.
Status ReadConnectionOptions(const ParsedArgs& opt, upload::ConnectionOptions* out);

// Reads them from the options --auth, --basic, --token-file and --org and the environment, in
// that order, except that a token file from a config profile comes after CVAT_ACCESS_TOKEN.
// InvalidArgument when there are none; errors name the token file (and the profile it came from).
Status ReadCredentials(const ParsedArgs& opt, Credentials* out);

// Drops trailing newlines/spaces and leading blanks.
std::string Trim(std::string s);
Result<std::string> ReadWholeFile(const std::string& path);

}  // namespace ingest::cli

#endif  // INGEST_CLI_CREDENTIALS_H_
