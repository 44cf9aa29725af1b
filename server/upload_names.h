// CVAT's rules for the file name of a TUS upload (UploadMixin.init_tus_upload, TusFile.rename
// and the task viewset's ClientFile rows), on the receiver's upload directory, raw/:
//
//   creation   the name, joined to the upload directory and resolved (lexically: nothing in
//              raw/ is a link), must stay inside it, else 400; then pathlib's form of the
//              joined path is stat()ed: existing (the directory itself for "." too) is 409, an
//              error other than "not there" (ENAMETOOLONG for a 256-byte name) is 500.
//   register   a created upload registers os.path.normpath(name) as a client file.
//   completion the file moves to pathlib's form of the name; for "sub/dir.jpg" that fails
//              (no such directory) and CVAT answers 500, leaving the upload at its offset.
//
// The receiver renames only within raw/ (dir_files.h): a name that CVAT would store through
// an absolute path or a ".." back into the upload directory fails at completion here (500)
// and is not registered.
#ifndef INGEST_SERVER_UPLOAD_NAMES_H_
#define INGEST_SERVER_UPLOAD_NAMES_H_

#include <optional>
#include <string>
#include <string_view>

namespace ingest::server {

enum class TusNameVerdict {
  kOk,           // 201
  kNotAllowed,   // 400 "File name ... is not allowed" (leaves the upload directory)
  kExists,       // 409 "File with same name already exists"
  kServerError,  // 500 (NUL in the name, stat() failing otherwise than "not there")
};

// Checks `name` for a TUS creation against the upload directory open as `raw_dir`, whose
// real path is `raw_path` (no trailing slash).
TusNameVerdict CheckTusName(int raw_dir, const std::string& raw_path, const std::string& name);

// The client-file name a created upload registers (normpath), or nullopt when the receiver
// does not register it (absolute, or climbing with "..").
std::optional<std::string> ClientFileKey(std::string_view name);

// True for a name ClientFileKey can return: relative, no empty, "." or ".." component, no
// NUL. Names read back from disk must pass it.
bool IsClientFileKey(std::string_view name);

// The name raw/ gets when a TUS upload completes (pathlib's form of `name`); it succeeds only
// when that is a single path component.
std::string CompletedUploadName(std::string_view name);

// True for an upload name the receiver takes back from its journal: one a creation accepts
// whatever the directory's path (relative, not climbing out once normalised, no NUL). Every
// file operation on it is checked again by dir_files.h.
bool IsStorableUploadName(std::string_view name);

}  // namespace ingest::server

#endif  // INGEST_SERVER_UPLOAD_NAMES_H_
