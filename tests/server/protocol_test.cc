// Protocol tests: one per CVAT quirk the receiver reproduces (cvat_protocol.md 1, 2, 3, 5.3).
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <thread>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server/media_inspector.h"
#include "tests/testing/http_client.h"

namespace ingest::testing {
namespace {

using ProtocolTest = ServerTest;

std::string DataUrl(ServerTest& t, int64_t task) {
  (void)t;
  return "/api/tasks/" + std::to_string(task) + "/data/";
}

TEST_F(ProtocolTest, RoutesPostToDataByHeaderPresence) {
  int64_t task = CreateTask();
  // Upload-Start counts: 202, nothing else happens.
  HttpReply start = PostJson(DataUrl(*this, task), "", {"Upload-Start: true"});
  EXPECT_EQ(start.status, 202);
  // Upload-Finish wins over Upload-Start: the finish validates the body (image_quality).
  HttpReply both = PostJson(DataUrl(*this, task), "{}", {"Upload-Start: true", "Upload-Finish: true"});
  EXPECT_EQ(both.status, 400);
  EXPECT_NE(both.body.find("image_quality"), std::string::npos) << both.body;
  // Upload-Length beats Upload-Multiple: a TUS creation.
  HttpReply tus = CreateUpload(task, "a.png", 10, {"Upload-Multiple: true"});
  EXPECT_EQ(tus.status, 201);
  // No header: the single-request upload, validated like a finish.
  HttpReply none = PostJson(DataUrl(*this, task), "{}");
  EXPECT_EQ(none.status, 400);
  // Form-urlencoded is not an accepted parser.
  HttpReply form = Send({"POST", Url(DataUrl(*this, task)),
                         Auth({"Upload-Finish: true", "Content-Type: application/x-www-form-urlencoded"}),
                         "image_quality=70"});
  EXPECT_EQ(form.status, 415);
}

// Raw request to the task's /data/ with `headers` ("Name: value" lines, CRLF-terminated) and
// `body`, through a raw socket so the header bytes on the wire are exactly these (nothing after
// the colon, or spaces only); returns the whole reply.
std::string RawDataPost(int port, int64_t task, const std::string& token,
                        const std::string& headers, const std::string& body) {
  std::string raw = "POST /api/tasks/" + std::to_string(task) +
                    "/data/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Token " + token +
                    "\r\nConnection: close\r\n" + headers +
                    "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return SendRaw(port, raw);
}

std::string StatusLine(const std::string& reply) { return reply.substr(0, reply.find('\r')); }

TEST_F(ProtocolTest, EmptyValuedRoutingHeadersCountByPresence) {
  int64_t task = CreateTask();
  int port = server_->port();
  // Upload-Start with nothing after the colon (cvat-sdk), and spaces only: a start.
  EXPECT_EQ(StatusLine(RawDataPost(port, task, kToken, "Upload-Start:\r\n", "")),
            "HTTP/1.1 202 Accepted");
  EXPECT_EQ(StatusLine(RawDataPost(port, task, kToken, "upload-start:   \r\n", "")),
            "HTTP/1.1 202 Accepted");
  // An empty Upload-Finish wins over Upload-Start: the finish validates the body.
  std::string fin = RawDataPost(port, task, kToken,
                                "Upload-Start: true\r\nUpload-Finish:\r\n"
                                "Content-Type: application/json\r\n",
                                "{}");
  EXPECT_EQ(StatusLine(fin), "HTTP/1.1 400 Bad Request") << fin;
  EXPECT_NE(fin.find("image_quality"), std::string::npos) << fin;
  // An empty Upload-Multiple is a bulk batch (200, file appended), not a finish (202).
  std::string content_type;
  std::string form = MultipartBody(
      {{"image_quality", "", "70"}, {"client_files[0]", "a.png", TinyPng(3, 2)}}, &content_type);
  std::string bulk = RawDataPost(
      port, task, kToken, "Upload-Multiple:\r\nContent-Type: " + content_type + "\r\n", form);
  EXPECT_EQ(StatusLine(bulk), "HTTP/1.1 200 OK") << bulk;
  EXPECT_EQ(ReadFile(data_dir_ + "/tasks/" + std::to_string(task) + "/raw/a.png"), TinyPng(3, 2));
  // An empty Upload-Length is a TUS creation that fails on the value (int("")), as in CVAT.
  std::string tus = RawDataPost(port, task, kToken, "Upload-Length:\r\nOrigin: http://x\r\n", "");
  EXPECT_EQ(StatusLine(tus), "HTTP/1.1 500 Internal Server Error") << tus;
}

TEST_F(ProtocolTest, PipelinedRequestsOnOneConnectionAreAllAnswered) {
  std::string one = "GET /api/server/about HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  std::string last =
      "GET /api/server/about HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  std::string reply = SendRaw(server_->port(), one + one + last);
  size_t count = 0;
  for (size_t at = reply.find("HTTP/1.1 200"); at != std::string::npos;
       at = reply.find("HTTP/1.1 200", at + 1)) {
    ++count;
  }
  EXPECT_EQ(count, 3u) << reply;
}

TEST_F(ProtocolTest, CreationWithoutOriginIs500AsInCvat) {
  int64_t task = CreateTask();
  HttpReply r = Send({"POST", Url(DataUrl(*this, task)),
                      Auth({"Upload-Length: 5", "Upload-Metadata: filename YS5wbmc="}), ""});
  EXPECT_EQ(r.status, 500);
  HttpReply fwd = CreateUpload(task, "a.png", 5, {"X-Forwarded-Host: cvat.example", "X-Forwarded-Proto: https"});
  EXPECT_EQ(fwd.status, 201);
  EXPECT_EQ(fwd.Header("location").rfind("https://cvat.example/api/tasks/", 0), 0u) << fwd.Header("location");
}

TEST_F(ProtocolTest, LocationIsOriginJoinedWithPathAndTrailingSlashMatters) {
  int64_t task = CreateTask();
  HttpReply r = CreateUpload(task, "a.png", 5);
  ASSERT_EQ(r.status, 201);
  std::string loc = r.Header("location");
  std::string prefix = Origin() + "/api/tasks/" + std::to_string(task) + "/data/1_";
  EXPECT_EQ(loc.rfind(prefix, 0), 0u) << loc;
  EXPECT_EQ(r.Header("upload-filename"), "a.png");
  EXPECT_EQ(r.Header("tus-resumable"), "1.0.0");
  EXPECT_TRUE(r.Has("tus-extension"));
  EXPECT_EQ(r.Header("tus-max-size"), "26843545600");
  // Without the slash, urljoin drops the last segment: the Location misses /data/.
  HttpReply noslash = Send({"POST", Url("/api/tasks/" + std::to_string(task) + "/data"),
                            Auth({"Upload-Length: 5", "Upload-Metadata: filename Yi5wbmc=",
                                  "Origin: " + Origin()}),
                            ""});
  ASSERT_EQ(noslash.status, 201);
  std::string bad = noslash.Header("location");
  EXPECT_EQ(bad.rfind(Origin() + "/api/tasks/" + std::to_string(task) + "/1_", 0), 0u) << bad;
  EXPECT_EQ(Patch(bad, 0, "12345").status, 404);
}

TEST_F(ProtocolTest, CreationOfACompletedNameIs409) {
  int64_t task = CreateTask();
  UploadTus(task, "a.png", "12345");
  EXPECT_EQ(CreateUpload(task, "a.png", 5).status, 409);
  // In-flight uploads of one name are not checked.
  EXPECT_EQ(CreateUpload(task, "b.png", 5).status, 201);
  EXPECT_EQ(CreateUpload(task, "b.png", 5).status, 201);
}

TEST_F(ProtocolTest, CreationOverMaxSizeIs413AndZeroLengthFails) {
  StartServer([](server::ServerOptions& o) { o.max_file_size = 1000; });
  int64_t task = CreateTask();
  HttpReply r = CreateUpload(task, "a.png", 1001);
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(r.body.find("1000"), std::string::npos);
  EXPECT_EQ(CreateUpload(task, "a.png", 1000).status, 201);
  // CVAT preallocates with seek(length - 1): 500 for 0 and below (send empty files in bulk).
  EXPECT_EQ(CreateUpload(task, "z.png", 0).status, 500);
  HttpReply bad_len = CreateUpload(task, "n.png", 0, {"Upload-Length: -5"});
  EXPECT_EQ(bad_len.status, 500);
}

TEST_F(ProtocolTest, PatchWithoutContentLengthIs400) {
  int64_t task = CreateTask();
  std::string loc = CreateUpload(task, "a.png", 10).Header("location");
  // Drop Content-Length (curl sends the body anyway; the connection is closed after).
  HttpReply no_len = Patch(loc, 0, "12345", {"Content-Length:"});
  EXPECT_EQ(no_len.status, 400);
  EXPECT_EQ(Head(loc).Header("upload-offset"), "0");
}

TEST_F(ProtocolTest, OffsetMismatchIs409WithoutOffset) {
  int64_t task = CreateTask();
  std::string loc = CreateUpload(task, "a.png", 10).Header("location");
  ASSERT_EQ(Patch(loc, 0, "12345").status, 204);
  HttpReply r = Patch(loc, 0, "12345");
  EXPECT_EQ(r.status, 409);
  EXPECT_FALSE(r.Has("upload-offset"));
  EXPECT_EQ(Head(loc).Header("upload-offset"), "5");
  EXPECT_EQ(Patch(loc, 5, "x", {"Upload-Offset: abc"}).status, 500);  // int("abc")
}

TEST_F(ProtocolTest, PatchPastTheLengthIs413) {
  int64_t task = CreateTask();
  std::string loc = CreateUpload(task, "a.png", 4).Header("location");
  EXPECT_EQ(Patch(loc, 0, "12345").status, 413);
  EXPECT_EQ(Head(loc).Header("upload-offset"), "0");
}

TEST_F(ProtocolTest, ShortBodyKeepsWhatArrivedAndAdvancesTheOffset) {
  int64_t task = CreateTask();
  std::string loc = CreateUpload(task, "a.bin", 100).Header("location");
  std::string path = loc.substr(Origin().size());
  std::string raw = "PATCH " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Token " +
                    kToken +
                    "\r\nContent-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\n"
                    "Content-Length: 100\r\n\r\n" + std::string(40, 'x');
  SendRawAndClose(server_->port(), raw);
  std::string offset;
  for (int i = 0; i < 200 && offset != "40"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    offset = Head(loc).Header("upload-offset");
  }
  EXPECT_EQ(offset, "40");
  EXPECT_EQ(Patch(loc, 40, std::string(60, 'y')).status, 204);
  EXPECT_EQ(ReadFile(data_dir_ + "/tasks/1/raw/a.bin"), std::string(40, 'x') + std::string(60, 'y'));
}

TEST_F(ProtocolTest, LastChunkMovesTheFileAndTheUploadVanishes) {
  int64_t task = CreateTask();
  std::string loc = CreateUpload(task, "photo.png", 6).Header("location");
  std::string file_id = loc.substr(loc.rfind('/') + 1);
  std::string raw = data_dir_ + "/tasks/" + std::to_string(task) + "/raw/";
  std::string journal = data_dir_ + "/tasks/" + std::to_string(task) + "/uploads.jsonl";
  EXPECT_NE(ReadFile(journal).find("\"op\":\"create\",\"file_id\":\"" + file_id), std::string::npos);
  ASSERT_EQ(Patch(loc, 0, "abc").status, 204);
  HttpReply last = Patch(loc, 3, "def");
  ASSERT_EQ(last.status, 204);
  EXPECT_EQ(last.Header("upload-offset"), "6");
  EXPECT_EQ(ReadFile(raw + "photo.png"), "abcdef");
  EXPECT_FALSE(std::filesystem::exists(raw + file_id));
  EXPECT_NE(ReadFile(journal).find("\"op\":\"done\",\"file_id\":\"" + file_id), std::string::npos);
  EXPECT_EQ(Head(loc).status, 404);
  EXPECT_EQ(Patch(loc, 6, "x").status, 404);
  // GET on an upload is not a TUS method.
  EXPECT_EQ(Send({"GET", loc, Auth()}).status, 405);
}

TEST_F(ProtocolTest, BulkStoresBasenamesAndAResentBatchFails) {
  int64_t task = CreateTask();
  HttpReply first = Bulk(task, {{"dir/a.png", "AAAA"}, {"b.png", "BB"}});
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_TRUE(first.body.empty());
  std::string raw = data_dir_ + "/tasks/" + std::to_string(task) + "/raw/";
  EXPECT_EQ(ReadFile(raw + "a.png"), "AAAA");  // basename only
  // CVAT's ClientFile rows are unique: a resent name fails (500) before a byte is appended.
  HttpReply again = Bulk(task, {{"dir/a.png", "AAAA"}});
  EXPECT_EQ(again.status, 500);
  EXPECT_EQ(ReadFile(raw + "a.png"), "AAAA");
  // image_quality is required on every bulk request; nothing is stored without it.
  EXPECT_EQ(Bulk(task, {{"c.png", "C"}}, false).status, 400);
  EXPECT_FALSE(std::filesystem::exists(raw + "c.png"));
  // A plain repeated client_files name is not a file list.
  std::string ct;
  std::string body = MultipartBody({{"client_files", "d.png", "D"}, {"image_quality", "", "70"}}, &ct);
  EXPECT_EQ(Send({"POST", Url(DataUrl(*this, task)), Auth({"Upload-Multiple: true", "Content-Type: " + ct}), body})
                .status,
            200);
  EXPECT_FALSE(std::filesystem::exists(raw + "d.png"));
}

TEST_F(ProtocolTest, MultipartBodiesAreParsedByTheReceiver) {
  int64_t task = CreateTask();
  std::string raw = data_dir_ + "/tasks/" + std::to_string(task) + "/raw/";
  std::string ct;
  std::string body = MultipartBody(
      {{"image_quality", "", "70"}, {"client_files[0]", "a.png", "A\r\n--x"}}, &ct);
  // The media type in any case (cpp-httplib's own parser only knew the lower-case one).
  std::string odd_case = "Multipart/Form-Data" + ct.substr(ct.find(';'));
  HttpReply ok = Send({"POST", Url(DataUrl(*this, task)),
                       Auth({"Upload-Multiple: true", "Content-Type: " + odd_case}), body});
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ReadFile(raw + "a.png"), "A\r\n--x");
  // A body cut before its closing boundary: 400, nothing stored.
  std::string cut = MultipartBody(
      {{"image_quality", "", "70"}, {"client_files[0]", "b.png", "BBBB"}}, &ct);
  cut.resize(cut.size() - 10);
  HttpReply bad = Send({"POST", Url(DataUrl(*this, task)),
                        Auth({"Upload-Multiple: true", "Content-Type: " + ct}), cut});
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("Multipart form parse error"), std::string::npos) << bad.body;
  EXPECT_FALSE(std::filesystem::exists(raw + "b.png"));
  // No boundary parameter: 400.
  HttpReply nob = Send({"POST", Url(DataUrl(*this, task)),
                        Auth({"Upload-Multiple: true", "Content-Type: multipart/form-data"}), body});
  EXPECT_EQ(nob.status, 400) << nob.body;
  // The receiver's internal header, sent by a client, does not make a JSON body multipart.
  HttpReply spoof = Send({"POST", Url(DataUrl(*this, task)),
                          Auth({"Upload-Multiple: true", "Content-Type: application/json",
                                "X-Ingest-Multipart-Content-Type: " + ct}),
                          "{\"image_quality\":70}"});
  EXPECT_EQ(spoof.status, 200) << spoof.body;
}

TEST_F(ProtocolTest, FinishCreatesTheTaskAndMetaListsFramesInOrder) {
  int64_t task = CreateTask("imgs", ",\"segment_size\":2");
  ASSERT_EQ(Bulk(task, {{"b.png", TinyPng(30, 20)}, {"a.png", TinyPng(10, 5)}}).status, 200);
  UploadTus(task, "c.png", TinyPng(7, 8));
  HttpReply f = Finish(task, "{\"image_quality\":70,\"sorting_method\":\"lexicographical\"}");
  ASSERT_EQ(f.status, 202) << f.body;
  std::string rq = JsonField(f.body, "rq_id");
  EXPECT_EQ(rq, "action=create&target=task&target_id=" + std::to_string(task));
  HttpReply done = WaitRequest(rq);
  EXPECT_EQ(JsonField(done.body, "status"), "finished") << done.body;
  HttpReply meta = Get("/api/tasks/" + std::to_string(task) + "/data/meta");
  EXPECT_EQ(JsonField(meta.body, "size"), "3");
  EXPECT_NE(meta.body.find("{\"width\":10,\"height\":5,\"name\":\"a.png\""), std::string::npos) << meta.body;
  EXPECT_LT(meta.body.find("a.png"), meta.body.find("b.png"));
  EXPECT_LT(meta.body.find("b.png"), meta.body.find("c.png"));
  HttpReply t = Get("/api/tasks/" + std::to_string(task));
  EXPECT_EQ(JsonField(t.body, "size"), "3");
  EXPECT_NE(t.body.find("\"jobs\":{\"count\":2"), std::string::npos) << t.body;
  // Data exists now: any further POST to /data/ is refused.
  HttpReply more = PostJson(DataUrl(*this, task), "", {"Upload-Start: true"});
  EXPECT_EQ(more.status, 400);
  EXPECT_NE(more.body.find("Adding more data is not supported"), std::string::npos);
  HttpReply st = Get("/api/tasks/" + std::to_string(task) + "/status");
  EXPECT_EQ(JsonField(st.body, "state"), "Finished");
  EXPECT_EQ(st.Header("deprecation"), "true");
}

TEST_F(ProtocolTest, UploadFileOrderMismatchIs400WithExamples) {
  int64_t task = CreateTask();
  ASSERT_EQ(Bulk(task, {{"a.png", TinyPng(1, 1)}, {"b.png", TinyPng(1, 1)}}).status, 200);
  HttpReply r = Finish(task,
                       "{\"image_quality\":70,\"sorting_method\":\"predefined\","
                       "\"upload_file_order\":[\"a.png\",\"x.png\"]}");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("b.png (upload)"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("x.png (upload_file_order)"), std::string::npos) << r.body;
  HttpReply ok = Finish(task,
                        "{\"image_quality\":70,\"sorting_method\":\"predefined\","
                        "\"upload_file_order\":[\"b.png\",\"a.png\"]}");
  ASSERT_EQ(ok.status, 202);
  EXPECT_EQ(JsonField(WaitRequest(JsonField(ok.body, "rq_id")).body, "status"), "finished");
  HttpReply meta = Get("/api/tasks/" + std::to_string(task) + "/data/meta");
  EXPECT_LT(meta.body.find("b.png"), meta.body.find("a.png"));
}

TEST_F(ProtocolTest, ManifestLineMustEndWithTheFileName) {
  int64_t task = CreateTask();
  std::string manifest =
      "{\"version\":\"1.1\"}\n{\"type\":\"images\"}\n"
      "{\"name\":\"b\",\"extension\":\".png\",\"width\":640,\"height\":480}\n"
      "{\"name\":\"a\",\"extension\":\".png\",\"width\":320,\"height\":240}\n";
  ASSERT_EQ(Bulk(task, {{"a.png", TinyPng(1, 1)}, {"b.png", TinyPng(1, 1)}, {"m.jsonl", manifest}})
                .status,
            200);
  // lexicographical order is a, b; the manifest says b, a: line 0 does not match.
  HttpReply r = Finish(task, "{\"image_quality\":70}");
  ASSERT_EQ(r.status, 202);
  HttpReply done = WaitRequest(JsonField(r.body, "rq_id"));
  EXPECT_EQ(JsonField(done.body, "status"), "failed");
  EXPECT_NE(JsonField(done.body, "message").find("Incorrect file mapping to manifest content"),
            std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(data_dir_ + "/tasks/1/raw/manifest.jsonl"));
  // predefined follows the manifest and trusts its sizes.
  HttpReply p = Finish(task, "{\"image_quality\":70,\"sorting_method\":\"predefined\"}");
  ASSERT_EQ(p.status, 202);
  EXPECT_EQ(JsonField(WaitRequest(JsonField(p.body, "rq_id")).body, "status"), "finished");
  HttpReply meta = Get("/api/tasks/" + std::to_string(task) + "/data/meta");
  EXPECT_NE(meta.body.find("{\"width\":640,\"height\":480,\"name\":\"b.png\""), std::string::npos)
      << meta.body;
}

TEST_F(ProtocolTest, MixedMediaFailsTheRequest) {
  int64_t task = CreateTask();
  ASSERT_EQ(Bulk(task, {{"a.png", TinyPng(1, 1)}, {"v.mp4", "not a video"}}).status, 200);
  HttpReply r = Finish(task, "{\"image_quality\":70}");
  ASSERT_EQ(r.status, 202);
  HttpReply done = WaitRequest(JsonField(r.body, "rq_id"));
  EXPECT_EQ(JsonField(done.body, "status"), "failed");
  EXPECT_NE(JsonField(done.body, "message").find("mix"), std::string::npos) << done.body;
  // Archive + predefined needs a manifest.
  int64_t t2 = CreateTask("zip");
  ASSERT_EQ(Bulk(t2, {{"a.zip", "PK"}}).status, 200);
  HttpReply z = Finish(t2, "{\"image_quality\":70,\"sorting_method\":\"predefined\"}");
  HttpReply zd = WaitRequest(JsonField(z.body, "rq_id"));
  EXPECT_NE(JsonField(zd.body, "message").find("manifest"), std::string::npos) << zd.body;
}

TEST_F(ProtocolTest, RequestsExpireAfterTheTtl) {
  StartServer([](server::ServerOptions& o) { o.request_ttl_seconds = 1; });
  int64_t task = CreateTask();
  ASSERT_EQ(Bulk(task, {{"a.png", TinyPng(2, 2)}}).status, 200);
  HttpReply r = Finish(task, "{\"image_quality\":70}");
  std::string rq = JsonField(r.body, "rq_id");
  EXPECT_EQ(JsonField(WaitRequest(rq).body, "status"), "finished");
  // Unencoded works too: the id is matched after percent-decoding.
  EXPECT_EQ(Get("/api/requests/" + rq).status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_EQ(Get("/api/requests/" + PercentEncode(rq)).status, 404);
  EXPECT_EQ(Get("/api/requests/nope").status, 404);
}

TEST_F(ProtocolTest, RestartKeepsTasksAndUnfinishedUploads) {
  int64_t task = CreateTask("kept");
  std::string loc = CreateUpload(task, "big.bin", 10).Header("location");
  ASSERT_EQ(Patch(loc, 0, "012").status, 204);
  ASSERT_EQ(Patch(loc, 3, "34").status, 204);  // the stored offset is updated in place
  std::string path = loc.substr(Origin().size());
  StartServer();  // new process state, same --data
  std::string new_loc = Origin() + path;
  EXPECT_EQ(Head(new_loc).Header("upload-offset"), "5");
  EXPECT_EQ(Head(new_loc).Header("upload-length"), "10");
  EXPECT_EQ(Patch(new_loc, 5, "56789").status, 204);
  EXPECT_EQ(ReadFile(data_dir_ + "/tasks/1/raw/big.bin"), "0123456789");
  EXPECT_EQ(JsonField(Get("/api/tasks/1").body, "name"), "kept");
  EXPECT_EQ(CreateTask("next"), 2);
}

TEST_F(ProtocolTest, ATornJournalLineEndsTheReplay) {
  int64_t task = CreateTask();
  std::string a = CreateUpload(task, "a.bin", 10).Header("location");
  ASSERT_EQ(Patch(a, 0, "01234").status, 204);
  std::string journal = data_dir_ + "/tasks/1/uploads.jsonl";
  StopServer();
  {  // a crash in the middle of the next offset line
    std::ofstream out(journal, std::ios::app);
    out << "{\"op\":\"offset\",\"file_id\":\"" << a.substr(a.rfind('/') + 1) << "\",\"off";
  }
  StartServer();
  std::string loc = Origin() + a.substr(a.find("/api/"));
  EXPECT_EQ(Head(loc).Header("upload-offset"), "5");
  EXPECT_EQ(Patch(loc, 5, "56789").status, 204);
  EXPECT_EQ(ReadFile(data_dir_ + "/tasks/1/raw/a.bin"), "0123456789");
}

TEST_F(ProtocolTest, TheJournalIsCompactedToTheLiveUploads) {
  int64_t task = CreateTask();
  std::string kept = CreateUpload(task, "kept.bin", 4).Header("location");
  ASSERT_EQ(Patch(kept, 0, "01").status, 204);
  // Enough finished uploads to pass the 1 MiB compaction threshold (~200 bytes each).
  std::string long_name(150, 'n');
  for (int i = 0; i < 2500; ++i) {
    std::string loc = CreateUpload(task, long_name + std::to_string(i), 1).Header("location");
    ASSERT_EQ(Patch(loc, 0, "x").status, 204) << i;
  }
  std::string journal = data_dir_ + "/tasks/1/uploads.jsonl";
  EXPECT_LT(std::filesystem::file_size(journal), 1u << 20);
  StartServer();
  std::string loc = Origin() + kept.substr(kept.find("/api/"));
  EXPECT_EQ(Head(loc).Header("upload-offset"), "2");
  EXPECT_EQ(Patch(loc, 2, "23").status, 204);
}

TEST_F(ProtocolTest, TraversalAndBadNamesAreRefused) {
  int64_t task = CreateTask();
  for (const char* name : {"../x.png", "/etc/passwd", ".."}) {
    EXPECT_EQ(CreateUpload(task, name, 5).status, 400) << name;
  }
  // "a/b.png" stays inside: CVAT creates it (and fails when it completes).
  EXPECT_EQ(CreateUpload(task, "a/b.png", 5).status, 201);
  // On Linux a backslash or a tab is part of a file name: CVAT accepts them.
  for (const char* name : {"a\\b.png", "tab\tname.png"}) {
    EXPECT_EQ(CreateUpload(task, name, 5).status, 201) << name;
  }
  HttpReply nul = CreateUpload(task, std::string("a\0b.png", 7), 5);
  EXPECT_EQ(nul.status, 500);  // pathlib raises on NUL
  // b64decode skips what is not base64: "!!!" is an empty name.
  HttpReply bad64 = Send({"POST", Url(DataUrl(*this, task)),
                          Auth({"Upload-Length: 5", "Upload-Metadata: filename !!!", "Origin: x"}), ""});
  EXPECT_EQ(bad64.status, 400);
  HttpReply none = Send({"POST", Url(DataUrl(*this, task)),
                         Auth({"Upload-Length: 5", "Upload-Metadata: filetype eA==", "Origin: x"}), ""});
  EXPECT_EQ(none.status, 400);
  EXPECT_NE(none.body.find("filename"), std::string::npos);
  EXPECT_EQ(Bulk(task, {{"..", "x"}}).status, 400);
  EXPECT_FALSE(std::filesystem::exists(dir_.Join("x.png")));
  EXPECT_EQ(Get("/api/tasks/999").status, 404);
  EXPECT_EQ(PostJson("/api/tasks/999/data/", "", {"Upload-Start: true"}).status, 404);
}

TEST_F(ProtocolTest, TokensAndLogin) {
  EXPECT_EQ(Send({"GET", Url("/api/tasks")}).status, 401);
  EXPECT_EQ(Send({"GET", Url("/api/tasks"), {"Authorization: Token wrong"}}).status, 401);
  EXPECT_EQ(Send({"GET", Url("/api/tasks"), {"Authorization: Basic YTpi"}}).status, 401);
  EXPECT_EQ(Send({"GET", Url("/api/tasks"), {std::string("Authorization: Bearer ") + kToken}}).status,
            200);
  EXPECT_EQ(Send({"GET", Url("/api/server/about")}).status, 200);
  HttpReply bad = Send({"POST", Url("/api/auth/login"), {"Content-Type: application/json"},
                        std::string("{\"username\":\"admin\",\"password\":\"nope\"}")});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body.find("nope"), std::string::npos);
  HttpReply ok = Send({"POST", Url("/api/auth/login"), {"Content-Type: application/json"},
                       std::string("{\"username\":\"admin\",\"password\":\"s3cret-pass\"}")});
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(JsonField(ok.body, "key"), kToken);
}

TEST_F(ProtocolTest, AnotherUsersUploadIs403) {
  int64_t task = CreateTask();
  std::string loc = CreateUpload(task, "a.png", 5).Header("location");
  std::vector<std::string> bob = {std::string("Authorization: Token ") + kOtherToken,
                                  "Content-Type: application/offset+octet-stream",
                                  "Upload-Offset: 0"};
  EXPECT_EQ(Send({"PATCH", loc, bob, std::string("12345")}).status, 403);
  EXPECT_EQ(Send({"HEAD", loc, bob}).status, 403);
  EXPECT_EQ(Head(loc).Header("upload-offset"), "0");
}

TEST_F(ProtocolTest, FinishWhileQueuedIs409AndTasksPaginate) {
  for (int i = 0; i < 3; ++i) CreateTask("t" + std::to_string(i));
  HttpReply page = Get("/api/tasks?page=2&page_size=2");
  EXPECT_EQ(JsonField(page.body, "count"), "3");
  EXPECT_NE(page.body.find("\"name\":\"t2\""), std::string::npos);
  EXPECT_EQ(Send({"DELETE", Url("/api/tasks/3"), Auth()}).status, 204);
  EXPECT_EQ(Get("/api/tasks/3").status, 404);
  EXPECT_FALSE(std::filesystem::exists(data_dir_ + "/tasks/3"));
}

TEST_F(ProtocolTest, ABurstOfKeepAliveConnectionsIsServedAtOnce) {
  // Leave a few pool threads idle, then open many connections at once: each must be served
  // while the others stay open (one thread per live connection).
  for (int i = 0; i < 3; ++i) ASSERT_EQ(Get("/api/server/about").status, 200);
  constexpr int kConnections = 12;
  std::vector<int> fds;
  for (int i = 0; i < kConnections; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(server_->port()));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    fds.push_back(fd);
  }
  const std::string get = "GET /api/server/about HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  for (int fd : fds) ASSERT_EQ(::send(fd, get.data(), get.size(), MSG_NOSIGNAL), ssize_t(get.size()));
  int answered = 0;
  for (int fd : fds) {
    timeval tv{2, 0};  // the keep-alive timeout is 5 s: a queued connection would miss this
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[512];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 12 && std::string_view(buf, 12) == "HTTP/1.1 200") ++answered;
  }
  for (int fd : fds) ::close(fd);
  EXPECT_EQ(answered, kConnections);
}

// Holds every image probe until Release(), so a request can be kept started (and the next
// one queued) as long as a test needs.
class GateInspector final : public server::MediaInspector {
 public:
  Result<server::ImageSize> ProbeImageFile(const std::string&) override {
    std::unique_lock lock(mu_);
    entered_ = true;
    cv_.notify_all();
    cv_.wait(lock, [&] { return open_; });
    return server::ImageSize{1, 1};
  }
  Result<std::vector<server::ArchiveImage>> ListArchiveImages(const std::string&) override {
    return Status::Unsupported("no archives here");
  }
  Result<server::VideoProps> ProbeVideoFile(const std::string&) override {
    return Status::Unsupported("no videos here");
  }
  void WaitEntered() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return entered_; });
  }
  void Release() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool entered_ = false;
  bool open_ = false;
};

TEST_F(ProtocolTest, CancelWorksWhileQueuedOnly) {
  GateInspector gate;
  StartServer([&](server::ServerOptions& o) { o.inspector = &gate; });
  // The server must be gone before `gate` is, even when an assertion returns early.
  struct Guard {
    std::function<void()> fn;
    ~Guard() { fn(); }
  } stop_first{[&] {
    gate.Release();
    StopServer();
  }};
  int64_t first = CreateTask("first");
  int64_t second = CreateTask("second");
  ASSERT_EQ(Bulk(first, {{"a.png", TinyPng(1, 1)}}).status, 200);
  ASSERT_EQ(Bulk(second, {{"b.png", TinyPng(1, 1)}}).status, 200);
  std::string running = JsonField(Finish(first, "{\"image_quality\":70}").body, "rq_id");
  gate.WaitEntered();  // the first request is started and held
  std::string queued = JsonField(Finish(second, "{\"image_quality\":70}").body, "rq_id");
  ASSERT_EQ(JsonField(Get("/api/requests/" + PercentEncode(queued)).body, "status"), "queued");
  auto cancel = [&](const std::string& id, const char* token) {
    return Send({"POST", Url("/api/requests/" + PercentEncode(id) + "/cancel"),
                 {std::string("Authorization: Token ") + token}, ""});
  };
  // Another user may not cancel it; a started request cannot be cancelled.
  EXPECT_EQ(cancel(queued, kOtherToken).status, 403);
  HttpReply started = cancel(running, kToken);
  EXPECT_EQ(started.status, 400);
  EXPECT_NE(started.body.find("not yet been started"), std::string::npos) << started.body;
  // The queued one is cancelled and forgotten; an unknown id is 404.
  EXPECT_EQ(cancel(queued, kToken).status, 200);
  EXPECT_EQ(Get("/api/requests/" + PercentEncode(queued)).status, 404);
  EXPECT_EQ(cancel(queued, kToken).status, 404);
  gate.Release();
  EXPECT_EQ(JsonField(WaitRequest(running).body, "status"), "finished");
  // The cancelled task never got its data; it can be finished again.
  EXPECT_EQ(JsonField(Get("/api/tasks/" + std::to_string(second)).body, "size"), "0");
  HttpReply again = Finish(second, "{\"image_quality\":70}");
  ASSERT_EQ(again.status, 202) << again.body;
  EXPECT_EQ(JsonField(WaitRequest(JsonField(again.body, "rq_id")).body, "status"), "finished");
}

}  // namespace
}  // namespace ingest::testing
