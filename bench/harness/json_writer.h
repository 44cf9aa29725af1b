// JsonWriter: builds one JSON document in a string, commas and escaping handled (strings as
// Python's json.dumps escapes them, through manifest/jsonl_encoder.h).
#ifndef INGEST_BENCH_HARNESS_JSON_WRITER_H_
#define INGEST_BENCH_HARNESS_JSON_WRITER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ingest::bench {

class JsonWriter {
 public:
  JsonWriter& Key(std::string_view key);  // inside an object, before its value
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& String(std::string_view s);
  JsonWriter& Uint(uint64_t v);
  JsonWriter& Int(int64_t v);
  // A finite number with up to `decimals` decimals (trailing zeros dropped); null otherwise.
  JsonWriter& Number(double v, int decimals = 6);
  JsonWriter& Number(const std::optional<double>& v, int decimals = 6);
  JsonWriter& Bool(bool v);
  JsonWriter& Null();

  const std::string& text() const { return out_; }

 private:
  void BeforeValue();
  std::string out_;
  bool need_comma_ = false;
};

}  // namespace ingest::bench

#endif  // INGEST_BENCH_HARNESS_JSON_WRITER_H_
