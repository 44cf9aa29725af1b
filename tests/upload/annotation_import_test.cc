// Annotations on arrival (upload/annotation_import.h) against the local receiver: the import
// itself, its journal record, a resume that must not import twice, old servers, failures.
#include "upload/annotation_import.h"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/testing/http_client.h"
#include "tests/testing/image_writer.h"
#include "tests/testing/temp_dir.h"
#include "tests/upload/job_fixture.h"
#include "upload/http_client.h"
#include "upload/transfer_engine.h"
#include "upload/upload_job.h"

namespace ingest::upload {
namespace {

namespace fs = std::filesystem;
using ingest::testing::ReadFile;
using ingest::testing::WriteFile;

class AnnotationImportTest : public ingest::testing::ServerTest {
 protected:
  // An empty journal of this server (what an interrupted run leaves, as far as the import goes).
  Result<std::unique_ptr<Journal>> EmptyJournal(const std::string& path) {
    JournalHeader h;
    h.server = server_->url();
    return Journal::Create(path, h, std::vector<JournalFile>{});
  }
  UploadJob MakeJob(const std::string& name) {
    WriteFile(work_.Join("src/a.png"), ingest::testing::WritePng(8, 6));
    WriteFile(work_.Join("src/b.png"), ingest::testing::WritePng(9, 6));
    return testing::BaseJob(server_->url(), kToken, {work_.Join("src")}, name, work_.Join("tmp"));
  }
  // The lines of the receiver's log that contain `text`.
  size_t LogCount(const std::string& text) {
    std::lock_guard lock(log_mu_);
    return static_cast<size_t>(std::count_if(log_.begin(), log_.end(), [&](const std::string& l) {
      return l.find(text) != std::string::npos;
    }));
  }
  std::string Imports(int64_t task) {
    std::string path = data_dir_ + "/tasks/" + std::to_string(task) + "/annotations/imports.log";
    return fs::exists(path) ? ReadFile(path) : "";
  }

  ingest::testing::ScopedTempDir work_;
};

TEST_F(AnnotationImportTest, ImportsOnceTheTaskIsReadyAndAResumeDoesNotImportAgain) {
  const std::string bytes = "{\"images\": []}" + std::string(300000, 'x');
  WriteFile(work_.Join("coco.json"), bytes);
  UploadJob job = MakeJob("t");
  job.annotations = AnnotationSpec{work_.Join("coco.json"), "COCO 1.0"};
  job.journal_path = work_.Join("j/t.journal");
  UploadOutcome out = RunUploadJob(job, {}, nullptr, nullptr);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(Imports(*out.task_id), "COCO 1.0\tcoco.json\t" + std::to_string(bytes.size()) + "\n");
  EXPECT_EQ(ReadFile(data_dir_ + "/tasks/1/annotations/coco.json"), bytes);
  {
    Result<std::unique_ptr<Journal>> j = Journal::Open(job.journal_path);
    ASSERT_TRUE(j.has_value()) << j.error().ToString();
    EXPECT_EQ((*j)->header().state, JobState::kDone);
    EXPECT_EQ((*j)->GetValue("annotations_state"), "done");
    EXPECT_EQ((*j)->GetValue("annotations_format"), "COCO 1.0");
  }
  UploadJob again = MakeJob("t");
  UploadOutcome resumed = ResumeUploadJob(job.journal_path, again, {}, nullptr, nullptr);
  ASSERT_TRUE(resumed.status.ok()) << resumed.status.ToString();
  EXPECT_EQ(LogCount("queued"), 1u);
}

// Stopped after Upload-Finish was sent and before its rq_id was recorded: the resume finds the
// running import among the task's requests instead of sending the finish again.
TEST_F(AnnotationImportTest, AnInterruptedFinishIsFoundAmongTheTasksRequests) {
  StartServer([](server::ServerOptions& o) { o.import_delay_seconds = 0.5; });
  UploadOutcome made = RunUploadJob(MakeJob("t"), {}, nullptr, nullptr);
  ASSERT_TRUE(made.status.ok()) << made.status.ToString();
  const int64_t task = *made.task_id;
  const std::string file = work_.Join("a.xml");
  WriteFile(file, "<annotations/>");
  // The first run's requests, sent by hand: start, TUS, finish.
  HttpClient http(ConnectionOptions{}, Auth());
  const std::string base = server_->url() + "/api/tasks/" + std::to_string(task) + "/annotations/";
  const std::string query = "?format=CVAT%201.1&filename=a.xml";
  auto send = [&](const std::string& method, const std::string& url,
                  std::vector<std::string> headers, const std::string& body) {
    HttpRequest req;
    req.method = method;
    req.url = url;
    req.headers = std::move(headers);
    req.body = body;
    Result<HttpResponse> r = http.Send(req);
    EXPECT_TRUE(r.has_value());
    return r ? *r : HttpResponse{};
  };
  EXPECT_EQ(send("POST", base + query, {"Upload-Start: true"}, "").status, 202);
  HttpResponse created = send(
      "POST", base,
      {"Tus-Resumable: 1.0.0", "Upload-Length: 14", "Upload-Metadata: filename " + Base64("a.xml")},
      "");
  ASSERT_EQ(created.status, 201);
  EXPECT_EQ(send("PATCH", Origin() + created.Header("location"),
                 {"Tus-Resumable: 1.0.0", "Upload-Offset: 0",
                  "Content-Type: application/offset+octet-stream"},
                 "<annotations/>")
                .status,
            204);
  EXPECT_EQ(send("POST", base + query, {"Upload-Finish: true"}, "").status, 202);
  // What the journal said when the run stopped.
  UploadJob job = MakeJob("t");
  job.journal_path = work_.Join("j.journal");
  Result<std::unique_ptr<Journal>> j = EmptyJournal(job.journal_path);
  ASSERT_TRUE(j.has_value()) << j.error().ToString();
  AnnotationSpec spec{file, "CVAT 1.1"};
  ASSERT_TRUE(RecordAnnotations(**j, spec).ok());
  ASSERT_TRUE((*j)->SetValue("annotations_state", "finishing").ok());
  ASSERT_TRUE((*j)->SetValue("annotations_finish_unix", std::to_string(std::time(nullptr))).ok());
  CvatApi api(server_->url(), &http);
  ASSERT_TRUE(api.CheckServer().ok());
  std::vector<std::string> notes;
  Status s = ImportAnnotations(api, j->get(), task, spec, {}, nullptr, &notes);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Imports(task), "CVAT 1.1\ta.xml\t14\n");
  EXPECT_EQ(LogCount("queued"), 1u);
  EXPECT_EQ(LogCount("refused"), 0u);  // no second Upload-Finish
  EXPECT_EQ((*j)->GetValue("annotations_state"), "done");
  EXPECT_EQ(
      (*j)->GetValue("annotations_rq_id"),
      "action=import&target=task&target_id=" + std::to_string(task) + "&subresource=annotations");
}

// Stopped in the middle of the file's TUS upload: the resume asks the server for its offset
// (HEAD) and sends the rest only; a file that changed since is refused, named.
TEST_F(AnnotationImportTest, AnInterruptedUploadContinuesAtTheServersOffset) {
  UploadOutcome made = RunUploadJob(MakeJob("t"), {}, nullptr, nullptr);
  ASSERT_TRUE(made.status.ok()) << made.status.ToString();
  const int64_t task = *made.task_id;
  const std::string file = work_.Join("big.json");
  std::string bytes(1 << 20, 'a');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>('a' + i % 26);
  WriteFile(file, bytes);
  HttpClient http(ConnectionOptions{}, Auth());
  const std::string base = server_->url() + "/api/tasks/" + std::to_string(task) + "/annotations/";
  HttpRequest create;
  create.method = "POST";
  create.url = base;
  create.headers = {"Tus-Resumable: 1.0.0", "Upload-Length: " + std::to_string(bytes.size()),
                    "Upload-Metadata: filename " + Base64("big.json")};
  Result<HttpResponse> c = http.Send(create);
  ASSERT_TRUE(c.has_value());
  ASSERT_EQ(c->status, 201);
  const std::string location = c->Header("location");
  HttpRequest patch;
  patch.method = "PATCH";
  patch.url = Origin() + location;
  patch.headers = {"Tus-Resumable: 1.0.0", "Upload-Offset: 0",
                   "Content-Type: application/offset+octet-stream"};
  patch.body = bytes.substr(0, 300000);
  Result<HttpResponse> p = http.Send(patch);
  ASSERT_TRUE(p.has_value());
  ASSERT_EQ(p->status, 204);
  Result<std::unique_ptr<Journal>> j = EmptyJournal(work_.Join("j.journal"));
  ASSERT_TRUE(j.has_value());
  AnnotationSpec spec{file, "COCO 1.0"};
  struct stat st;
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  const std::string identity =
      std::to_string(st.st_size) + ":" +
      std::to_string(static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec);
  ASSERT_TRUE(RecordAnnotations(**j, spec).ok());
  ASSERT_TRUE((*j)->SetValue("annotations_state", "uploading").ok());
  ASSERT_TRUE((*j)->SetValue("annotations_location", location).ok());
  ASSERT_TRUE((*j)->SetValue("annotations_identity", "1:1").ok());  // another file's
  CvatApi api(server_->url(), &http);
  ASSERT_TRUE(api.CheckServer().ok());
  Status changed = ImportAnnotations(api, j->get(), task, spec, {}, nullptr, nullptr);
  ASSERT_EQ(changed.code(), Status::Code::kInvalidArgument) << changed.ToString();
  EXPECT_NE(changed.message().find(file + " changed since its upload"), std::string::npos);
  ASSERT_TRUE((*j)->SetValue("annotations_identity", identity).ok());
  const uint64_t before = server_->BodyBytesReceived();
  Status s = ImportAnnotations(api, j->get(), task, spec, {}, nullptr, nullptr);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(ReadFile(data_dir_ + "/tasks/" + std::to_string(task) + "/annotations/big.json"),
            bytes);
  EXPECT_EQ(Imports(task), "COCO 1.0\tbig.json\t" + std::to_string(bytes.size()) + "\n");
  EXPECT_EQ(server_->BodyBytesReceived() - before, bytes.size() - 300000);  // the rest only
}

// CVAT before 2.16.0 has no requests API: the import is polled with PUT (201 once done).
TEST_F(AnnotationImportTest, ACvatBeforeTheRequestsApiIsPolledThroughPut) {
  StartServer([](server::ServerOptions& o) {
    o.cvat_version = "2.15.0";
    o.import_delay_seconds = 0.2;
  });
  WriteFile(work_.Join("y.zip"), "PK-not-really");
  UploadJob job = MakeJob("old");
  job.annotations = AnnotationSpec{work_.Join("y.zip"), "YOLO 1.1"};
  UploadOutcome out = RunUploadJob(job, {}, nullptr, nullptr);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(Imports(*out.task_id), "YOLO 1.1\ty.zip\t13\n");
}

TEST_F(AnnotationImportTest, UnknownFormatsAreRefusedWithTheServersList) {
  HttpClient http(ConnectionOptions{}, Auth());
  CvatApi api(server_->url(), &http);
  Status s = CheckImportFormat(api, "COCO");
  ASSERT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("'COCO' is not a format this server imports"), std::string::npos);
  EXPECT_NE(s.message().find("'COCO 1.0'"), std::string::npos) << s.ToString();
  EXPECT_NE(CheckImportFormat(api, "cvat 1.1").message().find("did you mean 'CVAT 1.1'"),
            std::string::npos);
  EXPECT_TRUE(CheckImportFormat(api, "Datumaro 1.0").ok());
  // Through a job: refused before any task exists.
  UploadJob job = MakeJob("t");
  job.annotations = AnnotationSpec{work_.Join("src/a.png"), "COCO"};
  UploadOutcome out = RunUploadJob(job, {}, nullptr, nullptr);
  EXPECT_EQ(out.status.code(), Status::Code::kInvalidArgument) << out.status.ToString();
  EXPECT_EQ(ingest::testing::JsonField(Get("/api/tasks").body, "count"), "0");
}

// The server fails an import into a task without data: the error names the file and the
// server's message, and the journal is left to try it afresh.
TEST_F(AnnotationImportTest, AFailedImportSaysWhyAndIsTriedAfreshNextTime) {
  const int64_t task = CreateTask("empty");
  WriteFile(work_.Join("a.json"), "{}");
  HttpClient http(ConnectionOptions{}, Auth());
  CvatApi api(server_->url(), &http);
  ASSERT_TRUE(api.CheckServer().ok());
  Result<std::unique_ptr<Journal>> j = EmptyJournal(work_.Join("j.journal"));
  ASSERT_TRUE(j.has_value());
  AnnotationSpec spec{work_.Join("a.json"), "COCO 1.0"};
  Status s = ImportAnnotations(api, j->get(), task, spec, {}, nullptr, nullptr);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("a.json (COCO 1.0) for task"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("The task has no data"), std::string::npos) << s.ToString();
  EXPECT_EQ((*j)->GetValue("annotations_state"), "");
  EXPECT_EQ((*j)->GetValue("annotations_rq_id"), "");
}

TEST_F(AnnotationImportTest, ARunChecksEveryUnitsFileBeforeAnythingIsSent) {
  WriteFile(work_.Join("labels/cam1.json"), "{}");
  std::vector<TaskUnit> units(2);
  units[0].name = "rig cam1";
  units[0].group = "cam1";
  units[1].name = "rig cam2";
  units[1].group = "cam2";
  Result<std::vector<std::string>> paths =
      UnitAnnotationPaths(work_.Join("labels/{name}.json"), units);
  ASSERT_FALSE(paths.has_value());
  EXPECT_NE(paths.error().message().find("1 of 2 tasks have no annotation file"), std::string::npos)
      << paths.error().ToString();
  EXPECT_NE(paths.error().message().find("task 'rig cam2'"), std::string::npos);
  WriteFile(work_.Join("labels/cam2.json"), "{}");
  paths = UnitAnnotationPaths(work_.Join("labels/{name}.json"), units);
  ASSERT_TRUE(paths.has_value()) << paths.error().ToString();
  EXPECT_EQ((*paths)[1], work_.Join("labels/cam2.json"));
  EXPECT_FALSE(UnitAnnotationPaths(work_.Join("labels/{nope}.json"), units).has_value());
}

}  // namespace
}  // namespace ingest::upload
