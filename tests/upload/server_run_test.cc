// Server-side sources in the client's order (upload/server_run.h) against a scripted CVAT:
// what the listing asks, the data request each task gets, and the frame check after the
// build, which must catch a server that does not keep the order asked.
#include "upload/server_run.h"

#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "tests/upload/fake_tus_server.h"

namespace ingest::upload {
namespace {

// A CVAT with a share holding cams/c1/{f10,f9,f1}.png and cams/c2/x.png, which builds each
// task and reports its frames in the order of `frame_order` (or, when empty, in the order
// the request named them).
class ScriptedCvat {
 public:
  explicit ScriptedCvat(std::vector<std::string> frame_order = {})
      : frame_order_(std::move(frame_order)),
        server_([this](const httplib::Request& req, httplib::Response& res) { Serve(req, res); }) {}

  std::string url() const { return server_.url(); }
  std::vector<std::string> data_requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return data_requests_;
  }
  std::vector<std::string> share_queries() {
    std::lock_guard<std::mutex> lock(mu_);
    return share_queries_;
  }

 private:
  void Serve(const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu_);
    auto json = [&](int status, std::string body) {
      res.status = status;
      res.set_content(body, "application/json");
    };
    if (req.path == "/api/server/about") return json(200, R"({"version":"2.20.0"})");
    if (req.path == "/api/server/share") {
      const std::string dir = req.get_param_value("directory");
      share_queries_.push_back(dir);
      if (dir == "/cams/") {
        return json(200, R"([{"name":"c1","type":"DIR","mime_type":"DIR"},)"
                         R"({"name":"c2","type":"DIR","mime_type":"DIR"}])");
      }
      if (dir == "/cams/c1/") {
        return json(200, R"([{"name":"f1.png","type":"REG","mime_type":"image"},)"
                         R"({"name":"f10.png","type":"REG","mime_type":"image"},)"
                         R"({"name":"f9.png","type":"REG","mime_type":"image"}])");
      }
      if (dir == "/cams/c2/") return json(200, R"([{"name":"x.png","type":"REG","mime_type":"image"}])");
      return json(400, "\"" + dir.substr(1) + " is an invalid directory\"");
    }
    if (req.method == "POST" && req.path == "/api/tasks") {
      ++tasks_;
      return json(201, R"({"id":)" + std::to_string(tasks_) + R"(,"name":"t","size":0})");
    }
    if (req.method == "POST" && req.path.ends_with("/data/")) {
      data_requests_.push_back(req.body);
      return json(202, R"({"rq_id":"rq)" + std::to_string(tasks_) + R"("})");
    }
    if (req.path.starts_with("/api/requests/")) return json(200, R"({"status":"finished"})");
    if (req.path.ends_with("/data/meta")) return json(200, Meta());
    if (req.path.starts_with("/api/tasks/")) {
      return json(200, R"({"id":)" + std::to_string(tasks_) + R"(,"name":"t","size":3})");
    }
    json(404, R"({"detail":"Not found."})");
  }

  // The frames of the last task: `frame_order_`, or the names of its request in their order.
  std::string Meta() const {
    std::vector<std::string> names = frame_order_;
    if (names.empty()) {
      const std::string& body = data_requests_.back();
      size_t at = body.find("\"server_files\":[");
      size_t end = body.find(']', at);
      for (size_t q = body.find('"', at + 16); q < end; q = body.find('"', q + 1)) {
        size_t close = body.find('"', q + 1);
        names.push_back(body.substr(q + 1, close - q - 1));
        q = close;
      }
    }
    std::string out = R"({"frames":[)";
    for (size_t i = 0; i < names.size(); ++i) {
      out += (i ? "," : "") + std::string(R"({"name":")") + names[i] + R"(","width":1,"height":1})";
    }
    return out + "]}";
  }

  std::vector<std::string> frame_order_;
  std::mutex mu_;
  int tasks_ = 0;                           // GUARDED_BY(mu_)
  std::vector<std::string> data_requests_;  // GUARDED_BY(mu_)
  std::vector<std::string> share_queries_;  // GUARDED_BY(mu_)
  testing::FakeServer server_;              // last: stops before the members it uses go
};

UploadJob Job(const std::string& url, const std::string& name) {
  UploadJob job;
  job.server = url;
  job.auth_headers = {"Authorization: Token t"};
  job.task.name = name;
  job.task.labels_json = R"([{"name":"a"}])";
  return job;
}

// One task at a time: the scripted CVAT answers for its last task only.
RunOptions Options(const UnitOptions& units) {
  RunOptions options;
  options.units = units;
  options.parallel_tasks = 1;
  return options;
}

ServerSources Share(std::vector<std::string> paths) {
  ServerSources src;
  src.share = std::move(paths);
  src.client_orders = true;
  return src;
}

TEST(ServerRunTest, TaskPerFolderListsTheShareAndSendsTheNaturalOrderAsPredefined) {
  ScriptedCvat cvat;
  UnitOptions units;
  units.per = TaskPer::kFolder;
  units.sorting = SortingMethod::kNatural;
  RunOutcome out = RunServerSourceUnits(Job(cvat.url(), "rig {name}"), Share({"cams/"}),
                                        Options(units), {}, nullptr).run;
  ASSERT_TRUE(out.status.ok()) << out.status.message();
  ASSERT_EQ(out.units.size(), 2u);
  EXPECT_EQ(out.units[0].name, "rig c1");
  EXPECT_EQ(out.units[1].name, "rig c2");
  EXPECT_EQ(cvat.share_queries(), (std::vector<std::string>{"/cams/", "/cams/c1/", "/cams/c2/"}));
  std::vector<std::string> sent = cvat.data_requests();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_NE(sent[0].find(R"("sorting_method":"predefined")"), std::string::npos) << sent[0];
  EXPECT_NE(sent[0].find(R"("server_files":["cams/c1/f1.png","cams/c1/f9.png","cams/c1/f10.png"])"),
            std::string::npos)
      << sent[0];
  for (const UnitReport& r : out.units) {
    EXPECT_EQ(r.state, UnitReport::State::kDone) << r.error.message();
  }
}

TEST(ServerRunTest, FramesNotInTheOrderAskedFailTheCheck) {
  ScriptedCvat cvat({"cams/c1/f1.png", "cams/c1/f10.png", "cams/c1/f9.png"});  // code points
  UnitOptions units;
  units.sorting = SortingMethod::kNatural;
  RunOutcome out = RunServerSourceUnits(Job(cvat.url(), "one"), Share({"cams/c1/"}),
                                        Options(units), {}, nullptr).run;
  ASSERT_TRUE(out.status.ok()) << out.status.message();
  ASSERT_EQ(out.units.size(), 1u);
  EXPECT_EQ(out.units[0].state, UnitReport::State::kFailed);
  EXPECT_NE(out.units[0].error.message().find("frame 1 is 'cams/c1/f10.png', asked 'cams/c1/f9.png'"),
            std::string::npos)
      << out.units[0].error.message();
}

TEST(ServerRunTest, TwoTasksOfOneNameAreRefusedBeforeAnyTaskIsMade) {
  ScriptedCvat cvat;
  UnitOptions units;
  units.per = TaskPer::kFile;
  RunOutcome out = RunServerSourceUnits(Job(cvat.url(), "x {folder}"), Share({"cams/"}),
                                        Options(units), {}, nullptr).run;
  EXPECT_EQ(out.status.code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(cvat.data_requests().empty());
}

}  // namespace
}  // namespace ingest::upload
