// What a client may list of the receiver's server-side sources before it names them in a data
// request, as CVAT answers it:
// - GET /api/server/share?directory=DIR (ServerViewSet.share, cvat/apps/engine/views.py): the
//   entries directly in DIR of the share, each {"name", "type": "DIR"|"REG", "mime_type"},
//   directories first, then by name (Python's sort of (type, name)). The leading '/' of DIR
//   is dropped; a DIR that is not a folder inside the share is a 400 with the JSON string
//   "DIR is an invalid directory". mime_type is "DIR" for a folder, else the file's kind by
//   its name: image, video, archive (zip included), or "unknown".
// - GET /api/cloudstorages/ID/content?manifest_path=NAME (CloudStorageViewSet.content): the
//   names of the bucket's manifest (name + extension, joined to the manifest's folder), in
//   the manifest's order; a manifest that is not there is a 404. CVAT deprecated it in 2.5
//   and has since removed it: the receiver answers it before 2.6.0 only.
// - GET /api/cloudstorages/ID/content-v2?manifest_path=&prefix=&next_token=&page_size=
//   (CloudStorageViewSet.content_v2, CVAT 2.5 and later; the manifest's part is
//   ImageManifestManager.emulate_hierarchical_structure, utils/dataset_manifest/core.py): one
//   level of the manifest's names (or, without manifest_path, of the bucket's files) below
//   `prefix` (a string prefix, a leading '/' dropped; names are cut after its last '/'):
//   {"content":[{"name","type":"DIR"|"REG","mime_type"}...],"next":"N"|null}, folders first,
//   then files, each in natural order; a page holds page_size entries at the most (default
//   and cap: CVAT's settings.BUCKET_CONTENT_MAX_PAGE_SIZE; 500 here, a value not checked
//   against CVAT's settings), and `next` is the index of the next page's
//   first entry as a string, given back as next_token. A page_size or next_token that is no
//   number is a 400.
#ifndef INGEST_SERVER_SOURCE_LISTING_H_
#define INGEST_SERVER_SOURCE_LISTING_H_

#include <cstddef>
#include <filesystem>
#include <string>

namespace ingest::server {

// True when `p` is `root` or below it (both absolute and lexically normal): the one check of
// every client-given path under the share or a bucket folder.
bool PathWithin(const std::filesystem::path& root, const std::filesystem::path& p);

struct ListingReply {
  int status = 200;
  std::string json;  // the body (on an error, a JSON string with CVAT's message)
};

// The share listing of `directory` (the query parameter as given) under `share_dir`.
ListingReply ListShareDirectory(const std::string& share_dir, const std::string& directory);

// The content of the manifest `manifest_path` of the bucket folder `bucket_dir`.
ListingReply ListBucketManifest(const std::string& bucket_dir, const std::string& manifest_path);

inline constexpr size_t kBucketContentMaxPageSize = 500;

// content-v2's query parameters, as given ("" when absent; page_size defaults to the cap).
struct ContentQuery {
  std::string manifest_path;
  std::string prefix;
  std::string next_token;
  std::string page_size = std::to_string(kBucketContentMaxPageSize);
};

// One page of content-v2 for the bucket folder `bucket_dir`.
ListingReply ListBucketContent(const std::string& bucket_dir, const ContentQuery& query);

}  // namespace ingest::server

#endif  // INGEST_SERVER_SOURCE_LISTING_H_
