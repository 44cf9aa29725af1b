// MultipartParser: a streaming multipart/form-data body parser (RFC 7578 over RFC 2046).
//
// The receiver used cpp-httplib's parser, which looks for the boundary one byte at a time:
// on a 20,000-file batch upload it was 60% of the receiver's CPU (perf), the bottleneck of
// every small-file benchmark. This one finds the delimiter with a Boyer-Moore-Horspool
// search over the bytes as they arrive and hands part bodies out without copying them;
// only a part's headers, or the few bytes at the end of a read that could begin a
// delimiter, are kept between reads.
//
// Semantics follow Django's MultiPartParser where CVAT depends on them: a preamble before
// the first boundary and an epilogue after the last are ignored; transport padding after a
// boundary is skipped; Content-Disposition parameters come in any order; `filename*`
// (RFC 5987, UTF-8 only) wins over `filename`. Quoted values are handed out unescaped
// (server/wire_text.h UnquoteHeaderValue).
#ifndef INGEST_SERVER_MULTIPART_PARSER_H_
#define INGEST_SERVER_MULTIPART_PARSER_H_

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace ingest::server {

// The boundary parameter of a multipart Content-Type value, unquoted; nullopt when absent
// or not valid (1 to 70 characters, RFC 2046).
std::optional<std::string> MultipartBoundary(std::string_view content_type);

// What the receiver uses of a part's headers (Content-Disposition; others are skipped).
struct MultipartPartHeader {
  std::string name;      // the form field name
  std::string filename;  // empty for a plain field
};

class MultipartParser {
 public:
  // Return false from a callback to stop the parse (Feed() then returns false; error() is
  // empty, the caller knows why).
  using PartFn = std::function<bool(const MultipartPartHeader&)>;
  using DataFn = std::function<bool(const char* data, size_t n)>;

  // `boundary` as MultipartBoundary() returns it (non-empty).
  MultipartParser(std::string_view boundary, PartFn on_part, DataFn on_data);
  MultipartParser(const MultipartParser&) = delete;  // searcher_ points into delimiter_
  MultipartParser& operator=(const MultipartParser&) = delete;

  // Feeds the next bytes of the body. False on a malformed body (error() says why) or when
  // a callback stopped the parse. Nothing may be fed after a false.
  bool Feed(const char* data, size_t n);

  // After the last byte: true when the close delimiter was seen; otherwise sets error().
  bool Finish();

  const std::string& error() const { return error_; }

  // Largest header block of one part (the whole block, all its lines).
  static constexpr size_t kMaxPartHeaderBytes = 16 << 10;

 private:
  enum class State { kPreamble, kAfterDelimiter, kHeaders, kBody, kEpilogue, kFailed };

  // Consumes what it can of [p, p+n): returns how many bytes were used; the rest is kept
  // for the next Feed(). Sets state_ to kFailed on error.
  size_t Process(const char* p, size_t n);
  // In kPreamble/kBody: scans for the delimiter.
  size_t ScanBody(const char* p, size_t n);
  // In kHeaders: parses complete lines.
  size_t ScanHeaders(const char* p, size_t n);
  void ParseHeaderLine(std::string_view line);
  bool Fail(std::string message);

  std::string delimiter_;  // "\r\n--" + boundary
  std::boyer_moore_horspool_searcher<std::string::const_iterator> searcher_;
  PartFn on_part_;
  DataFn on_data_;
  State state_ = State::kPreamble;
  std::string pending_;    // bytes not yet consumed (a partial delimiter or header line)
  size_t header_bytes_ = 0;
  MultipartPartHeader part_;
  std::string error_;
};

}  // namespace ingest::server

#endif  // INGEST_SERVER_MULTIPART_PARSER_H_
