// The files of server-side sources as the client can know them without their bytes, so that
// a run of many tasks (--task-per, --split-every) and the client's own order apply to them as
// to local files:
// - the share: a path ending in '/' is a folder, listed (recursively) through CVAT's
//   GET /api/server/share?directory=DIR (ServerViewSet.share: each entry's name and type, DIR
//   or REG); any other path is a file, taken as named;
// - a bucket: the names of its manifest (upload/bucket_content.h: GET /api/cloudstorages/ID/
//   content-v2, walked folder by folder, or before CVAT 2.5 .../content); --cloud-file folders (ending
//   in '/') stand for the names below them, files for themselves (refused when the manifest
//   does not list them: CVAT needs their sizes from it); --filename-pattern (fnmatch) picks
//   from all of them;
// - remote URLs: each URL is a file named by its base name.
// --share-exclude drops the files it names and those below the folders it names.
//
// The result is a ScanResult: one source per --share path, --cloud-file (or the pattern) and
// one for all URLs; a record per media file with its path relative to its source and its kind
// from its name (sizes are unknown: 0), so upload/task_units.h groups and names the units as
// for a local scan. `server_names[i]` is what the data request names for record i (the share
// or bucket path, or the URL); `frame_names[i]` the name CVAT gives its frame (the share or
// bucket path, or the URL's base name), on which the order is computed and checked.
#ifndef INGEST_UPLOAD_SERVER_LISTING_H_
#define INGEST_UPLOAD_SERVER_LISTING_H_

#include <string>
#include <vector>

#include "engine/result.h"
#include "engine/scanner.h"
#include "upload/cvat_api.h"
#include "upload/server_sources.h"

namespace ingest::upload {

struct ServerListing {
  ScanResult scan;
  std::vector<std::string> server_names;  // by record
  std::vector<std::string> frame_names;   // by record
  size_t skipped = 0;  // listed files that are no media (CVAT skips them too)
};

// Lists `src` (with `filename_pattern` for a bucket). NotFound when no media file is left;
// InvalidArgument for a share folder CVAT does not have, a bucket file its manifest lacks.
Result<ServerListing> ListServerSources(CvatApi& api, const ServerSources& src,
                                        const std::string& filename_pattern);

}  // namespace ingest::upload

#endif  // INGEST_UPLOAD_SERVER_LISTING_H_
