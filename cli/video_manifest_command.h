// cvat-ingest manifest VIDEO: the video half of the manifest command.
#ifndef INGEST_CLI_VIDEO_MANIFEST_COMMAND_H_
#define INGEST_CLI_VIDEO_MANIFEST_COMMAND_H_

#include <string>
#include <vector>

#include "cli/options.h"

namespace ingest::cli {

// True when `paths` is one regular file that CVAT's tool takes for a video (by its name, as
// create.py's is_video does).
bool IsSingleVideo(const std::vector<std::string>& paths);

// Writes (-o FILE [--force]) or checks (--check MANIFEST) the manifest of the video in
// opt.positional[0]. Returns the exit status.
int RunVideoManifest(const ParsedArgs& opt);

}  // namespace ingest::cli

#endif  // INGEST_CLI_VIDEO_MANIFEST_COMMAND_H_
