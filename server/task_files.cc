// TaskStore's files under a task (task_store.h): the task's raw/ and tmp/ directories, opened
// once, and the files made, moved and removed relative to them (dir_files.h).
#include <cerrno>
#include <string>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/dir_files.h"
#include "server/task_store.h"
#include "server/wire_text.h"

namespace ingest::server {

Status TaskStore::OpenTaskDirs(Task& task) {
  std::string dir = TaskDir(task.id);
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return FromErrno("mkdir " + dir, errno);
  INGEST_ASSIGN_OR_RETURN(task.raw_dir, MakeAndOpenDir(RawDir(task.id)));
  INGEST_ASSIGN_OR_RETURN(task.tmp_dir, MakeAndOpenDir(TaskDir(task.id) + "/tmp"));
  return Status::Ok();
}

void TaskStore::Warn(std::string line) {
  std::lock_guard lock(mu_);
  load_warnings_.push_back(std::move(line));
}

std::vector<std::string> TaskStore::TakeLoadWarnings() {
  std::lock_guard lock(mu_);
  return std::exchange(load_warnings_, {});
}

Result<UniqueFd> TaskStore::CreateTempFile(Task& task, std::string* name) {
  *name = RandomHex(12);
  return OpenAt(task.tmp_dir.get(), *name, O_WRONLY | O_CREAT | O_EXCL,
                TaskDir(task.id) + "/tmp/" + *name);
}

void TaskStore::RemoveTempFile(Task& task, const std::string& name) {
  if (IsSingleComponent(name)) ::unlinkat(task.tmp_dir.get(), name.c_str(), 0);
}

Status TaskStore::StorePart(Task& task, const std::string& temp_name, const std::string& name) {
  std::string what = RawDir(task.id) + "/" + name;
  if (!ExistsAt(task.raw_dir.get(), name)) {
    return RenameAt(task.tmp_dir.get(), temp_name, task.raw_dir.get(), name, what);
  }
  Status s = AppendAt(task.tmp_dir.get(), temp_name, task.raw_dir.get(), name, what);
  RemoveTempFile(task, temp_name);
  return s;
}

Status TaskStore::RenameRawFile(Task& task, const std::string& from, const std::string& to) {
  return RenameAt(task.raw_dir.get(), from, task.raw_dir.get(), to, RawDir(task.id) + "/" + from);
}

}  // namespace ingest::server
