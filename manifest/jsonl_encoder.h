// JsonlEncoder: writes JSON text byte for byte as Python's json.dumps(obj,
// separators=(",", ":")) does with its defaults (ensure_ascii=True), which is how CVAT's
// manifest tool writes every line. Strings are raw bytes (file names may not be valid UTF-8)
// and are decoded like Python does with surrogateescape: an undecodable byte b becomes
// "\udcXX"; everything outside printable ASCII is escaped as lowercase \uXXXX, characters
// beyond the BMP as a surrogate pair, and DEL as \u007f.
#ifndef INGEST_MANIFEST_JSONL_ENCODER_H_
#define INGEST_MANIFEST_JSONL_ENCODER_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace ingest::manifest {

// Appends the JSON string literal for `s` (with quotes) to `out`.
void AppendJsonString(std::string_view s, std::string* out);

// Appends the decimal form of `v`.
void AppendJsonInt(int64_t v, std::string* out);

}  // namespace ingest::manifest

#endif  // INGEST_MANIFEST_JSONL_ENCODER_H_
