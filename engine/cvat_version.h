// CVAT's release numbers and what the upload path depends on in each (checked in CVAT's
// CHANGELOG.md, repository cvat-ai/cvat):
//   2.4.6 (2023-06-09)  the data request's `upload_file_order`, and an uploaded manifest
//                       allowed with `predefined` sorting (before: "It isn't supported to
//                       upload manifest file and use random sorting"; PR 5083)
//   2.16.0 (2024-07-15) task creation tracked as a request: Upload-Finish answers
//                       {"rq_id"} and GET /api/requests/<rq_id> reports it (PR 7537); before,
//                       only GET /api/tasks/<id>/status
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
// The oldest CVAT the client uploads to: the first with upload_file_order, which the client
// needs to make the server's frame order its own.
inline constexpr CvatVersion kCvatOldestSupported = kCvatUploadFileOrder;

}  // namespace ingest

#endif  // INGEST_ENGINE_CVAT_VERSION_H_
