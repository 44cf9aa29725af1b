// The UploadJob the upload tests start from (upload_job, upload_run, pack and annotation
// import tests): the test receiver and its token, one label, a temp dir, four connections and
// short backoffs so that retries do not slow the tests.
#ifndef INGEST_TESTS_UPLOAD_JOB_FIXTURE_H_
#define INGEST_TESTS_UPLOAD_JOB_FIXTURE_H_

#include <chrono>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "tests/testing/http_client.h"
#include "upload/upload_job.h"

namespace ingest::upload::testing {

// `token`: the receiver's (ServerTest::kToken).
inline UploadJob BaseJob(const std::string& server_url, const std::string& token,
                         std::vector<std::string> sources, const std::string& name,
                         const std::string& temp_dir) {
  UploadJob job;
  job.server = server_url;
  job.auth_headers = {"Authorization: Token " + token};
  job.sources = std::move(sources);
  job.task.name = name;
  job.task.labels_json = R"([{"name":"car"}])";
  job.temp_dir = temp_dir;
  std::filesystem::create_directories(job.temp_dir);
  job.transfer.connections = 4;
  job.transfer.backoff_base = std::chrono::milliseconds(5);
  job.transfer.backoff_cap = std::chrono::milliseconds(50);
  return job;
}

}  // namespace ingest::upload::testing

#endif  // INGEST_TESTS_UPLOAD_JOB_FIXTURE_H_
