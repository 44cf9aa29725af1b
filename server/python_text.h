// What CVAT's Python does to the text of a TUS request, reproduced so the receiver answers as
// CVAT does (issue 16): int() on Upload-Length and Upload-Offset, base64.b64decode() on
// Upload-Metadata values, how TusFile.TusMeta reads the metadata header, os.path.normpath()
// on the names it registers, pathlib's parsing of an upload name, and how Django writes a
// response header value that is not Latin-1.
//
// Each function says which Python call it stands for; where Python raises, it returns
// nullopt (CVAT then answers 500).
#ifndef INGEST_SERVER_PYTHON_TEXT_H_
#define INGEST_SERVER_PYTHON_TEXT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace ingest::server {

// int(s) for a header value (Latin-1 text): surrounding whitespace, an optional sign, digits
// with single '_' between them. Values past int64 saturate at INT64_MAX / INT64_MIN (Python's
// ints are unbounded; every use here compares them with a bound). nullopt where int() raises.
std::optional<int64_t> PythonInt(std::string_view s);

// base64.b64decode(s) (validate=False): non-ASCII raises; characters outside the alphabet
// are skipped; decoding stops at a complete padding; leftover bits raise.
std::optional<std::string> PythonB64Decode(std::string_view s);

// TusFile.TusMeta.from_request's reading of Upload-Metadata: split on ',', each pair on ' ';
// a pair of exactly two parts is key and base64 value (decoded, then UTF-8), anything else
// is its first part with "". Later keys win. nullopt where CVAT raises (bad base64, bad
// UTF-8, or a "file_size"/"offset" key, which fail TusMeta's validators).
std::optional<std::map<std::string, std::string>> CvatTusMetadata(std::string_view header);

// os.path.normpath(path) for a POSIX path.
std::string PythonNormPath(std::string_view path);

// The path pathlib makes of `name` when joined to a directory: empty and "." components
// dropped, ".." kept; a leading '/' kept. "" means the directory itself.
std::string PathlibRelative(std::string_view name);

// The bytes Django sends for a response header value `utf8` (valid UTF-8): the Latin-1
// bytes when every character is below U+0100, else one RFC 2047 encoded-word as
// email.header.Header(value, "utf-8").encode() makes it ("=?utf-8?b?...?=", or "?q?" when
// that is not longer). nullopt when the value holds CR or LF (Django's BadHeaderError).
std::optional<std::string> DjangoHeaderValue(std::string_view utf8);

}  // namespace ingest::server

#endif  // INGEST_SERVER_PYTHON_TEXT_H_
