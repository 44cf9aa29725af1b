// CVAT's release numbers and what the upload path depends on in each (checked in CVAT's
// CHANGELOG.md, repository cvat-ai/cvat):
//   2.4.6 (2023-06-09)  the data request's `upload_file_order`, and an uploaded manifest
//                       allowed with `predefined` sorting (before: "It isn't supported to
//                       upload manifest file and use random sorting"; PR 5083)
//   2.16.0 (2024-07-15) task creation tracked as a request: Upload-Finish answers
//                       {"rq_id"} and GET /api/requests/<rq_id> reports it (PR 7537); before,
//                       only GET /api/tasks/<id>/status
//   2.20.0              an uploaded manifest taken with any sorting but random. From 2.4.6
//                       task.py's _validate_manifest refuses one unless use_cache is on or the
//                       sorting is predefined ("A manifest file can only be used with the 'use
//                       cache' option or when 'sorting_method' is 'predefined'"); before 2.4.6
//                       it needs use_cache ("File with meta information can be uploaded if 'Use
//                       cache' option is also selected"). The check is in the task.py of the
//                       2.5-era releases (with job_file_mapping) and gone from the one that
//                       validates honeypots (PR 8348, per-segment chunks PR 8272, autumn 2024);
//                       the release in between is not pinned from the sources read: 2.20.0 is
//                       assumed. The client sends `predefined` with any manifest, which every
//                       release from 2.4.6 takes, so it does not depend on this number.
// The client and the receiver each use these numbers; neither shares its code with the other.
#ifndef INGEST_ENGINE_CVAT_VERSION_H_
#define INGEST_ENGINE_CVAT_VERSION_H_

#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace ingest {

struct CvatVersion {
  int major = 0;
  int minor = 0;
  int patch = 0;
  auto operator<=>(const CvatVersion&) const = default;
  std::string ToString() const;
};

// "X.Y.Z" with anything after Z ("2.16.0-dev", "2.5.0.post1") ignored; nullopt otherwise.
std::optional<CvatVersion> ParseCvatVersion(std::string_view text);

inline constexpr CvatVersion kCvatUploadFileOrder{2, 4, 6};
inline constexpr CvatVersion kCvatRequestsApi{2, 16, 0};
// GET /api/cloudstorages/ID/content-v2 (paginated, one level at a time) came with CVAT 2.5.0,
// which deprecated .../content ("will be removed in version 2.6.0", cvat/apps/engine/views.py).
inline constexpr CvatVersion kCvatBucketContentV2{2, 5, 0};
inline constexpr CvatVersion kCvatNoBucketContentV1{2, 6, 0};
inline constexpr CvatVersion kCvatManifestAnySorting{2, 20, 0};
// The oldest CVAT the client uploads to: the first with upload_file_order, which the client
// needs to make the server's frame order its own.
inline constexpr CvatVersion kCvatOldestSupported = kCvatUploadFileOrder;

}  // namespace ingest

#endif  // INGEST_ENGINE_CVAT_VERSION_H_
