// Hostile input to the receiver (issue 15): each test reproduces one hole a client could use
// and checks the receiver now refuses it cleanly, answering like CVAT where CVAT answers.
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "tests/testing/http_client.h"

namespace ingest::testing {
namespace {

namespace fs = std::filesystem;
using HardeningTest = ServerTest;

std::string DataUrl(int64_t task) { return "/api/tasks/" + std::to_string(task) + "/data/"; }

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc | std::ios::binary);
  out << text;
}

// Every regular file under `root`, relative to it.
std::vector<std::string> FilesUnder(const std::string& root) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(root, ec)) {
    if (e.is_regular_file()) out.push_back(fs::relative(e.path(), root).string());
  }
  return out;
}

// --- 1: upload state loaded at start ---

// raw/ holds what clients upload, so a `.meta` there is a client's file, never upload state:
// before the fix a batch could plant `<file_id>` and `<file_id>.meta` naming
// `../../../escaped`, and finishing that "upload" after a restart renamed data out of --data.
TEST_F(HardeningTest, MetaFilesInRawAreClientFilesNotUploadState) {
  int64_t task = CreateTask();
  const std::string file_id = "1_00000000-0000-4000-8000-000000000000";
  std::string meta =
      "{\"file_size\":2,\"offset\":1,\"message_id\":\"\",\"filename\":"
      "\"../../../escaped\",\"filetype\":\"\",\"user_id\":1}";
  ASSERT_EQ(Bulk(task, {{file_id, "x"}, {file_id + ".meta", meta}}).status, 200);
  StartServer();  // a restart loads the task store again
  std::string loc = Origin() + DataUrl(task) + file_id;
  EXPECT_EQ(Head(loc).status, 404);
  EXPECT_EQ(Patch(loc, 1, "y").status, 404);
  for (const std::string& f : FilesUnder(dir_.path())) {
    EXPECT_EQ(f.find("escaped"), std::string::npos) << f;
  }
  // The client's files are left as uploaded.
  std::string raw = data_dir_ + "/tasks/" + std::to_string(task) + "/raw/";
  EXPECT_EQ(ReadFile(raw + file_id + ".meta"), meta);
  EXPECT_EQ(ReadFile(raw + file_id), "x");
}

// The journal is the receiver's own file, yet every name it holds passes the live request's
// checks again at load: a name a request could not create is never resumed.
TEST_F(HardeningTest, JournalNamesAreCheckedAtLoadAsInALiveRequest) {
  int64_t task = CreateTask();
  std::string loc = CreateUpload(task, "a.bin", 2).Header("location");
  ASSERT_EQ(Patch(loc, 0, "0").status, 204);
  std::string file_id = loc.substr(loc.rfind('/') + 1);
  std::string task_dir = data_dir_ + "/tasks/" + std::to_string(task);
  StopServer();
  std::string bad_id = "1_../../../../escaped-id-00000000000000";
  WriteText(task_dir + "/uploads.jsonl",
            "{\"op\":\"create\",\"file_id\":\"" + file_id +
                "\",\"offset\":1,\"file_size\":2,\"message_id\":\"\",\"filename\":"
                "\"../../../escaped\",\"filetype\":\"\",\"user_id\":1}\n"
                "{\"op\":\"create\",\"file_id\":\"" +
                bad_id +
                "\",\"offset\":0,\"file_size\":2,\"message_id\":\"\",\"filename\":"
                "\"b.bin\",\"filetype\":\"\",\"user_id\":1}\n");
  WriteText(task_dir + "/client_files.jsonl", "\"../../../escaped\"\n\"a.bin\"\n");
  StartServer();
  loc = Origin() + loc.substr(loc.find("/api/"));  // the new port
  EXPECT_EQ(Patch(loc, 1, "1").status, 404);
  for (const std::string& f : FilesUnder(dir_.path())) {
    EXPECT_EQ(f.find("escaped"), std::string::npos) << f;
  }
  // The refused names are reported, not silently dropped.
  std::lock_guard lock(log_mu_);
  std::string all;
  for (const std::string& l : log_) all += l + "\n";
  EXPECT_NE(all.find("escaped"), std::string::npos) << all;
}

// --- 2: frame_filter step past int64 ---

TEST_F(HardeningTest, FrameStepPastInt64IsA400) {
  int64_t task = CreateTask();
  ASSERT_EQ(Bulk(task, {{"a.png", TinyPng(2, 2)}, {"b.png", TinyPng(2, 2)}}).status, 200);
  HttpReply r =
      Finish(task, "{\"image_quality\":70,\"frame_filter\":\"step=9999999999999999999\"}");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.body, "{\"frame_filter\":[\"Invalid frame filter expression\"]}");
}

TEST_F(HardeningTest, TheLargestFrameStepKeepsTheStartFrameOnly) {
  int64_t task = CreateTask();
  ASSERT_EQ(
      Bulk(task, {{"a.png", TinyPng(2, 2)}, {"b.png", TinyPng(2, 2)}, {"c.png", TinyPng(2, 2)}})
          .status,
      200);
  HttpReply r = Finish(task,
                       "{\"image_quality\":70,\"start_frame\":1,"
                       "\"frame_filter\":\"step=9223372036854775807\"}");
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(JsonField(WaitRequest(JsonField(r.body, "rq_id")).body, "status"), "finished");
  EXPECT_EQ(JsonField(Get("/api/tasks/" + std::to_string(task)).body, "size"), "1");
}

// --- 3: manifest sizes past CVAT's integer columns ---

TEST_F(HardeningTest, ManifestSizeOutOfRangeFailsTheRequest) {
  int64_t task = CreateTask();
  std::string manifest =
      "{\"version\":\"1.1\"}\n{\"type\":\"images\"}\n"
      "{\"name\":\"a\",\"extension\":\".png\",\"width\":4294967296,\"height\":4294967296}\n";
  ASSERT_EQ(Bulk(task, {{"a.png", TinyPng(2, 2)}, {"manifest.jsonl", manifest}}).status, 200);
  HttpReply r = Finish(task, "{\"image_quality\":70}");
  ASSERT_EQ(r.status, 202) << r.body;
  HttpReply done = WaitRequest(JsonField(r.body, "rq_id"));
  EXPECT_EQ(JsonField(done.body, "status"), "failed") << done.body;
  EXPECT_NE(JsonField(done.body, "message").find("width"), std::string::npos) << done.body;
  EXPECT_EQ(Get("/api/server/about").status, 200);  // still serving
}

}  // namespace
}  // namespace ingest::testing
