// The names a bucket's manifest lists, asked of CVAT the way the server offers:
// - CVAT 2.5 and later: GET /api/cloudstorages/ID/content-v2?manifest_path=M&prefix=P
//   &page_size=N&next_token=T (CloudStorageViewSet.content_v2): one level of the manifest's
//   names below a prefix, folders ("DIR") then files ("REG"), named from the prefix's last
//   '/' on, in pages linked by `next`. The folders are walked, depth first, so the names come
//   folder by folder in CVAT's natural order (not in the manifest's order).
// - before 2.5: GET /api/cloudstorages/ID/content?manifest_path=M (deprecated in 2.5, removed
//   in 2.6): every name at once, in the manifest's order.
// A server whose version is not known is asked content-v2 first, and .../content only when it
// answers 404 for content-v2.
#ifndef INGEST_UPLOAD_BUCKET_CONTENT_H_
#define INGEST_UPLOAD_BUCKET_CONTENT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "engine/result.h"
#include "upload/cvat_api.h"

namespace ingest::upload {

// The full names (joined to the manifest's folder, as CVAT names them) that the manifest
// `manifest` of cloud storage `storage_id` lists. Errors name the request and the reply.
Result<std::vector<std::string>> ListBucketNames(CvatApi& api, int64_t storage_id,
                                                 const std::string& manifest);

}  // namespace ingest::upload

#endif  // INGEST_UPLOAD_BUCKET_CONTENT_H_
