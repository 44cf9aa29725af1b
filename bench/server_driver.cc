// server_driver: a small libcurl-multi load driver for the receiver (not the project's
// upload/ code). Each upload is a TUS creation (POST .../data/ with Upload-Length) followed by
// one PATCH of the whole body, over N keep-alive connections; it prints uploads/s.
//
//   server_driver --url http://127.0.0.1:PORT --token-file FILE [--connections 16]
//                 [--uploads 4000] [--size 102400] [--task ID]
//
// Against a sink that answers every request 204 without a Location (nginx `return 204`), the
// PATCH goes to the creation URL + "x", so both servers see the same request mix.
#include <curl/curl.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

struct Conn {
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  std::string location;
  std::string response;
  bool patching = false;
};

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* c = static_cast<Conn*>(user);
  size_t len = size * n;
  if (len > 10 && strncasecmp(data, "Location:", 9) == 0) {
    std::string v(data + 9, len - 9);
    while (!v.empty() && (v.front() == ' ')) v.erase(0, 1);
    while (!v.empty() && (v.back() == '\r' || v.back() == '\n')) v.pop_back();
    c->location = v;
  }
  return len;
}

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  static_cast<Conn*>(user)->response.append(data, size * n);
  return size * n;
}

std::string Base64(const std::string& s) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < s.size(); i += 3) {
    unsigned v = (unsigned(static_cast<unsigned char>(s[i])) << 16) |
                 (unsigned(static_cast<unsigned char>(s[i + 1])) << 8) |
                 static_cast<unsigned char>(s[i + 2]);
    for (int sh = 18; sh >= 0; sh -= 6) out.push_back(k[(v >> sh) & 63]);
  }
  if (i < s.size()) {
    unsigned v = unsigned(static_cast<unsigned char>(s[i])) << 16;
    if (i + 1 < s.size()) v |= unsigned(static_cast<unsigned char>(s[i + 1])) << 8;
    out.push_back(k[(v >> 18) & 63]);
    out.push_back(k[(v >> 12) & 63]);
    out.push_back(i + 1 < s.size() ? k[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string url, token;
  long connections = 16, uploads = 4000, size = 100 * 1024, task = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--url") url = argv[i + 1];
    else if (a == "--token-file") {
      // The key is read from a file: secrets never go through argv.
      FILE* f = std::fopen(argv[i + 1], "r");
      char buf[256] = {0};
      if (f && std::fgets(buf, sizeof(buf), f)) token = buf;
      if (f) std::fclose(f);
      while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
    }
    else if (a == "--connections") connections = std::atol(argv[i + 1]);
    else if (a == "--uploads") uploads = std::atol(argv[i + 1]);
    else if (a == "--size") size = std::atol(argv[i + 1]);
    else if (a == "--task") task = std::atol(argv[i + 1]);
  }
  if (url.empty() || connections < 1 || uploads < 1) {
    std::fprintf(stderr, "usage: server_driver --url URL [--token-file FILE] [--connections N] "
                         "[--uploads N] [--size BYTES] [--task ID]\n");
    return 2;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  std::string auth = "Authorization: Token " + token;
  if (task == 0) {  // create one task to upload into (a sink just answers 204)
    CURL* h = curl_easy_init();
    Conn c;
    curl_slist* hs = curl_slist_append(nullptr, auth.c_str());
    hs = curl_slist_append(hs, "Content-Type: application/json");
    std::string tasks_url = url + "/api/tasks";
    curl_easy_setopt(h, CURLOPT_URL, tasks_url.c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hs);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, "{\"name\":\"bench\",\"labels\":[{\"name\":\"a\"}]}");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &c);
    curl_easy_perform(h);
    size_t id = c.response.find("\"id\":");
    task = id == std::string::npos ? 1 : std::atol(c.response.c_str() + id + 5);
    curl_slist_free_all(hs);
    curl_easy_cleanup(h);
  }
  std::string create_url = url + "/api/tasks/" + std::to_string(task) + "/data/";
  std::string origin = "Origin: " + url;
  std::string body(static_cast<size_t>(size), 'x');

  CURLM* multi = curl_multi_init();
  curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, connections);
  curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, connections);
  std::vector<Conn> conns(static_cast<size_t>(connections));
  long started = 0, done = 0, failed = 0;
  auto start_create = [&](Conn& c) {
    std::string name = "f" + std::to_string(started++) + ".bin";
    curl_slist_free_all(c.headers);
    c.headers = curl_slist_append(nullptr, auth.c_str());
    c.headers = curl_slist_append(c.headers, origin.c_str());
    c.headers = curl_slist_append(c.headers, "Expect:");
    c.headers = curl_slist_append(c.headers, "Tus-Resumable: 1.0.0");
    c.headers = curl_slist_append(c.headers, ("Upload-Length: " + std::to_string(size)).c_str());
    c.headers = curl_slist_append(c.headers, ("Upload-Metadata: filename " + Base64(name)).c_str());
    c.location.clear();
    c.response.clear();
    c.patching = false;
    curl_easy_setopt(c.easy, CURLOPT_URL, create_url.c_str());
    curl_easy_setopt(c.easy, CURLOPT_CUSTOMREQUEST, nullptr);
    curl_easy_setopt(c.easy, CURLOPT_POSTFIELDS, "");
    curl_easy_setopt(c.easy, CURLOPT_POSTFIELDSIZE, 0L);
    curl_easy_setopt(c.easy, CURLOPT_HTTPHEADER, c.headers);
    curl_multi_add_handle(multi, c.easy);
  };
  auto start_patch = [&](Conn& c) {
    std::string target = c.location.empty() ? create_url + "x" : c.location;
    curl_slist_free_all(c.headers);
    c.headers = curl_slist_append(nullptr, auth.c_str());
    c.headers = curl_slist_append(c.headers, "Expect:");
    c.headers = curl_slist_append(c.headers, "Tus-Resumable: 1.0.0");
    c.headers = curl_slist_append(c.headers, "Upload-Offset: 0");
    c.headers = curl_slist_append(c.headers, "Content-Type: application/offset+octet-stream");
    c.patching = true;
    c.response.clear();
    curl_easy_setopt(c.easy, CURLOPT_URL, target.c_str());
    curl_easy_setopt(c.easy, CURLOPT_CUSTOMREQUEST, "PATCH");
    curl_easy_setopt(c.easy, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(c.easy, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    curl_easy_setopt(c.easy, CURLOPT_HTTPHEADER, c.headers);
    curl_multi_add_handle(multi, c.easy);
  };
  for (Conn& c : conns) {
    c.easy = curl_easy_init();
    curl_easy_setopt(c.easy, CURLOPT_PRIVATE, &c);
    curl_easy_setopt(c.easy, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(c.easy, CURLOPT_HEADERDATA, &c);
    curl_easy_setopt(c.easy, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(c.easy, CURLOPT_WRITEDATA, &c);
    curl_easy_setopt(c.easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c.easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
    if (started < uploads) start_create(c);
  }
  auto t0 = std::chrono::steady_clock::now();
  int running = 1;
  while (done + failed < uploads) {
    curl_multi_perform(multi, &running);
    int left = 0;
    while (CURLMsg* m = curl_multi_info_read(multi, &left)) {
      if (m->msg != CURLMSG_DONE) continue;
      Conn* c = nullptr;
      curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &c);
      long status = 0;
      curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &status);
      CURLcode rc = m->data.result;
      curl_multi_remove_handle(multi, m->easy_handle);
      bool ok = rc == CURLE_OK && (c->patching ? status == 204 : (status == 201 || status == 204));
      if (!ok) {
        if (failed++ < 5) std::fprintf(stderr, "failed: curl %d status %ld\n", rc, status);
        if (started < uploads) start_create(*c);
      } else if (!c->patching) {
        start_patch(*c);
      } else {
        ++done;
        if (started < uploads) start_create(*c);
      }
    }
    if (done + failed < uploads) curl_multi_poll(multi, nullptr, 0, 100, nullptr);
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("connections=%ld uploads=%ld failed=%ld size=%ld seconds=%.3f uploads/s=%.0f\n",
              connections, done, failed, size, secs, static_cast<double>(done) / secs);
  for (Conn& c : conns) {
    curl_slist_free_all(c.headers);
    curl_easy_cleanup(c.easy);
  }
  curl_multi_cleanup(multi);
  curl_global_cleanup();
  return failed == 0 ? 0 : 1;
}
