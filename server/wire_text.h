// Small text helpers for the receiver's wire format: base64 (TUS metadata), random ids,
// strict decimal parsing, CVAT's name checks and a tiny JSON object builder.
#ifndef INGEST_SERVER_WIRE_TEXT_H_
#define INGEST_SERVER_WIRE_TEXT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ingest::server {

// Standard base64 (with or without padding). nullopt on any invalid character.
std::optional<std::string> Base64Decode(std::string_view in);

// `n` random bytes from getrandom(2), as lowercase hex.
std::string RandomHex(size_t n);
// A random RFC 4122 version-4 uuid, lowercase with dashes.
std::string NewUuid4();

// ASCII case-insensitive comparisons (header names, media types, parameter names).
bool EqualsNoCase(std::string_view a, std::string_view b);
bool StartsWithNoCase(std::string_view s, std::string_view prefix);

// A non-negative decimal integer with no sign, spaces or leading '+'; nullopt otherwise
// (including overflow).
std::optional<uint64_t> ParseDecimal(std::string_view s);

// The check on a multipart file part's (base)name: non-empty, not "." or "..", no '/' and no
// NUL. Backslashes and control characters are ordinary on Linux. (TUS names follow CVAT's
// own rules: upload_names.h.)
bool IsAllowedFileName(std::string_view name);

// True for a TUS upload id as the receiver makes them, "<user id>_<uuid4>" (lowercase hex and
// dashes, 36 characters); sets *user_id. Such an id is a safe file name.
bool IsValidUploadId(std::string_view id, int* user_id);

// The text of a quoted header parameter (without its quotes) as Django's
// parse_header_parameters reads it: only \\ and \" are unescaped.
std::string UnquoteHeaderValue(std::string_view quoted);

// The name Django keeps for a multipart file part from its (unquoted) filename parameter:
// only what follows the last '/' or '\\', without control characters. (Django also
// html-unescapes the name; not emulated.)
std::string DjangoMultipartFileName(std::string_view filename);

// Appends `"key":` to `out` (with a leading comma unless `out` ends with '{' or '[').
void AppendKey(std::string_view key, std::string* out);
void AppendStringField(std::string_view key, std::string_view value, std::string* out);
void AppendIntField(std::string_view key, int64_t value, std::string* out);
// `raw` is inserted as-is (a JSON value written elsewhere).
void AppendRawField(std::string_view key, std::string_view raw, std::string* out);
// The value of a standard base64 digit (A-Z a-z 0-9 + /), or -1.
int Base64Value(unsigned char c);

// {"detail":"<msg>"}
std::string DetailJson(std::string_view msg);
// {"<field>":["<msg>"]}, a DRF field error's 400 body
std::string FieldErrorJson(std::string_view field, std::string_view msg);
// ["a","b"]
std::string JsonStringArray(const std::vector<std::string>& items);

// Current UTC time as "2024-01-02T03:04:05.678901Z".
std::string IsoTimeNow();
std::string IsoTime(int64_t unix_micros);
int64_t UnixMicrosNow();

}  // namespace ingest::server

#endif  // INGEST_SERVER_WIRE_TEXT_H_
