// The receiver against CVAT's real upload code (issue 16): each request here got a different
// answer from CVAT (UploadMixin, TusFile, TusChunk and the task viewset under Django) than
// from `serve`. Expected values were worked out from CVAT's source and, for the Python text
// rules, checked with python3 (int(), base64.b64decode(), os.path.normpath(),
// email.header.Header(...).encode()).
#include <filesystem>
#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "server/python_text.h"
#include "tests/testing/http_client.h"

namespace ingest::testing {
namespace {

using server::DjangoHeaderValue;
using server::PythonB64Decode;
using server::PythonInt;
using server::PythonNormPath;

class CvatExactTest : public ServerTest {
 protected:
  // Polls GET /api/tasks/<id>/status until its state is Finished or Failed (10 s at most).
  HttpReply WaitTaskStatus(int64_t task) {
    HttpReply r;
    for (int i = 0; i < 500; ++i) {
      r = Get("/api/tasks/" + std::to_string(task) + "/status");
      std::string state = JsonField(r.body, "state");
      if (state == "Finished" || state == "Failed") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return r;
  }
};

std::string DataPath(int64_t task) { return "/api/tasks/" + std::to_string(task) + "/data/"; }

std::string RawFile(const std::string& data_dir, int64_t task, const std::string& name) {
  return data_dir + "/tasks/" + std::to_string(task) + "/raw/" + name;
}

TEST(PythonTextTest, IntAsPythonReadsIt) {
  EXPECT_EQ(PythonInt("12"), 12);
  EXPECT_EQ(PythonInt(" 12 "), 12);
  EXPECT_EQ(PythonInt("+5"), 5);
  EXPECT_EQ(PythonInt("-1"), -1);
  EXPECT_EQ(PythonInt("1_0"), 10);
  EXPECT_EQ(PythonInt("\xa0" "12"), 12);
  EXPECT_EQ(PythonInt("99999999999999999999999"), INT64_MAX);
  for (const char* bad : {"", "abc", "1__0", "_1", "1_", "0x10", "1.5", "+", " "}) {
    EXPECT_FALSE(PythonInt(bad).has_value()) << bad;
  }
}

TEST(PythonTextTest, Base64AsB64decodeReadsIt) {
  EXPECT_EQ(PythonB64Decode("YS5wbmc="), "a.png");
  EXPECT_EQ(PythonB64Decode("Y!S5wbmc="), "a.png");  // outside the alphabet: skipped
  EXPECT_EQ(PythonB64Decode("YQ==x"), "a");           // stops at a complete padding
  EXPECT_EQ(PythonB64Decode("YQ=x="), std::string("a\x0c"));
  EXPECT_EQ(PythonB64Decode("YR=="), "a");
  EXPECT_EQ(PythonB64Decode("!!!"), "");
  for (const char* bad : {"YS5wbmc", "YS5wbm", "YQ", "Y", "YQ=", "YQ\xc3\xa9=="}) {
    EXPECT_FALSE(PythonB64Decode(bad).has_value()) << bad;
  }
}

TEST(PythonTextTest, NormPathAsPosixpath) {
  EXPECT_EQ(PythonNormPath("./a.jpg"), "a.jpg");
  EXPECT_EQ(PythonNormPath("sub//dir.jpg"), "sub/dir.jpg");
  EXPECT_EQ(PythonNormPath("a/../b.jpg"), "b.jpg");
  EXPECT_EQ(PythonNormPath("../x"), "../x");
  EXPECT_EQ(PythonNormPath("a/.."), ".");
  EXPECT_EQ(PythonNormPath("/../x"), "/x");
  EXPECT_EQ(PythonNormPath("//x/"), "//x");
  EXPECT_EQ(PythonNormPath("///x"), "/x");
}

TEST(PythonTextTest, HeaderValuesAsDjangoWritesThem) {
  EXPECT_EQ(DjangoHeaderValue("a.png"), "a.png");
  EXPECT_EQ(DjangoHeaderValue("caf\xc3\xa9.jpg"), "caf\xe9.jpg");  // Latin-1 bytes
  EXPECT_EQ(DjangoHeaderValue("\xe6\x97\xa5\xe6\x9c\xac.jpg"), "=?utf-8?b?5pel5pysLmpwZw==?=");
  EXPECT_EQ(DjangoHeaderValue("photo_0001_\xc4\x81.jpg"), "=?utf-8?b?cGhvdG9fMDAwMV/EgS5qcGc=?=");
  EXPECT_EQ(DjangoHeaderValue("abcdefghij\xc4\x81"), "=?utf-8?q?abcdefghij=C4=81?=");
  EXPECT_EQ(DjangoHeaderValue("x y\xc4\x81"), "=?utf-8?b?eCB5xIE=?=");
  EXPECT_FALSE(DjangoHeaderValue("a\nb").has_value());
  EXPECT_FALSE(DjangoHeaderValue("a\rb").has_value());
}

// A 500 as Django sends it: its error page, none of the TUS headers.
void ExpectDjango500(const HttpReply& r, const std::string& what) {
  EXPECT_EQ(r.status, 500) << what << ": " << r.body;
  EXPECT_FALSE(r.Has("tus-resumable")) << what;
  EXPECT_NE(r.body.find("Server Error (500)"), std::string::npos) << what << ": " << r.body;
}

TEST_F(CvatExactTest, UploadLengthIsReadWithPythonsInt) {
  int64_t task = CreateTask();
  for (const char* len : {"0", "-1", "abc", "1.5"}) {
    ExpectDjango500(CreateUpload(task, "a.png", 0, {std::string("Upload-Length: ") + len}), len);
  }
  // int() is lenient where a strict parser is not.
  HttpReply plus = CreateUpload(task, "b.png", 0, {"Upload-Length: +1_0"});
  ASSERT_EQ(plus.status, 201) << plus.body;
  EXPECT_EQ(Head(plus.Header("location")).Header("upload-length"), "10");
  // The name is checked before the length is used: a taken name is 409 even at length 0.
  UploadTus(task, "c.png", "ccc");
  EXPECT_EQ(CreateUpload(task, "c.png", 0).status, 409);
  // ...but the length is read first: "abc" is 500 even for a taken name.
  ExpectDjango500(CreateUpload(task, "c.png", 0, {"Upload-Length: abc"}), "abc, taken name");
  // Nothing was registered by the failed creations: a batch may still send a.png.
  EXPECT_EQ(Bulk(task, {{"a.png", "A"}}).status, 200);
}

TEST_F(CvatExactTest, UploadOffsetIsReadWithPythonsIntAndDefaultsToZero) {
  int64_t task = CreateTask();
  std::string loc = CreateUpload(task, "a.bin", 6).Header("location");
  ExpectDjango500(Patch(loc, 0, "123", {"Upload-Offset: abc"}), "offset abc");
  HttpReply negative = Patch(loc, 0, "123", {"Upload-Offset: -1"});
  EXPECT_EQ(negative.status, 409);
  EXPECT_EQ(negative.Header("tus-resumable"), "1.0.0");
  // No Upload-Offset at all: taken as 0.
  HttpReply none = Send({"PATCH", loc, Auth({"Content-Type: application/offset+octet-stream"}),
                         std::string("123")});
  EXPECT_EQ(none.status, 204) << none.body;
  EXPECT_EQ(none.Header("upload-offset"), "3");
  EXPECT_EQ(Head(loc).Header("upload-offset"), "3");
}

TEST_F(CvatExactTest, PatchTakesAnyContentType) {
  int64_t task = CreateTask();
  std::string loc = CreateUpload(task, "a.bin", 6).Header("location");
  HttpReply octet = Send({"PATCH", loc,
                          Auth({"Content-Type: application/octet-stream", "Upload-Offset: 0"}),
                          std::string("abc")});
  EXPECT_EQ(octet.status, 204) << octet.body;
  HttpReply none = Send({"PATCH", loc, Auth({"Content-Type:", "Upload-Offset: 3"}),
                         std::string("def")});
  EXPECT_EQ(none.status, 204) << none.body;
  EXPECT_EQ(ReadFile(RawFile(data_dir_, task, "a.bin")), "abcdef");
}

TEST_F(CvatExactTest, ChunkedPatchIsDechunkedAndMayNotPassTheEnd) {
  int64_t task = CreateTask();
  std::string loc = CreateUpload(task, "a.bin", 8).Header("location");
  HttpReply first = Send({"PATCH", loc, Auth({"Upload-Offset: 0"}), std::string("12345"), true});
  EXPECT_EQ(first.status, 204) << first.body;
  EXPECT_EQ(first.Header("upload-offset"), "5");
  // More than the upload has room for: 413 (CVAT knows the length), the offset stays.
  HttpReply over = Send({"PATCH", loc, Auth({"Upload-Offset: 5"}), std::string("6789"), true});
  EXPECT_EQ(over.status, 413);
  EXPECT_EQ(Head(loc).Header("upload-offset"), "5");
  HttpReply last = Send({"PATCH", loc, Auth({"Upload-Offset: 5"}), std::string("678"), true});
  EXPECT_EQ(last.status, 204) << last.body;
  EXPECT_EQ(ReadFile(RawFile(data_dir_, task, "a.bin")), "12345678");
}

TEST_F(CvatExactTest, PatchWithoutContentLengthIs400WithoutTusHeaders) {
  int64_t task = CreateTask();
  std::string loc = CreateUpload(task, "a.bin", 8).Header("location");
  HttpReply r = Patch(loc, 0, "12345", {"Content-Length:"});
  EXPECT_EQ(r.status, 400);
  EXPECT_FALSE(r.Has("tus-resumable"));
  EXPECT_NE(r.body.find("Content-Length header is missing"), std::string::npos) << r.body;
}

TEST_F(CvatExactTest, NamesAsCvatResolvesThem) {
  int64_t task = CreateTask();
  // "." is the upload directory itself: it exists.
  HttpReply dot = CreateUpload(task, ".", 5);
  EXPECT_EQ(dot.status, 409);
  EXPECT_EQ(dot.Header("tus-resumable"), "1.0.0");
  // Leaving the directory: 400, a plain reply without TUS headers.
  HttpReply out = CreateUpload(task, "../x.png", 5);
  EXPECT_EQ(out.status, 400);
  EXPECT_FALSE(out.Has("tus-resumable"));
  // A 255-byte name is a file name; 256 bytes fail stat() (ENAMETOOLONG).
  EXPECT_EQ(CreateUpload(task, std::string(251, 'n') + ".png", 5).status, 201);
  ExpectDjango500(CreateUpload(task, std::string(252, 'n') + ".png", 5), "256 bytes");
  ExpectDjango500(CreateUpload(task, std::string("a\0b.png", 7), 5), "NUL");
  // "./a.png" is a.png.
  UploadTus(task, "./a.png", "AAAAA");
  EXPECT_EQ(ReadFile(RawFile(data_dir_, task, "a.png")), "AAAAA");
  EXPECT_EQ(CreateUpload(task, "a.png", 5).status, 409);
}

TEST_F(CvatExactTest, ASubdirectoryNameIsCreatedThenFailsAtItsLastByte) {
  int64_t task = CreateTask();
  HttpReply created = CreateUpload(task, "sub/dir.jpg", 6);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.Header("upload-filename"), "sub/dir.jpg");
  std::string loc = created.Header("location");
  EXPECT_EQ(Patch(loc, 0, "abc").status, 204);
  ExpectDjango500(Patch(loc, 3, "def"), "completing PATCH");
  // The upload stays, at the offset its bytes reached.
  HttpReply head = Head(loc);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.Header("upload-offset"), "6");
  ExpectDjango500(Patch(loc, 6, ""), "empty PATCH at the end");
  // And after a restart too (the offset was journaled).
  StartServer();
  loc = Origin() + loc.substr(loc.find("/api/"));
  EXPECT_EQ(Head(loc).Header("upload-offset"), "6");
}

TEST_F(CvatExactTest, ResendingAStoredNameInABatchIs500BeforeAnyByte) {
  int64_t task = CreateTask();
  ASSERT_EQ(Bulk(task, {{"a.png", "AAAA"}}).status, 200);
  ExpectDjango500(Bulk(task, {{"b.png", "BB"}, {"a.png", "AAAA"}}), "resent name");
  EXPECT_EQ(ReadFile(RawFile(data_dir_, task, "a.png")), "AAAA");
  EXPECT_FALSE(std::filesystem::exists(RawFile(data_dir_, task, "b.png")));
  // A name registered by a TUS creation counts, finished or not.
  ASSERT_EQ(CreateUpload(task, "t.png", 5).status, 201);
  ExpectDjango500(Bulk(task, {{"t.png", "T"}}), "TUS name");
  // The same name twice in one batch.
  ExpectDjango500(Bulk(task, {{"c.png", "1"}, {"c.png", "2"}}), "twice in a batch");
  EXPECT_FALSE(std::filesystem::exists(RawFile(data_dir_, task, "c.png")));
  // b.png was not registered by the failed batch.
  EXPECT_EQ(Bulk(task, {{"b.png", "BB"}}).status, 200);
}

TEST_F(CvatExactTest, OptionsIsTheDataActionOfTheTask) {
  int64_t task = CreateTask();
  EXPECT_EQ(JsonField(Get("/api/tasks/" + std::to_string(task)).body, "data"), "null");
  EXPECT_EQ(Send({"OPTIONS", Url(DataPath(task))}).status, 401);
  EXPECT_EQ(Send({"OPTIONS", Url("/api/tasks/999/data/"), Auth()}).status, 404);
  HttpReply ok = Send({"OPTIONS", Url(DataPath(task)), Auth()});
  EXPECT_EQ(ok.status, 204);
  EXPECT_EQ(ok.Header("tus-max-size"), "26843545600");
  // OPTIONS made the task's Data row, as in CVAT.
  EXPECT_EQ(JsonField(Get("/api/tasks/" + std::to_string(task)).body, "data"),
            std::to_string(task));
  UploadTus(task, "a.png", TinyPng(3, 2));
  HttpReply fin = Finish(task, "{\"image_quality\":70}");
  ASSERT_EQ(fin.status, 202) << fin.body;
  ASSERT_EQ(JsonField(WaitRequest(JsonField(fin.body, "rq_id")).body, "status"), "finished");
  HttpReply after = Send({"OPTIONS", Url(DataPath(task)), Auth()});
  EXPECT_EQ(after.status, 400);
  EXPECT_EQ(after.body, "\"Adding more data is not supported\"");
  EXPECT_FALSE(after.Has("tus-resumable"));
}

TEST_F(CvatExactTest, UploadUrlRoutingAndMethods) {
  int64_t task = CreateTask();
  std::string loc = CreateUpload(task, "a.png", 5).Header("location");
  HttpReply del = Send({"DELETE", loc, Auth()});
  EXPECT_EQ(del.status, 405);
  EXPECT_FALSE(del.Has("tus-resumable"));
  EXPECT_EQ(Send({"DELETE", loc}).status, 401);  // authentication comes first
  // An id not of CVAT's form does not route: 404 before authentication, no TUS headers.
  std::string bad = Url(DataPath(task) + "1_not-an-id");
  HttpReply head = Send({"HEAD", bad});
  EXPECT_EQ(head.status, 404);
  EXPECT_FALSE(head.Has("tus-resumable"));
  EXPECT_EQ(Send({"PATCH", bad, Auth({"Upload-Offset: 0"}), std::string("x")}).status, 404);
  // A task that does not exist: the viewset's 404, no TUS headers.
  std::string other = Url("/api/tasks/999/data/" + loc.substr(loc.rfind('/') + 1));
  HttpReply missing = Head(other);
  EXPECT_EQ(missing.status, 404);
  EXPECT_FALSE(missing.Has("tus-resumable"));
  // A known task, an upload it does not have: TUS's own 404, with its headers.
  HttpReply gone = Head(Url(DataPath(task) + "1_00000000-0000-4000-8000-000000000000"));
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.Header("tus-resumable"), "1.0.0");
}

TEST_F(CvatExactTest, UploadFilenameIsWrittenAsDjangoWritesHeaders) {
  int64_t task = CreateTask();
  HttpReply cjk = CreateUpload(task, "\xe6\x97\xa5\xe6\x9c\xac.jpg", 5);
  ASSERT_EQ(cjk.status, 201);
  EXPECT_EQ(cjk.Header("upload-filename"), "=?utf-8?b?5pel5pysLmpwZw==?=");
  HttpReply latin = CreateUpload(task, "caf\xc3\xa9.jpg", 5);
  ASSERT_EQ(latin.status, 201);
  EXPECT_EQ(latin.Header("upload-filename"), "caf\xe9.jpg");
  ExpectDjango500(CreateUpload(task, "line\nbreak.jpg", 5), "LF in the name");
  ExpectDjango500(CreateUpload(task, "bad\xff.jpg", 5), "not UTF-8");
  // Metadata whose base64 lacks its padding raises in b64decode.
  ExpectDjango500(Send({"POST", Url(DataPath(task)),
                        Auth({"Upload-Length: 5", "Upload-Metadata: filename YS5wbmc",
                              "Origin: " + Origin()}),
                        std::string()}),
                  "unpadded base64");
}

TEST_F(CvatExactTest, BeforeTheRequestsApiTheTaskStatusTells) {
  StartServer([](server::ServerOptions& o) { o.cvat_version = "2.15.2"; });
  EXPECT_EQ(JsonField(Get("/api/server/about").body, "version"), "2.15.2");
  int64_t task = CreateTask();
  UploadTus(task, "a.png", TinyPng(3, 2));
  HttpReply fin = Finish(task, "{\"image_quality\":70}");
  EXPECT_EQ(fin.status, 202);
  EXPECT_EQ(fin.body, "");  // no rq_id before 2.16.0
  EXPECT_EQ(Get("/api/requests/" + PercentEncode("action=create&target=task&target_id=1")).status,
            404);
  EXPECT_EQ(JsonField(WaitTaskStatus(task).body, "state"), "Finished");
  EXPECT_EQ(JsonField(Get("/api/tasks/" + std::to_string(task)).body, "size"), "1");
}

TEST_F(CvatExactTest, BeforeUploadFileOrderAManifestWithPredefinedSortingFails) {
  StartServer([](server::ServerOptions& o) { o.cvat_version = "2.4.5"; });
  int64_t task = CreateTask();
  ASSERT_EQ(Bulk(task, {{"a.png", TinyPng(3, 2)}, {"manifest.jsonl", "{}\n"}}).status, 200);
  // upload_file_order is not a field yet: even a wrong one is no 400.
  HttpReply fin = Finish(task,
                         "{\"image_quality\":70,\"sorting_method\":\"predefined\","
                         "\"use_cache\":true,\"upload_file_order\":[\"zzz.png\"]}");
  ASSERT_EQ(fin.status, 202) << fin.body;
  HttpReply status = WaitTaskStatus(task);
  EXPECT_EQ(JsonField(status.body, "state"), "Failed");
  EXPECT_NE(JsonField(status.body, "message").find("manifest file and use random sorting"),
            std::string::npos)
      << status.body;
}

// The manifest and use_cache across CVAT's versions: which finish each accepts with a
// manifest among the files (images, no cloud storage).
struct ManifestCase {
  const char* version;
  const char* finish;
  const char* failure;  // a piece of the task's failure message, or nullptr: it is built
};

class ManifestVersionTest : public CvatExactTest,
                            public ::testing::WithParamInterface<ManifestCase> {};

TEST_P(ManifestVersionTest, AManifestNeedsWhatThatVersionNeeds) {
  const ManifestCase& c = GetParam();
  StartServer([&](server::ServerOptions& o) { o.cvat_version = c.version; });
  int64_t task = CreateTask();
  std::string manifest =
      "{\"version\":\"1.1\"}\n{\"type\":\"images\"}\n"
      "{\"name\":\"a\",\"extension\":\".png\",\"width\":3,\"height\":2,"
      "\"meta\":{\"related_images\":[]}}\n";
  ASSERT_EQ(Bulk(task, {{"a.png", TinyPng(3, 2)}, {"manifest.jsonl", manifest}}).status, 200);
  HttpReply fin = Finish(task, c.finish);
  ASSERT_EQ(fin.status, 202) << fin.body;
  HttpReply status = WaitTaskStatus(task);
  if (c.failure == nullptr) {
    EXPECT_EQ(JsonField(status.body, "state"), "Finished") << status.body;
  } else {
    EXPECT_EQ(JsonField(status.body, "state"), "Failed") << status.body;
    EXPECT_NE(JsonField(status.body, "message").find(c.failure), std::string::npos) << status.body;
  }
}

constexpr char kLexicographical[] = "{\"image_quality\":70,\"sorting_method\":\"lexicographical\"}";
constexpr char kLexicographicalCached[] =
    "{\"image_quality\":70,\"sorting_method\":\"lexicographical\",\"use_cache\":true}";
constexpr char kPredefined[] =
    "{\"image_quality\":70,\"sorting_method\":\"predefined\","
    "\"upload_file_order\":[\"a.png\",\"manifest.jsonl\"]}";
constexpr char kNeedsCacheOld[] = "can be uploaded if 'Use cache' option is also selected";
constexpr char kNeedsCacheOrPredefined[] =
    "can only be used with the 'use cache' option or when 'sorting_method' is 'predefined'";

INSTANTIATE_TEST_SUITE_P(Versions, ManifestVersionTest,
                         ::testing::Values(
                             // Before 2.4.6: use_cache, and neither predefined nor random sorting.
                             ManifestCase{"2.4.5", kLexicographical, kNeedsCacheOld},
                             ManifestCase{"2.4.5", kLexicographicalCached, nullptr},
                             ManifestCase{"2.4.5", kPredefined, kNeedsCacheOld},
                             // From 2.4.6: use_cache or predefined sorting.
                             ManifestCase{"2.4.6", kLexicographical, kNeedsCacheOrPredefined},
                             ManifestCase{"2.4.6", kLexicographicalCached, nullptr},
                             ManifestCase{"2.4.6", kPredefined, nullptr},
                             ManifestCase{"2.19.9", kLexicographical, kNeedsCacheOrPredefined},
                             // From 2.20.0 (engine/cvat_version.h): any sorting but random.
                             ManifestCase{"2.20.0", kLexicographical, nullptr},
                             ManifestCase{"2.20.0", kPredefined, nullptr}),
                         [](const ::testing::TestParamInfo<ManifestCase>& p) {
                           std::string name = std::string("cvat_") + p.param.version + "_" +
                                              std::to_string(p.index);
                           for (char& ch : name) ch = ch == '.' ? '_' : ch;
                           return name;
                         });

}  // namespace
}  // namespace ingest::testing
