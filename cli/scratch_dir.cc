#include "cli/scratch_dir.h"

#include <stdlib.h>

#include <filesystem>
#include <system_error>

namespace ingest::cli {

std::string TempParent() {
  const char* tmp = std::getenv("TMPDIR");
  return tmp && *tmp ? tmp : "/tmp";
}

ScratchDir::ScratchDir(const std::string& parent, const char* prefix) {
  std::string templ = parent + "/" + prefix + "-XXXXXX";
  if (::mkdtemp(templ.data()) != nullptr) path_ = templ;
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  if (!path_.empty() && !keep_) std::filesystem::remove_all(path_, ec);
}

}  // namespace ingest::cli
