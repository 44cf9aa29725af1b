#include "server/data_request.h"

#include <simdjson.h>

#include <cstdint>
#include <set>

#include "manifest/jsonl_encoder.h"
#include "server/wire_text.h"

namespace ingest::server {
namespace {

constexpr size_t kMaxFilenameLength = 1024;  // serializers.py MAX_FILENAME_LENGTH

// Collects DRF-style field errors and renders them as the 400 body.
class FieldErrors {
 public:
  void Add(std::string_view field, std::string_view msg) {
    errors_.emplace_back(std::string(field), std::string(msg));
  }
  bool empty() const { return errors_.empty(); }
  Status ToStatus() const {
    std::string out = "{";
    for (const auto& [field, msg] : errors_) {
      AppendKey(field, &out);
      out += "[";
      manifest::AppendJsonString(msg, &out);
      out += "]";
    }
    out += "}";
    return Status::InvalidArgument(out);
  }

 private:
  std::vector<std::pair<std::string, std::string>> errors_;
};

// A scalar value as text, whatever its JSON type (DRF coerces "70" and 70 alike).
struct Scalar {
  bool present = false;
  bool is_null = false;
  std::string text;
};

std::optional<int64_t> ToInt(const Scalar& s) {
  std::string_view t = s.text;
  bool neg = !t.empty() && t.front() == '-';
  if (neg) t.remove_prefix(1);
  std::optional<uint64_t> v = ParseDecimal(t);
  if (!v || *v > (1ULL << 62)) return std::nullopt;
  return neg ? -static_cast<int64_t>(*v) : static_cast<int64_t>(*v);
}

std::optional<bool> ToBool(const Scalar& s) {
  if (s.text == "true" || s.text == "True" || s.text == "1") return true;
  if (s.text == "false" || s.text == "False" || s.text == "0" || s.text.empty()) return false;
  return std::nullopt;
}

// The common validation once every field is available as text.
struct RawFields {
  std::map<std::string, Scalar> scalars;
  std::map<std::string, std::vector<std::string>> lists;
  std::vector<std::vector<std::string>> job_file_mapping;
  bool has_job_file_mapping = false;
  std::optional<ValidationRequest> validation;
};

Result<DataRequest> Validate(const RawFields& raw) {
  DataRequest req;
  FieldErrors errors;
  auto scalar = [&](const char* key) -> Scalar {
    auto it = raw.scalars.find(key);
    return it == raw.scalars.end() ? Scalar{} : it->second;
  };
  auto get_int = [&](const char* key, std::optional<int64_t>* out) {
    Scalar s = scalar(key);
    if (!s.present || s.is_null) return;
    std::optional<int64_t> v = ToInt(s);
    if (!v) {
      errors.Add(key, "A valid integer is required.");
      return;
    }
    *out = v;
  };
  auto get_bool = [&](const char* key, bool* out) {
    Scalar s = scalar(key);
    if (!s.present || s.is_null) return;
    std::optional<bool> v = ToBool(s);
    if (!v) {
      errors.Add(key, "Must be a valid boolean.");
      return;
    }
    *out = *v;
  };

  std::optional<int64_t> quality;
  Scalar q = scalar("image_quality");
  if (!q.present) {
    errors.Add("image_quality", "This field is required.");
  } else if (q.is_null) {
    errors.Add("image_quality", "This field may not be null.");
  } else {
    get_int("image_quality", &quality);
    if (quality && (*quality < 0 || *quality > 100)) {
      errors.Add("image_quality", *quality < 0 ? "Ensure this value is greater than or equal to 0."
                                               : "Ensure this value is less than or equal to 100.");
    } else if (quality) {
      req.image_quality = *quality;
    }
  }
  Scalar sorting = scalar("sorting_method");
  if (sorting.present && !sorting.is_null) {
    static const std::set<std::string> kMethods = {"lexicographical", "natural", "predefined",
                                                   "random"};
    if (kMethods.count(sorting.text) == 0) {
      errors.Add("sorting_method", "\"" + sorting.text + "\" is not a valid choice.");
    } else {
      req.sorting_method = sorting.text;
    }
  }
  Scalar storage = scalar("storage_method");
  if (storage.present && !storage.is_null) {
    if (storage.text != "cache" && storage.text != "file_system") {
      errors.Add("storage_method", "\"" + storage.text + "\" is not a valid choice.");
    } else {
      req.storage_method = storage.text;
    }
  }
  get_bool("use_cache", &req.use_cache);
  get_bool("use_zip_chunks", &req.use_zip_chunks);
  get_bool("copy_data", &req.copy_data);
  if (req.use_cache) req.storage_method = "cache";
  get_int("chunk_size", &req.chunk_size);
  if (req.chunk_size && *req.chunk_size <= 0) {
    errors.Add("chunk_size", "Ensure this value is greater than or equal to 1.");
  }
  std::optional<int64_t> start;
  get_int("start_frame", &start);
  if (start) req.start_frame = *start;
  get_int("stop_frame", &req.stop_frame);
  if (req.start_frame < 0) errors.Add("start_frame", "Ensure this value is greater than or equal to 0.");
  if (req.stop_frame && *req.stop_frame < 0) {
    errors.Add("stop_frame", "Ensure this value is greater than or equal to 0.");
  }
  if (req.stop_frame && *req.stop_frame > 0 && req.start_frame > *req.stop_frame) {
    errors.Add("stop_frame", "Stop frame must be more or equal start frame");
  }
  Scalar filter = scalar("frame_filter");
  if (filter.present && !filter.is_null && !filter.text.empty()) {
    req.frame_filter = filter.text;
    std::string_view f = filter.text;
    std::optional<uint64_t> step;
    if (f.starts_with("step=")) step = ParseDecimal(f.substr(5));
    // A step past int64 selects the start frame only, as any step past the frame count
    // does; refused like a malformed one so that no later arithmetic sees it.
    if (!step || *step < 1 || *step > static_cast<uint64_t>(INT64_MAX)) {
      errors.Add("frame_filter", "Invalid frame filter expression");
    } else {
      req.frame_step = static_cast<int64_t>(*step);
    }
  }
  auto list = [&](const char* key) -> std::vector<std::string> {
    auto it = raw.lists.find(key);
    return it == raw.lists.end() ? std::vector<std::string>() : it->second;
  };
  req.upload_file_order = list("upload_file_order");
  for (const std::string& name : req.upload_file_order) {
    if (name.size() > kMaxFilenameLength) {
      errors.Add("upload_file_order", "Ensure this field has no more than 1024 characters.");
      break;
    }
  }
  req.server_files = list("server_files");
  req.remote_files = list("remote_files");
  req.server_files_exclude = list("server_files_exclude");
  for (const std::string& name : req.server_files_exclude) {
    if (name.size() > kMaxFilenameLength) {
      errors.Add("server_files_exclude", "Ensure this field has no more than 1024 characters.");
      break;
    }
  }
  get_int("cloud_storage_id", &req.cloud_storage_id);
  if (Scalar p = scalar("filename_pattern"); p.present && !p.is_null) req.filename_pattern = p.text;
  // DataSerializer.validate: the pattern picks files from a manifest.
  if (!req.filename_pattern.empty()) {
    bool only_manifests = true;
    for (const std::string& f : req.server_files) only_manifests &= f.ends_with(".jsonl");
    if (!only_manifests) {
      errors.Add("non_field_errors", "The filename_pattern can only be used with specified "
                                     "manifest or without server_files");
    } else if (!req.server_files_exclude.empty()) {
      errors.Add("non_field_errors",
                 "The filename_pattern and server_files_exclude cannot be used together");
    }
  }
  if (raw.has_job_file_mapping) {
    req.job_file_mapping = raw.job_file_mapping;
    std::set<std::string> seen;
    for (const auto& job : req.job_file_mapping) {
      if (job.empty()) {
        errors.Add("job_file_mapping", "Each job must have at least one file");
        break;
      }
      for (const std::string& f : job) {
        if (!seen.insert(f).second) {
          errors.Add("job_file_mapping", "The same file cannot be used multiple times (" + f + ")");
          break;
        }
      }
    }
    if (req.sorting_method != "lexicographical" && req.sorting_method != "predefined") {
      errors.Add("job_file_mapping", "job_file_mapping cannot be used with this sorting method");
    }
  }
  if (!errors.empty()) return errors.ToStatus();
  req.validation = raw.validation;
  return req;
}

void ScalarFromJson(simdjson::dom::element v, Scalar* out) {
  out->present = true;
  switch (v.type()) {
    case simdjson::dom::element_type::NULL_VALUE:
      out->is_null = true;
      break;
    case simdjson::dom::element_type::STRING:
      out->text = std::string(std::string_view(v));
      break;
    case simdjson::dom::element_type::BOOL:
      out->text = bool(v) ? "true" : "false";
      break;
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
      out->text = simdjson::minify(v);
      break;
    default:
      out->text = "<" + simdjson::minify(v) + ">";  // not a valid scalar for any field
      break;
  }
}

}  // namespace

Result<DataRequest> ParseDataRequestJson(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  simdjson::padded_string padded(body);
  if (parser.parse(padded).get(doc) != simdjson::SUCCESS) {
    return Status::InvalidArgument(DetailJson("JSON parse error"));
  }
  simdjson::dom::object obj;
  if (doc.get(obj) != simdjson::SUCCESS) {
    return Status::InvalidArgument(
        "{\"non_field_errors\":[\"Invalid data. Expected a dictionary, but got list.\"]}");
  }
  RawFields raw;
  for (auto [key, value] : obj) {
    std::string k(key);
    if (k == "validation_params") {
      if (value.is_null()) continue;
      Result<ValidationRequest> v = ParseValidationParams(value);
      if (!v) return v.error();
      raw.validation = std::move(*v);
      continue;
    }
    if (k == "job_file_mapping") {
      raw.has_job_file_mapping = !value.is_null();
      simdjson::dom::array jobs;
      if (value.get(jobs) != simdjson::SUCCESS) continue;
      for (simdjson::dom::element job : jobs) {
        std::vector<std::string> files;
        simdjson::dom::array arr;
        if (job.get(arr) == simdjson::SUCCESS) {
          for (simdjson::dom::element f : arr) {
            std::string_view s;
            if (f.get(s) == simdjson::SUCCESS) files.emplace_back(s);
          }
        }
        raw.job_file_mapping.push_back(std::move(files));
      }
      continue;
    }
    simdjson::dom::array arr;
    if (value.get(arr) == simdjson::SUCCESS) {
      std::vector<std::string>& items = raw.lists[k];
      for (simdjson::dom::element item : arr) {
        std::string_view s;
        if (item.get(s) == simdjson::SUCCESS) items.emplace_back(s);
      }
      continue;
    }
    ScalarFromJson(value, &raw.scalars[k]);
  }
  return Validate(raw);
}

Result<DataRequest> ParseDataRequestForm(const FormFields& fields) {
  RawFields raw;
  std::map<std::string, std::map<int64_t, std::string>> indexed;
  for (const auto& [name, value] : fields) {
    size_t bracket = name.find('[');
    if (bracket != std::string::npos && name.back() == ']') {
      std::string key = name.substr(0, bracket);
      std::optional<uint64_t> idx =
          ParseDecimal(std::string_view(name).substr(bracket + 1, name.size() - bracket - 2));
      if (idx) indexed[key][static_cast<int64_t>(*idx)] = value;
      continue;
    }
    if (name == "upload_file_order" || name == "server_files" || name == "remote_files" ||
        name == "server_files_exclude") {
      raw.lists[name].push_back(value);
      continue;
    }
    Scalar& s = raw.scalars[name];
    s.present = true;
    s.text = value;
  }
  for (auto& [key, items] : indexed) {
    std::vector<std::string>& out = raw.lists[key];
    for (auto& [i, v] : items) out.push_back(v);
  }
  return Validate(raw);
}

}  // namespace ingest::server
