// RAII for C handles: std::unique_ptr with a deleter that calls the C free function.
//   using ArchiveReadPtr = std::unique_ptr<archive, CDeleter<&archive_read_free>>;
#ifndef INGEST_ENGINE_C_HANDLE_H_
#define INGEST_ENGINE_C_HANDLE_H_

namespace ingest {

template <auto Fn>
struct CDeleter {
  template <class T>
  void operator()(T* p) const noexcept {
    if (p) Fn(p);
  }
};

}  // namespace ingest

#endif  // INGEST_ENGINE_C_HANDLE_H_
