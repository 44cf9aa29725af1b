// libFuzzer harness: the receiver's wire-text helpers (server/wire_text.h): base64 and TUS
// Upload-Metadata, strict decimals, header-value unquoting, Django's multipart file names,
// CVAT's upload-name check and the JSON builders that echo client text back.
//
// Input: the first byte picks a metadata key; the rest is the text. Checks what each helper
// promises: base64 round trips, ParseDecimal only accepts canonical digits, a kept file name
// has no path separator or control character, JSON built from valid UTF-8 parses back
// (simdjson) to the same text, and python_text.h's readings of CVAT's Python (metadata values
// are UTF-8, normpath is idempotent, a header value never holds CR or LF).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "engine/path_text.h"
#include "server/python_text.h"
#include "server/upload_names.h"
#include "server/wire_text.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using ingest::server::Base64Decode;

// Reference encoder (RFC 4648, padded) for the round trip.
std::string Base64Encode(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    uint32_t v = uint32_t{static_cast<unsigned char>(in[i])} << 16 |
                 uint32_t{static_cast<unsigned char>(in[i + 1])} << 8 |
                 static_cast<unsigned char>(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  size_t rest = in.size() - i;
  if (rest > 0) {
    uint32_t v = uint32_t{static_cast<unsigned char>(in[i])} << 16;
    if (rest == 2) v |= uint32_t{static_cast<unsigned char>(in[i + 1])} << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

void CheckBase64(std::string_view text) {
  std::optional<std::string> decoded = Base64Decode(text);
  if (decoded) INGEST_FUZZ_CHECK(decoded->size() <= text.size());
  std::string encoded = Base64Encode(text);
  std::optional<std::string> back = Base64Decode(encoded);
  INGEST_FUZZ_CHECK(back && *back == text);
  while (!encoded.empty() && encoded.back() == '=') encoded.pop_back();
  back = Base64Decode(encoded);  // TUS clients may leave the padding out
  INGEST_FUZZ_CHECK(back && *back == text);
}

void CheckDecimal(std::string_view text) {
  std::optional<uint64_t> v = ingest::server::ParseDecimal(text);
  if (!v) return;
  std::string_view digits = text;
  while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
  INGEST_FUZZ_CHECK(std::to_string(*v) == digits);
}

void CheckNames(std::string_view text) {
  std::string kept = ingest::server::DjangoMultipartFileName(text);
  for (char c : kept) {
    auto u = static_cast<unsigned char>(c);
    INGEST_FUZZ_CHECK(c != '/' && c != '\\' && u >= 0x20 && u != 0x7f);
  }
  if (ingest::server::IsAllowedFileName(text)) {
    INGEST_FUZZ_CHECK(!text.empty() && text != "." && text != "..");
    INGEST_FUZZ_CHECK(text.find('/') == std::string_view::npos);
    INGEST_FUZZ_CHECK(text.find('\0') == std::string_view::npos);
  }
  std::string unquoted = ingest::server::UnquoteHeaderValue(text);
  INGEST_FUZZ_CHECK(unquoted.size() <= text.size());
}

// JSON the receiver writes with client text in it must be valid JSON that reads back as the
// text (for valid UTF-8: invalid bytes cannot round-trip through any JSON parser).
void CheckJson(std::string_view text) {
  if (!simdjson::validate_utf8(text.data(), text.size())) return;
  static simdjson::dom::parser parser;
  std::string detail = ingest::server::DetailJson(text);
  simdjson::dom::element doc;
  INGEST_FUZZ_CHECK(parser.parse(detail).get(doc) == simdjson::SUCCESS);
  std::string_view back;
  INGEST_FUZZ_CHECK(doc["detail"].get(back) == simdjson::SUCCESS && back == text);

  std::string obj = "{";
  ingest::server::AppendStringField(text, "v", &obj);
  ingest::server::AppendIntField("n", -1, &obj);
  obj += '}';
  INGEST_FUZZ_CHECK(parser.parse(obj).get(doc) == simdjson::SUCCESS);
  std::string list = ingest::server::JsonStringArray({std::string(text), "x"});
  INGEST_FUZZ_CHECK(parser.parse(list).get(doc) == simdjson::SUCCESS);
  INGEST_FUZZ_CHECK(doc.at(0).get(back) == simdjson::SUCCESS && back == text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = ingest::fuzz::AsText(data, size);
  if (in.empty()) return 0;
  static constexpr std::string_view kKeys[] = {"filename", "filetype", "", "a b", "x"};
  std::string_view key = kKeys[static_cast<unsigned char>(in[0]) % 5];
  in.remove_prefix(1);

  if (auto meta = ingest::server::CvatTusMetadata(in)) {
    auto it = meta->find(std::string(key));
    if (it != meta->end()) {
      INGEST_FUZZ_CHECK(it->second.size() <= in.size());
      INGEST_FUZZ_CHECK(ingest::IsValidUtf8(it->second));
    }
  }
  if (auto decoded = ingest::server::PythonB64Decode(in)) {
    INGEST_FUZZ_CHECK(decoded->size() <= in.size() * 3 / 4);
  }
  (void)ingest::server::PythonInt(in);
  std::string norm = ingest::server::PythonNormPath(in);
  INGEST_FUZZ_CHECK(ingest::server::PythonNormPath(norm) == norm);
  if (auto key_name = ingest::server::ClientFileKey(in)) {
    INGEST_FUZZ_CHECK(ingest::server::IsClientFileKey(*key_name));
  }
  if (ingest::IsValidUtf8(in)) {
    std::optional<std::string> shown = ingest::server::DjangoHeaderValue(in);
    INGEST_FUZZ_CHECK(shown.has_value() == (in.find_first_of("\r\n") == std::string_view::npos));
    if (shown) INGEST_FUZZ_CHECK(shown->find_first_of("\r\n") == std::string::npos);
  }

  CheckBase64(in);
  CheckDecimal(in);
  CheckNames(in);
  CheckJson(in);
  (void)ingest::server::EqualsNoCase(in, key);
  (void)ingest::server::StartsWithNoCase(in, key);
  return 0;
}
