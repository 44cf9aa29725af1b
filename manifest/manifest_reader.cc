#include "manifest/manifest_reader.h"

#include <cstring>
#include <string_view>

#include <simdjson.h>

#include "engine/check.h"

namespace ingest::manifest {
namespace {

// Names that are not valid UTF-8 reach the manifest as Python writes them: each bad byte b as
// a lone surrogate escape "\udcXX" (surrogateescape). simdjson rejects lone surrogates, so
// such lines are rewritten before parsing: "\udcXX" becomes the pair for U+10FFXX (a private
// use code point), and strings read from the line map U+10FF80..U+10FFFF back to byte XX.
// A line that already contains one of those code points is refused rather than misread.

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The value of the \uXXXX escape at text[i] (text[i] == '\\'), or -1.
int EscapeValue(std::string_view text, size_t i) {
  if (i + 6 > text.size() || text[i + 1] != 'u') return -1;
  int v = 0;
  for (size_t k = i + 2; k < i + 6; ++k) {
    int h = HexValue(text[k]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

// Rewrites lone "\udc80".."\udcff" escapes; false if the line already uses the placeholders.
bool RewriteLoneSurrogates(std::string_view text, std::string* out) {
  out->clear();
  bool after_high = false;
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == 0xF4 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x8F &&
        (static_cast<unsigned char>(text[i + 2]) & 0xFE) == 0xBE) {
      return false;  // U+10FF80..U+10FFFF written raw
    }
    if (c != '\\') {
      out->push_back(text[i++]);
      after_high = false;
      continue;
    }
    int v = EscapeValue(text, i);
    if (v < 0) {  // some other escape: copy it whole
      out->append(text.substr(i, std::min<size_t>(2, text.size() - i)));
      i += 2;
      after_high = false;
      continue;
    }
    if (after_high && v >= 0xDF80 && v <= 0xDFFF && EscapeValue(text, i - 6) == 0xDBFF) {
      return false;  // U+10FF80..U+10FFFF written as a pair
    }
    if (!after_high && v >= 0xDC80 && v <= 0xDCFF) {
      out->append("\\udbff\\udf");
      out->append(text.substr(i + 4, 2));
    } else {
      out->append(text.substr(i, 6));
    }
    after_high = v >= 0xD800 && v <= 0xDBFF;
    i += 6;
  }
  return true;
}

// Maps the placeholders U+10FF80..U+10FFFF (F4 8F BE|BF xx) back to the bytes 0x80..0xFF.
void RestoreBytes(std::string* s) {
  size_t w = 0;
  for (size_t r = 0; r < s->size();) {
    unsigned char c = static_cast<unsigned char>((*s)[r]);
    if (c == 0xF4 && r + 3 < s->size() && static_cast<unsigned char>((*s)[r + 1]) == 0x8F &&
        (static_cast<unsigned char>((*s)[r + 2]) & 0xFE) == 0xBE) {
      unsigned b3 = static_cast<unsigned char>((*s)[r + 2]) & 1;
      unsigned b4 = static_cast<unsigned char>((*s)[r + 3]) & 0x3F;
      (*s)[w++] = static_cast<char>(0x80 | (b3 << 6) | b4);
      r += 4;
    } else {
      (*s)[w++] = (*s)[r++];
    }
  }
  s->resize(w);
}

}  // namespace

// One simdjson DOM parser and a padded copy of the current line, reused for every line.
struct ManifestReader::Parser {
  simdjson::dom::parser dom;
  std::string padded;
  std::string rewritten;
  bool restore_bytes = false;  // the line had lone surrogate escapes
  size_t line = 0;
  std::string path;

  Status Error(std::string_view what) const {
    return Status::Corruption(path + ":" + std::to_string(line) + ": " + std::string(what));
  }

  // Parses `text` as one JSON object.
  Result<simdjson::dom::object> Parse(std::string_view text, size_t line_number) {
    line = line_number;
    restore_bytes = false;
    simdjson::dom::element root;
    simdjson::error_code err = ParseText(text, &root);
    if (err == simdjson::STRING_ERROR && text.find("\\ud") != std::string_view::npos) {
      if (!RewriteLoneSurrogates(text, &rewritten)) {
        return Error("names using U+10FF80..U+10FFFF are not supported");
      }
      restore_bytes = true;
      err = ParseText(rewritten, &root);
    }
    if (err != simdjson::SUCCESS) {
      return Error(std::string("invalid JSON: ") + simdjson::error_message(err));
    }
    simdjson::dom::object obj;
    if (root.get(obj) != simdjson::SUCCESS) return Error("not a JSON object");
    return obj;
  }

  simdjson::error_code ParseText(std::string_view text, simdjson::dom::element* root) {
    padded.assign(text);
    padded.resize(text.size() + simdjson::SIMDJSON_PADDING);
    return dom.parse(padded.data(), text.size(), false).get(*root);
  }

  // A JSON string as bytes: UTF-8, with escaped bytes of non-UTF-8 names restored.
  std::string Bytes(std::string_view v) const {
    std::string s(v);
    if (restore_bytes) RestoreBytes(&s);
    return s;
  }

  Result<std::string> String(simdjson::dom::object obj, const char* key) const {
    std::string_view v;
    if (obj[key].get(v) != simdjson::SUCCESS) {
      return Error(std::string("\"") + key + "\" is missing or not a string");
    }
    return Bytes(v);
  }

  Result<int64_t> Int(simdjson::dom::object obj, const char* key) const {
    int64_t v;
    if (obj[key].get(v) != simdjson::SUCCESS) {
      return Error(std::string("\"") + key + "\" is missing or not an integer");
    }
    return v;
  }
};

ManifestReader::ManifestReader(std::unique_ptr<LineReader> lines)
    : lines_(std::move(lines)), parser_(std::make_unique<Parser>()) {
  parser_->path = lines_->path();
}

ManifestReader::~ManifestReader() = default;

Result<std::unique_ptr<ManifestReader>> ManifestReader::Open(std::string path) {
  INGEST_ASSIGN_OR_RETURN(std::unique_ptr<LineReader> lines, LineReader::Open(std::move(path)));
  std::unique_ptr<ManifestReader> reader(new ManifestReader(std::move(lines)));
  INGEST_RETURN_IF_ERROR(reader->ReadHeader());
  return reader;
}

Status ManifestReader::ReadHeader() {
  std::string_view line;
  INGEST_ASSIGN_OR_RETURN(bool more, lines_->Next(&line));
  if (!more) return Status::Corruption(path() + ": empty manifest");
  INGEST_ASSIGN_OR_RETURN(simdjson::dom::object obj, parser_->Parse(line, lines_->line_number()));
  INGEST_ASSIGN_OR_RETURN(header_.version, parser_->String(obj, "version"));
  if (header_.version != "1.0" && header_.version != "1.1") {
    return parser_->Error("unsupported manifest version \"" + header_.version + "\"");
  }
  INGEST_ASSIGN_OR_RETURN(more, lines_->Next(&line));
  if (!more) return Status::Corruption(path() + ": no type line");
  INGEST_ASSIGN_OR_RETURN(obj, parser_->Parse(line, lines_->line_number()));
  INGEST_ASSIGN_OR_RETURN(std::string type, parser_->String(obj, "type"));
  if (type == "images") {
    header_.type = ManifestType::kImages;
    return Status();
  }
  if (type != "video") return parser_->Error("unknown manifest type \"" + type + "\"");
  header_.type = ManifestType::kVideo;
  INGEST_ASSIGN_OR_RETURN(more, lines_->Next(&line));
  if (!more) return Status::Corruption(path() + ": no properties line");
  INGEST_ASSIGN_OR_RETURN(obj, parser_->Parse(line, lines_->line_number()));
  simdjson::dom::object props;
  if (obj["properties"].get(props) != simdjson::SUCCESS) {
    return parser_->Error("\"properties\" is missing or not an object");
  }
  INGEST_ASSIGN_OR_RETURN(header_.video_name, parser_->String(props, "name"));
  simdjson::dom::array resolution;
  if (props["resolution"].get(resolution) != simdjson::SUCCESS) {
    return parser_->Error("\"resolution\" is missing or not a list");
  }
  if (resolution.size() != 2 || resolution.at(0).get(header_.width) != simdjson::SUCCESS ||
      resolution.at(1).get(header_.height) != simdjson::SUCCESS) {
    return parser_->Error("\"resolution\" is not [width, height]");
  }
  INGEST_ASSIGN_OR_RETURN(header_.length, parser_->Int(props, "length"));
  if (header_.length == 0) return parser_->Error("\"length\" is 0");
  return Status();
}

Result<bool> ManifestReader::Next(ImageItem* item) {
  INGEST_CHECK(header_.type == ManifestType::kImages);
  std::string_view line;
  INGEST_ASSIGN_OR_RETURN(bool more, lines_->Next(&line));
  if (!more) return false;
  INGEST_ASSIGN_OR_RETURN(simdjson::dom::object obj, parser_->Parse(line, lines_->line_number()));
  item->line = lines_->line_number();
  INGEST_ASSIGN_OR_RETURN(item->name, parser_->String(obj, "name"));
  INGEST_ASSIGN_OR_RETURN(item->extension, parser_->String(obj, "extension"));
  item->width = item->height = 0;
  simdjson::dom::element e;
  if (obj["width"].get(e) == simdjson::SUCCESS) {
    INGEST_ASSIGN_OR_RETURN(item->width, parser_->Int(obj, "width"));
  }
  if (obj["height"].get(e) == simdjson::SUCCESS) {
    INGEST_ASSIGN_OR_RETURN(item->height, parser_->Int(obj, "height"));
  }
  item->related_images.reset();
  simdjson::dom::object meta;
  if (obj["meta"].get(meta) == simdjson::SUCCESS) {
    simdjson::dom::array related;
    if (meta["related_images"].get(related) == simdjson::SUCCESS) {
      item->related_images.emplace();
      for (simdjson::dom::element r : related) {
        std::string_view s;
        if (r.get(s) != simdjson::SUCCESS) return parser_->Error("related image is not a string");
        item->related_images->push_back(parser_->Bytes(s));
      }
    }
  }
  item->checksum.reset();
  if (obj["checksum"].get(e) == simdjson::SUCCESS) {
    INGEST_ASSIGN_OR_RETURN(item->checksum, parser_->String(obj, "checksum"));
  }
  return true;
}

Result<bool> ManifestReader::Next(KeyFrame* frame) {
  INGEST_CHECK(header_.type == ManifestType::kVideo);
  std::string_view line;
  INGEST_ASSIGN_OR_RETURN(bool more, lines_->Next(&line));
  if (!more) return false;
  INGEST_ASSIGN_OR_RETURN(simdjson::dom::object obj, parser_->Parse(line, lines_->line_number()));
  frame->line = lines_->line_number();
  INGEST_ASSIGN_OR_RETURN(frame->number, parser_->Int(obj, "number"));
  INGEST_ASSIGN_OR_RETURN(frame->pts, parser_->Int(obj, "pts"));
  frame->checksum.clear();
  simdjson::dom::element e;
  if (obj["checksum"].get(e) == simdjson::SUCCESS) {
    INGEST_ASSIGN_OR_RETURN(frame->checksum, parser_->String(obj, "checksum"));
  }
  return true;
}

}  // namespace ingest::manifest
