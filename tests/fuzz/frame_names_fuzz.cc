// libFuzzer harness: the streaming reader of a data/meta reply's frame names
// (upload/frame_names.h), differentially against simdjson's DOM.
//
// Input: a byte picking the read sizes, then the reply. The stream is fed in pieces. When
// simdjson accepts the reply as a JSON document, the stream must accept it too, report the
// "name" strings of the objects in the top-level "frames" array in order, byte for byte
// (escapes and surrogate pairs decoded alike), and find the "frames" list exactly when there
// is one.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "tests/fuzz/fuzz_util.h"
#include "upload/frame_names.h"

namespace {

// The names as the DOM sees them; *has_frames: the root object has a "frames" array.
std::vector<std::string> DomNames(simdjson::dom::element root, bool* has_frames) {
  std::vector<std::string> names;
  *has_frames = false;
  simdjson::dom::object obj;
  if (root.get(obj) != simdjson::SUCCESS) return names;
  for (auto field : obj) {
    simdjson::dom::array frames;
    if (field.key != "frames" || field.value.get(frames) != simdjson::SUCCESS) continue;
    *has_frames = true;
    for (simdjson::dom::element frame : frames) {
      simdjson::dom::object f;
      if (frame.get(f) != simdjson::SUCCESS) continue;
      for (auto kv : f) {
        std::string_view name;
        if (kv.key == "name" && kv.value.get(name) == simdjson::SUCCESS) names.emplace_back(name);
      }
    }
  }
  return names;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = ingest::fuzz::AsText(data, size);
  if (in.empty()) return 0;
  std::string_view sizes = in.substr(0, 1);
  in.remove_prefix(1);

  std::vector<std::string> streamed;
  ingest::upload::FrameNameStream stream([&](size_t index, std::string_view name) {
    INGEST_FUZZ_CHECK(index == streamed.size());
    streamed.emplace_back(name);
    return ingest::Status();
  });
  ingest::Status fed;
  for (std::string_view chunk : ingest::fuzz::Chunks(in, sizes)) {
    fed = stream.Feed(chunk);
    if (!fed.ok()) break;
  }
  ingest::Status finished = fed.ok() ? stream.Finish() : fed;
  INGEST_FUZZ_CHECK(stream.count() == streamed.size());

  static simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(in.data(), in.size()).get(root) != simdjson::SUCCESS) return 0;
  bool has_frames = false;
  std::vector<std::string> expected = DomNames(root, &has_frames);
  INGEST_FUZZ_CHECK(fed.ok());
  INGEST_FUZZ_CHECK(finished.ok() == has_frames);
  INGEST_FUZZ_CHECK(streamed == expected);
  return 0;
}
