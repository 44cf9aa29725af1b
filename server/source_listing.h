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
//   the manifest's order; a manifest that is not there is a 404.
#ifndef INGEST_SERVER_SOURCE_LISTING_H_
#define INGEST_SERVER_SOURCE_LISTING_H_

#include <string>

namespace ingest::server {

struct ListingReply {
  int status = 200;
  std::string json;  // the body (on an error, a JSON string with CVAT's message)
};

// The share listing of `directory` (the query parameter as given) under `share_dir`.
ListingReply ListShareDirectory(const std::string& share_dir, const std::string& directory);

// The content of the manifest `manifest_path` of the bucket folder `bucket_dir`.
ListingReply ListBucketManifest(const std::string& bucket_dir, const std::string& manifest_path);

}  // namespace ingest::server

#endif  // INGEST_SERVER_SOURCE_LISTING_H_
