// DataRequest: the fields of CVAT's DataSerializer that a finish (or a bulk upload) carries,
// parsed from JSON or from multipart form fields and validated as CVAT validates them
// (cvat_protocol.md section 3). A failed validation returns kInvalidArgument whose message is
// the DRF-style JSON body of the 400 reply, e.g. {"image_quality":["This field is required."]}.
#ifndef INGEST_SERVER_DATA_REQUEST_H_
#define INGEST_SERVER_DATA_REQUEST_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/result.h"
#include "server/validation_params.h"

namespace ingest::server {

struct DataRequest {
  int64_t image_quality = 0;
  std::string sorting_method = "lexicographical";
  std::vector<std::string> upload_file_order;
  bool use_cache = false;
  bool use_zip_chunks = false;
  bool copy_data = false;
  std::optional<int64_t> chunk_size;
  int64_t start_frame = 0;
  std::optional<int64_t> stop_frame;
  std::string frame_filter;
  int64_t frame_step = 1;  // from frame_filter "step=N"
  std::vector<std::vector<std::string>> job_file_mapping;
  std::string storage_method = "file_system";
  std::vector<std::string> server_files;
  std::vector<std::string> remote_files;
  std::vector<std::string> server_files_exclude;
  std::optional<int64_t> cloud_storage_id;
  std::string filename_pattern;  // fnmatch, "" for none
  std::optional<ValidationRequest> validation;  // validation_params, when given (JSON only)
};

// Form fields as received in a multipart body: name -> values, in order.
using FormFields = std::multimap<std::string, std::string>;

Result<DataRequest> ParseDataRequestJson(std::string_view body);
Result<DataRequest> ParseDataRequestForm(const FormFields& fields);

}  // namespace ingest::server

#endif  // INGEST_SERVER_DATA_REQUEST_H_
