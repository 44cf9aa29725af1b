// The options that choose files, shared by scan, manifest and upload: --include GLOB and
// --exclude GLOB (repeatable; rclone's glob syntax, see engine/path_glob.h), or
// --files-from FILE (one path per line, '-' for stdin; NUL-separated with --null).
#ifndef INGEST_CLI_SELECTION_OPTIONS_H_
#define INGEST_CLI_SELECTION_OPTIONS_H_

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "cli/options.h"
#include "engine/file_selection.h"
#include "engine/result.h"

namespace ingest::cli {

inline constexpr OptionSpec kSelectionOptions[] = {
    {"include", "GLOB",
     "keep only files whose path (relative to the source) matches; repeatable; rclone globs: "
     "* ? [a-z] {a,b} within a name, ** across folders, a leading / anchors at the top"},
    {"exclude", "GLOB", "leave out files whose path matches; repeatable; wins over --include"},
    {"files-from", "FILE",
     "keep only the paths listed in FILE ('-': stdin), one per line, relative to the source; "
     "blank lines and lines starting with # or ; are skipped, spaces around a path trimmed"},
    {"null", "", "--files-from: paths end with NUL bytes and are taken exactly as written"},
};

// The selection the options ask for (empty when none is given). InvalidArgument (a usage
// error) for a bad pattern, --files-from with --include/--exclude, or --null alone; IoError
// when the list cannot be read. `in` is read for "--files-from -".
Result<FileSelection> ReadSelection(const ParsedArgs& opt, std::FILE* in = stdin);

// Splits a --files-from list: NUL-separated and raw with `null`, else lines (trimmed; blank,
// '#' and ';' lines skipped).
std::vector<std::string> SplitFileList(std::string_view text, bool null);

}  // namespace ingest::cli

#endif  // INGEST_CLI_SELECTION_OPTIONS_H_
