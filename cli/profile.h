// Config profiles: what users repeat (server, organization, token file, connection options)
// in $XDG_CONFIG_HOME/cvat-ingest/config.toml (default ~/.config/cvat-ingest/config.toml), one
// TOML table per profile:
//
//   [default]                    # used when --config-profile names none
//   server = "https://cvat.example.com"
//   token-file = "~/.config/cvat-ingest/token"
//   [work]
//   server = "https://cvat.work.example"
//   org = "vision"
//   connections = 16
//
// Keys: server, org, token-file, insecure, ca-cert, proxy, connections (or with '_').
// Options given on the command line win over the profile. A secret never lives in the file:
// a token or password key, or a proxy URL with a password, is refused.
#ifndef INGEST_CLI_PROFILE_H_
#define INGEST_CLI_PROFILE_H_

#include <span>
#include <string>

#include "cli/options.h"
#include "engine/status.h"

namespace ingest::cli {

// $XDG_CONFIG_HOME/cvat-ingest/config.toml, else $HOME/.config/cvat-ingest/config.toml.
std::string ConfigPath();

// Sets the options of `specs` that `args` lacks from the profile that --config-profile names,
// else from [default] when the file has one (no file, no [default]: nothing; nor when an
// option of `specs` with default_profile_needs_it is not on the command line). Paths in the
// file ("~/..." or relative to the file's folder) are made absolute. InvalidArgument naming the file
// and line on a syntax error, an unknown key, a secret, a bad value, or a named profile that is
// not there.
Status ApplyConfigProfile(std::span<const OptionSpec> specs, ParsedArgs* args);

}  // namespace ingest::cli

#endif  // INGEST_CLI_PROFILE_H_
