// Kill tests: the `cvat-ingest upload` process is SIGKILLed at seeded random moments (during
// scans, creations, PATCHes, batches, the finish, polling) and the same command is run again
// after each kill, until one run completes. The task must then hold every source file once,
// byte for byte, in the planned order: whatever the journal recorded is true of the server.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "engine/file_order.h"
#include "engine/hasher.h"
#include "tests/testing/http_client.h"
#include "tests/testing/image_writer.h"
#include "tests/testing/temp_dir.h"
#include "upload/cvat_api.h"
#include "upload/http_client.h"

namespace ingest::upload {
namespace {

namespace fs = std::filesystem;
using ingest::testing::ReadFile;
using ingest::testing::WriteFile;

class KillTest : public ingest::testing::ServerTest {
 protected:
  std::string LastStderrPath() { return work_.Join("cli.stderr"); }
  // What the last CLI run wrote on stderr.
  std::string LastStderr() { return ReadFile(LastStderrPath()); }

  // Runs the CLI with `args`; when `kill_after` is set, SIGKILLs it then. Returns the exit
  // status, or -SIGKILL when it was killed.
  int RunCli(const std::vector<std::string>& args, std::optional<std::chrono::milliseconds> kill_after) {
    pid_t pid = Spawn(args, LastStderrPath());
    auto start = std::chrono::steady_clock::now();
    int status = 0;
    for (;;) {
      pid_t r = ::waitpid(pid, &status, WNOHANG);
      if (r == pid) break;
      if (kill_after && std::chrono::steady_clock::now() - start >= *kill_after) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        return -SIGKILL;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  }

  // Starts the CLI with `args`, its stdout discarded and its stderr in `err_path` (so that a
  // failing run can be shown); returns its pid.
  static pid_t Spawn(const std::vector<std::string>& args, const std::string& err_path) {
    pid_t pid = ::fork();
    if (pid == 0) {
      std::string bin = CVAT_INGEST_BIN;
      std::vector<char*> argv = {bin.data()};
      for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      int devnull = ::open("/dev/null", O_WRONLY);
      int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(devnull, 1);
      ::dup2(err >= 0 ? err : devnull, 2);
      ::execv(bin.c_str(), argv.data());
      ::_exit(127);
    }
    return pid;
  }

  // Writes `small` noisy 40-pixel PNGs and `large` noisy 1000x1000 ones (~3 MB) into
  // work_/src; returns name -> bytes.
  std::map<std::string, std::string> MakeCorpus(int small, int large) {
    std::map<std::string, std::string> files;
    auto add = [&](const std::string& name, std::string bytes) {
      WriteFile(work_.Join("src/" + name), bytes);
      files[name] = std::move(bytes);
    };
    for (int i = 0; i < small; ++i) {
      add("img_" + std::to_string(i) + ".png",
          ingest::testing::WritePng(40 + i, 40, {.noise = true}));
    }
    for (int i = 0; i < large; ++i) {
      add("big_" + std::to_string(i) + ".png",
          ingest::testing::WritePng(1000 + i, 1000, {.noise = true}));
    }
    return files;
  }

  // The task's raw/ holds every file of `files` once, byte for byte, and nothing else (but
  // the manifest and unfinished TUS uploads abandoned after a lost creation reply).
  static void ExpectStoredIntact(const std::string& raw,
                                 const std::map<std::string, std::string>& files) {
    size_t stored = 0;
    for (const auto& e : fs::directory_iterator(raw)) {
      std::string name = e.path().filename().string();
      if (name == "manifest.jsonl" || ingest::testing::IsUnfinishedTusUpload(name)) continue;
      auto it = files.find(name);
      ASSERT_NE(it, files.end()) << "unexpected file " << name;
      std::string bytes = ReadFile(e.path().string());
      EXPECT_EQ(HashBytes(bytes.data(), bytes.size()),
                HashBytes(it->second.data(), it->second.size()))
          << name << ": " << bytes.size() << " bytes stored, " << it->second.size() << " sent";
      ++stored;
    }
    EXPECT_EQ(stored, files.size());
  }

  ingest::testing::ScopedTempDir work_;
};

TEST_F(KillTest, SigkillAtSeededMomentsThenResumeGivesAnIntactTask) {
  // 60 small files in many small batches and 3 files of 3 MiB through TUS in 1 MiB PATCHes,
  // sent slowly enough (rate-limited) that the kills land everywhere.
  std::map<std::string, std::string> files = MakeCorpus(60, 3);
  WriteFile(work_.Join("token"), kToken);
  std::vector<std::string> args = {
      "upload", work_.Join("src"), "--server", server_->url(), "--token-file", work_.Join("token"),
      "--create", "killed", "--labels", R"([{"name":"x"}])", "--sorting-method", "natural",
      "--journal", work_.Join("upload.journal"), "--progress", "none", "--connections", "2",
      "--tus-threshold", "1MiB", "--tus-chunk", "1MiB", "--batch", "16KiB",
      "--limit-rate", "512KiB", "--retries", "20"};
  SplitMix64 rng(20261128);
  int kills = 0;
  int status = -1;
  for (int run = 0; run < 200; ++run) {
    auto delay = std::chrono::milliseconds(30 + static_cast<int>(rng.Below(320)));
    status = RunCli(args, kills < 24 ? std::optional(delay) : std::nullopt);
    if (status == -SIGKILL) {
      ++kills;
      continue;
    }
    break;
  }
  ASSERT_EQ(status, 0) << "after " << kills << " kills: " << LastStderr();
  EXPECT_GE(kills, 20);

  // Exactly one task, holding every file once, byte for byte, in natural order.
  ingest::testing::HttpReply tasks = Get("/api/tasks");
  EXPECT_EQ(ingest::testing::JsonField(tasks.body, "count"), "1") << tasks.body;
  std::string raw = data_dir_ + "/tasks/1/raw";
  ExpectStoredIntact(raw, files);
  ingest::testing::HttpReply meta = Get("/api/tasks/1/data/meta");
  std::vector<std::string_view> names;
  for (const auto& [name, bytes] : files) names.push_back(name);
  SortNames(names, SortingMethod::kNatural, 0);
  size_t at = 0;
  for (std::string_view name : names) {
    size_t found = meta.body.find("\"" + std::string(name) + "\"", at);
    ASSERT_NE(found, std::string::npos) << name << " missing or out of order";
    at = found;
  }
  // What was sent again: everything the receiver got beyond one copy of each file (and the
  // manifest). A kill loses at most the batch in flight (a cut body is dropped whole, then
  // its files go through TUS) and nothing of a PATCH (the receiver keeps what arrived, and
  // the next run goes on from there).
  uint64_t total = 0;
  for (const auto& [n, b] : files) total += b.size();
  uint64_t manifest = fs::file_size(raw + "/manifest.jsonl");
  uint64_t received = server_->BodyBytesReceived();
  ASSERT_GE(received, total + manifest);
  uint64_t again = received - total - manifest;
  std::cerr << "kills: " << kills << ", corpus: " << total << " bytes, sent again: " << again
            << " bytes\n";
  EXPECT_LE(again, static_cast<uint64_t>(kills) * ((16 << 10) + 2 * (1 << 20)));
}

// A packed upload (a tree whose base names clash, sent as one zip generated on the fly)
// SIGKILLed at seeded moments mid-PATCH, resumed each time: the stored zip is byte-identical
// to the one an uninterrupted run stores.
TEST_F(KillTest, SigkilledPackedUploadStoresTheSameZip) {
  WriteFile(work_.Join("token"), kToken);
  for (const char* folder : {"cam1", "cam2", "cam2/night"}) {
    for (int i = 0; i < 4; ++i) {
      WriteFile(work_.Join(std::string("tree/") + folder + "/" + std::to_string(i) + ".png"),
                ingest::testing::WritePng(400 + i, 400, {.noise = true}));
    }
  }
  auto args = [&](const std::string& name) {
    return std::vector<std::string>{
        "upload", work_.Join("tree"), "--server", server_->url(), "--token-file",
        work_.Join("token"), "--create", name, "--labels", R"([{"name":"x"}])",
        "--journal", work_.Join(name + ".journal"), "--progress", "none", "--pack", "zip",
        "--tus-chunk", "256KiB", "--limit-rate", "1MiB", "--retries", "20"};
  };
  ASSERT_EQ(RunCli(args("whole"), std::nullopt), 0) << LastStderr();
  std::map<std::string, std::string> whole = ingest::testing::StoredTaskFiles(data_dir_, 1);
  ASSERT_EQ(whole.size(), 1u);
  EXPECT_EQ(whole.begin()->first, "whole.zip");
  SplitMix64 rng(20261206);
  int kills = 0;
  int status = -1;
  for (int run = 0; run < 100; ++run) {
    auto delay = std::chrono::milliseconds(60 + static_cast<int>(rng.Below(400)));
    status = RunCli(args("killed"), kills < 12 ? std::optional(delay) : std::nullopt);
    if (status == -SIGKILL) {
      ++kills;
      continue;
    }
    break;
  }
  ASSERT_EQ(status, 0) << "after " << kills << " kills: " << LastStderr();
  EXPECT_GE(kills, 10);
  std::map<std::string, std::string> killed = ingest::testing::StoredTaskFiles(data_dir_, 2);
  ASSERT_EQ(killed.size(), 1u);
  EXPECT_EQ(killed.begin()->first, "killed.zip");
  EXPECT_TRUE(killed.begin()->second == whole.begin()->second)
      << "the zip stored after " << kills << " kills differs from an uninterrupted one ("
      << killed.begin()->second.size() << " vs " << whole.begin()->second.size() << " bytes)";
  ingest::testing::HttpReply meta = Get("/api/tasks/2/data/meta");
  EXPECT_NE(meta.body.find("\"cam2/night/3.png\""), std::string::npos) << meta.body;
  std::cerr << "kills: " << kills << ", zip: " << whole.begin()->second.size() << " bytes\n";
}

// Kills aimed where a client most easily loses track of the server: right after the server
// created the task, accepted the finish, or answered a poll of the creation request, before
// the client reads the reply. The same command run again must end with one task, intact.
TEST_F(KillTest, KillsRightAfterCreationFinishAndPollResumeWithOneTask) {
  std::mutex mu;
  std::string aim;
  pid_t client = 0;
  bool fired = false;
  StartServer([&](server::ServerOptions& o) {
    o.on_milestone = [&](std::string_view milestone) {
      std::lock_guard lock(mu);
      if (!fired && client > 0 && milestone == aim) {
        fired = true;
        ::kill(client, SIGKILL);
      }
    };
  });
  std::map<std::string, std::string> files = MakeCorpus(12, 1);
  WriteFile(work_.Join("token"), kToken);
  for (const char* milestone : {"task-created", "finish-accepted", "request-read"}) {
    std::string name = std::string("aimed-") + milestone;
    std::vector<std::string> args = {
        "upload", work_.Join("src"), "--server", server_->url(), "--token-file",
        work_.Join("token"), "--create", name, "--labels", R"([{"name":"x"}])",
        "--journal", work_.Join(name + ".journal"), "--progress", "none",
        "--tus-threshold", "1MiB", "--tus-chunk", "1MiB"};
    {
      std::lock_guard lock(mu);
      aim = milestone;
      fired = false;
      client = Spawn(args, LastStderrPath());
    }
    int status = 0;
    ::waitpid(client, &status, 0);
    {
      std::lock_guard lock(mu);
      client = 0;
      ASSERT_TRUE(fired) << milestone << " never happened";
    }
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << milestone;
    ASSERT_EQ(RunCli(args, std::nullopt), 0) << "the run after the kill at " << milestone;
    ingest::testing::HttpReply tasks = Get("/api/tasks?name=" + name);
    ASSERT_EQ(ingest::testing::JsonField(tasks.body, "count"), "1") << milestone << ": " << tasks.body;
    size_t at = tasks.body.find("\"id\":");
    ASSERT_NE(at, std::string::npos) << tasks.body;
    std::string id = std::to_string(std::atoll(tasks.body.c_str() + at + 5));
    ExpectStoredIntact(data_dir_ + "/tasks/" + id + "/raw", files);
    ingest::testing::HttpReply task = Get("/api/tasks/" + id);
    EXPECT_EQ(ingest::testing::JsonField(task.body, "size"), std::to_string(files.size()))
        << milestone;
  }
}

// The receiver process is SIGKILLed mid-upload and started again on the same port and data
// directory: the client rides it out with its retries, and the task comes out intact.
TEST_F(KillTest, ReceiverSigkilledAndRestartedMidUpload) {
  StopServer();  // this test runs `cvat-ingest serve` as a process instead
  std::string data = work_.Join("srv");
  auto start_serve = [&](const std::string& port) {
    pid_t pid = Spawn({"serve", "--data", data, "--port", port, "--port-file", work_.Join("port")},
                      work_.Join("serve.stderr"));
    for (int i = 0; i < 200 && !fs::exists(work_.Join("port")); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return pid;
  };
  pid_t serve = start_serve("0");
  ASSERT_TRUE(fs::exists(work_.Join("port")));
  std::string port = ReadFile(work_.Join("port"));
  while (!port.empty() && (port.back() == '\n' || port.back() == ' ')) port.pop_back();

  std::map<std::string, std::string> files = MakeCorpus(20, 2);
  std::vector<std::string> args = {
      "upload", work_.Join("src"), "--server", "http://127.0.0.1:" + port, "--token-file",
      data + "/token", "--create", "survivor", "--labels", R"([{"name":"x"}])",
      "--journal", work_.Join("upload.journal"), "--progress", "none", "--connections", "2",
      "--tus-threshold", "1MiB", "--tus-chunk", "1MiB", "--limit-rate", "1MiB", "--retries",
      "30"};
  int status = -1;
  std::thread client([&] { status = RunCli(args, std::nullopt); });
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  ::kill(serve, SIGKILL);
  ::waitpid(serve, nullptr, 0);
  fs::remove(work_.Join("port"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  serve = start_serve(port);
  client.join();
  ::kill(serve, SIGTERM);
  ::waitpid(serve, nullptr, 0);
  ASSERT_EQ(status, 0);
  ExpectStoredIntact(data + "/tasks/1/raw", files);
}

// A run of 20 tasks (--task-per folder, three in flight, a server that takes 150 ms to build
// each), SIGKILLed at seeded moments: after a seeded delay, or right as the server created a
// task, accepted a finish or answered a poll (the n-th time, n seeded), so kills land during
// creations, mid-upload of one task while another is built, and during polling. The same
// command runs again after each kill. At the end every folder has exactly one task, holding
// its files once, byte for byte, in order.
TEST_F(KillTest, ARunOfTwentyTasksKilledAtSeededMomentsEndsWithOneIntactTaskPerFolder) {
  std::mutex mu;
  std::string aim;
  int aim_count = 0;
  pid_t client = 0;
  StartServer([&](server::ServerOptions& o) {
    o.build_delay_seconds = 0.15;
    o.build_workers = 2;
    o.on_milestone = [&](std::string_view milestone) {
      std::lock_guard lock(mu);
      if (client > 0 && milestone == aim && --aim_count == 0) ::kill(client, SIGKILL);
    };
  });
  std::map<std::string, std::map<std::string, std::string>> folders;
  for (int d = 0; d < 20; ++d) {
    std::string folder = "cam" + std::to_string(d / 10) + std::to_string(d % 10);
    for (int i = 0; i < 6; ++i) {
      std::string name = "f" + std::to_string(i) + ".png";
      folders[folder][name] = ingest::testing::WritePng(30 + d, 20 + i, {.noise = true});
    }
    if (d % 5 == 0) {  // a file through TUS, in several PATCHes
      folders[folder]["big.png"] = ingest::testing::WritePng(700 + d, 700, {.noise = true});
    }
    for (const auto& [name, bytes] : folders[folder]) {
      WriteFile(work_.Join("src/" + folder + "/" + name), bytes);
    }
  }
  WriteFile(work_.Join("token"), kToken);
  std::vector<std::string> args = {
      "upload", work_.Join("src"), "--server", server_->url(), "--token-file", work_.Join("token"),
      "--create", "run {name}", "--labels", R"([{"name":"x"}])", "--task-per", "folder",
      "--parallel-tasks", "3", "--journal", work_.Join("run.journal"), "--progress", "none",
      "--connections", "3", "--tus-threshold", "512KiB", "--tus-chunk", "1MiB",
      "--batch", "8KiB", "--limit-rate", "1MiB", "--retries", "20"};
  const char* kMilestones[] = {"task-created", "finish-accepted", "request-read"};
  SplitMix64 rng(20261206);
  int kills = 0;
  int status = -1;
  for (int run = 0; run < 100; ++run) {
    std::optional<std::chrono::milliseconds> delay;
    {
      std::lock_guard lock(mu);
      aim.clear();
      client = 0;
      if (kills < 14 && rng.Below(2) == 0) {
        aim = kMilestones[rng.Below(3)];
        aim_count = 1 + static_cast<int>(rng.Below(3));
      } else if (kills < 14) {
        delay = std::chrono::milliseconds(80 + static_cast<int>(rng.Below(600)));
      }
    }
    pid_t pid = Spawn(args, LastStderrPath());
    {
      std::lock_guard lock(mu);
      client = pid;
    }
    auto start = std::chrono::steady_clock::now();
    int wstatus = 0;
    for (;;) {
      if (::waitpid(pid, &wstatus, WNOHANG) == pid) break;
      if (delay && std::chrono::steady_clock::now() - start >= *delay) ::kill(pid, SIGKILL);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    {
      std::lock_guard lock(mu);
      client = 0;
    }
    if (WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL) {
      ++kills;
      continue;
    }
    status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
    break;
  }
  ASSERT_EQ(status, 0) << "after " << kills << " kills: " << LastStderr();
  EXPECT_GE(kills, 10);
  std::cerr << "kills: " << kills << "\n";

  HttpClient http({}, {std::string("Authorization: Token ") + kToken});
  CvatApi api(server_->url(), &http);
  for (const auto& [folder, files] : folders) {
    Result<std::vector<TaskInfo>> tasks = api.FindTasks("run " + folder);
    ASSERT_TRUE(tasks.has_value()) << tasks.error().ToString();
    ASSERT_EQ(tasks->size(), 1u) << folder << ": one task per unit";
    const TaskInfo& t = tasks->front();
    EXPECT_EQ(t.size, static_cast<int64_t>(files.size())) << folder;
    EXPECT_EQ(ingest::testing::StoredTaskFiles(data_dir_, t.id), files) << folder;
    std::vector<std::string> frames;
    ASSERT_TRUE(api.VisitFrameNames(t.id, [&](size_t i, std::string_view name) {
                     if (i == 0) frames.clear();  // a retried transfer starts again
                     frames.emplace_back(name);
                     return Status();
                   }).has_value());
    std::vector<std::string> want;
    for (const auto& [name, bytes] : files) want.push_back(name);  // lexicographical
    EXPECT_EQ(frames, want) << folder;
  }
}

}  // namespace
}  // namespace ingest::upload
