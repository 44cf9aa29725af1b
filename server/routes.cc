// The receiver's route table: each URL pattern and method CVAT's API serves, and what
// answers it (the handlers live beside their subjects: tasks in task_endpoint.cc, uploads in
// tus_endpoint.cc and data_endpoint.cc, ...). Patterns and refusals follow Django's URL
// resolver and DRF's method checks as CVAT runs them.
#include "server/cvat_server.h"

#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <regex>

#include "manifest/jsonl_encoder.h"
#include "server/server_impl.h"
#include "server/source_listing.h"
#include "server/task_fields.h"
#include "server/user_list.h"
#include "server/wire_text.h"

namespace ingest::server {
namespace {

std::optional<int64_t> MatchId(const httplib::Request& req, size_t i = 1) {
  std::optional<uint64_t> v = ParseDecimal(req.matches[static_cast<int>(i)].str());
  if (!v || *v > (1ULL << 53)) return std::nullopt;
  return static_cast<int64_t>(*v);
}

// The bucket folder of the cloud storage the route names (`serve --cloud-storage ID=DIR`);
// else nullptr, answered 404 as CVAT answers a storage it does not have.
const std::string* FindBucket(const ServerOptions& opts, Call& c) {
  std::optional<int64_t> id = MatchId(c.req);
  auto bucket = id ? opts.cloud_dirs.find(*id) : opts.cloud_dirs.end();
  if (bucket == opts.cloud_dirs.end()) {
    SendJson(c, 404, "\"Storage " + c.req.matches[1].str() + " does not exist\"");
    return nullptr;
  }
  return &bucket->second;
}

// DRF's reply to a method the route does not serve.
void MethodNotAllowed(Call& call) {
  SendJson(call, 405, DetailJson("Method \"" + call.req.method + "\" not allowed."));
}

// True when the last segment of an upload URL is an upload id of CVAT's form; else Django's
// URL resolver answers 404 (no TUS headers), before any authentication.
bool IsUploadRoute(const httplib::Request& req) {
  int owner = 0;
  return IsValidUploadId(req.matches[2].str(), &owner);
}

void RouteNotFound(Call& call) { SendJson(call, 404, DetailJson("Not found.")); }

}  // namespace

// Every request's common path: injected faults, authentication, then `fn`, then the
// rest of the body drained.
template <class Fn>
void CvatServer::Impl::Serve(const httplib::Request& req, httplib::Response& res,
                             const httplib::ContentReader* reader, bool need_auth, Fn&& fn) {
  Call call{req, res, reader};
  call.number = request_counter_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (opts_.on_request) opts_.on_request(req.method + " " + req.target);
  if (!faults_->empty()) {
    if (uint64_t ms = faults_->DrawStallMs()) {
      LogFault(call, "stall");
      InterruptibleSleep(ms);
    }
    uint64_t over = faults_->proxy_413_over();
    if (over > 0 && reader != nullptr) {
      std::optional<uint64_t> len = ParseDecimal(req.get_header_value("Content-Length"));
      if (req.has_header("Transfer-Encoding") || (len && *len > over)) {
        LogFault(call, "proxy-413");
        res.status = 413;
        res.set_content(
            "<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n"
            "<center><h1>413 Request Entity Too Large</h1></center>\r\n"
            "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
            "text/html");
        FinishBody(call);
        return;
      }
    }
    int code = 0;
    if (need_auth && faults_->DrawStatus(&code)) {
      LogFault(call, "status=" + std::to_string(code));
      SendJson(call, code, DetailJson("injected fault"));
      FinishBody(call);
      return;
    }
  }
  if (need_auth) {
    call.user = auth_.Check(req.get_header_value("Authorization"));
    if (call.user == nullptr) {
      SendJson(call, 401,
               DetailJson(req.has_header("Authorization") ? "Invalid token."
                                                          : "Authentication credentials were "
                                                            "not provided."));
      res.set_header("WWW-Authenticate", "Token");
      FinishBody(call);
      return;
    }
  }
  fn(call);
  FinishBody(call);
  if (call.reset) {
    ResetConnection();
    return;
  }
  if (need_auth && !faults_->empty() && faults_->DrawGateway504()) {
    LogFault(call, "gateway-504");
    res.headers.clear();
    res.status = 504;
    res.set_content(
        "<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n"
        "<center><h1>504 Gateway Time-out</h1></center>\r\n<hr><center>nginx</center>\r\n"
        "</body>\r\n</html>\r\n",
        "text/html");
  }
}

std::function<void(Call&)> CvatServer::Impl::TaskRoute(void (Impl::*method)(Call&, int64_t)) {
  return [this, method](Call& c) {
    std::optional<int64_t> id = MatchId(c.req);
    if (!id) return SendJson(c, 404, DetailJson("Not found."));
    (this->*method)(c, *id);
  };
}

std::function<void(Call&)> CvatServer::Impl::UploadRoute(
    bool route, bool head_only, void (Impl::*method)(Call&, int64_t, const std::string&)) {
  return [this, route, head_only, method](Call& c) {
    if (!route) return RouteNotFound(c);
    if (head_only && c.req.method != "HEAD") return MethodNotAllowed(c);
    std::optional<int64_t> id = MatchId(c.req);
    if (!id) return RouteNotFound(c);
    (this->*method)(c, *id, c.req.matches[2].str());
  };
}

void CvatServer::Impl::InstallRoutes() {
  using httplib::ContentReader;
  using httplib::Request;
  using httplib::Response;
  auto& h = http_;
  h.Get("/api/server/about", [this](const Request& req, Response& res) {
    Serve(req, res, nullptr, false, [this](Call& c) {
      std::string out = "{";
      AppendStringField("name", "Computer Vision Annotation Tool", &out);
      AppendStringField("description", "cvat-ingest local receiver", &out);
      AppendStringField("version", opts_.cvat_version, &out);
      SendJson(c, 200, out + "}");
    });
  });
  h.Get("/api/users/self/?", [this](const Request& req, Response& res) {
    Serve(req, res, nullptr, true, [](Call& c) {
      std::string out = "{";
      AppendIntField("id", c.user->id, &out);
      AppendStringField("username", c.user->name, &out);
      out += "}";
      SendJson(c, 200, out);
    });
  });
  h.Get("/api/users/?", [this](const Request& req, Response& res) {
    Serve(req, res, nullptr, true, [this](Call& c) {
      std::vector<const User*> users;
      for (const User& u : auth_.users()) users.push_back(&u);
      for (const User& u : opts_.listed_users) users.push_back(&u);
      UserListReply r =
          ListUsers(users, c.req.params, "http://" + c.req.get_header_value("Host"));
      SendJson(c, r.status, std::move(r.body));
    });
  });
  // The receiver keeps no projects: it takes any project_id on task creation, so every
  // project id exists here.
  h.Get("/api/projects/(\\d+)/?", [this](const Request& req, Response& res) {
    Serve(req, res, nullptr, true, [](Call& c) {
      std::optional<int64_t> id = MatchId(c.req);
      if (!id) return SendJson(c, 404, DetailJson("Not found."));
      std::string out = "{";
      AppendIntField("id", *id, &out);
      out += "}";
      SendJson(c, 200, out);
    });
  });
  h.Post("/api/auth/login/?",
         [this](const Request& req, Response& res, const ContentReader& reader) {
           Serve(req, res, &reader, false, [this](Call& c) { HandleLogin(c); });
         });
  h.Post("/api/tasks/?", [this](const Request& req, Response& res, const ContentReader& reader) {
    Serve(req, res, &reader, true, [this](Call& c) { HandleCreateTask(c); });
  });
  h.Get("/api/tasks/?", [this](const Request& req, Response& res) {
    Serve(req, res, nullptr, true, [this](Call& c) { HandleListTasks(c); });
  });
  h.Get("/api/tasks/(\\d+)/?", [this](const Request& req, Response& res) {
    Serve(req, res, nullptr, true, TaskRoute(&Impl::HandleGetTask));
  });
  h.Delete("/api/tasks/(\\d+)/?",
           [this](const Request& req, Response& res, const ContentReader& reader) {
             Serve(req, res, &reader, true, TaskRoute(&Impl::HandleDeleteTask));
           });
  h.Get("/api/tasks/(\\d+)/status/?", [this](const Request& req, Response& res) {
    Serve(req, res, nullptr, true, TaskRoute(&Impl::HandleTaskStatus));
  });
  h.Get("/api/tasks/(\\d+)/data/meta/?", [this](const Request& req, Response& res) {
    Serve(req, res, nullptr, true, TaskRoute(&Impl::HandleDataMeta));
  });
  h.Post("/api/tasks/(\\d+)/data/?",
         [this](const Request& req, Response& res, const ContentReader& reader) {
           Serve(req, res, &reader, true, TaskRoute(&Impl::HandleDataPost));
         });
  h.Options("/api/tasks/(\\d+)/data/?", [this](const Request& req, Response& res) {
    Serve(req, res, nullptr, true, TaskRoute(&Impl::HandleDataOptions));
  });
  h.Delete("/api/tasks/(\\d+)/data/?",
           [this](const Request& req, Response& res, const ContentReader& reader) {
             Serve(req, res, &reader, true, [](Call& c) { MethodNotAllowed(c); });
           });
  // An upload's URL: CVAT routes only ids of its form ("<user id>_<uuid>"), before any
  // authentication; the route serves HEAD and PATCH, other methods are 405.
  // cpp-httplib routes HEAD to the Get handlers.
  static const char kUpload[] = "/api/tasks/(\\d+)/data/([^/]+)";
  h.Get(kUpload, [this](const Request& req, Response& res) {
    const bool route = IsUploadRoute(req);
    Serve(req, res, nullptr, route, UploadRoute(route, true, &Impl::HandleTusHead));
  });
  h.Patch(kUpload, [this](const Request& req, Response& res, const ContentReader& reader) {
    const bool route = IsUploadRoute(req);
    Serve(req, res, &reader, route, UploadRoute(route, false, &Impl::HandleTusPatch));
  });
  auto not_allowed = [this](const Request& req, Response& res, const ContentReader& reader) {
    const bool route = IsUploadRoute(req);
    Serve(req, res, &reader, route, [route](Call& c) {
      if (!route) return RouteNotFound(c);
      MethodNotAllowed(c);
    });
  };
  h.Delete(kUpload, not_allowed);
  h.Put(kUpload, not_allowed);
  h.Post(kUpload, not_allowed);
  h.Get("/api/server/share/?", [this](const Request& req, Response& res) {
    Serve(req, res, nullptr, true, [this](Call& c) {
      ListingReply r = ListShareDirectory(opts_.share_dir, c.req.get_param_value("directory"));
      SendJson(c, r.status, std::move(r.json));
    });
  });
  // CVAT deprecated .../content in 2.5 (content-v2 came with it) and removed it in 2.6.
  h.Get("/api/cloudstorages/(\\d+)/content/?", [this](const Request& req, Response& res) {
    Serve(req, res, nullptr, true, [this](Call& c) {
      if (version_ >= kCvatNoBucketContentV1) return SendJson(c, 404, DetailJson("Not found."));
      const std::string* bucket = FindBucket(opts_, c);
      if (!bucket) return;
      std::string manifest = c.req.get_param_value("manifest_path");
      ListingReply r = ListBucketManifest(*bucket, manifest.empty() ? "manifest.jsonl" : manifest);
      SendJson(c, r.status, std::move(r.json));
    });
  });
  h.Get("/api/cloudstorages/(\\d+)/content-v2/?", [this](const Request& req, Response& res) {
    Serve(req, res, nullptr, true, [this](Call& c) {
      if (version_ < kCvatBucketContentV2) return SendJson(c, 404, DetailJson("Not found."));
      const std::string* bucket = FindBucket(opts_, c);
      if (!bucket) return;
      ContentQuery q;
      q.manifest_path = c.req.get_param_value("manifest_path");
      q.prefix = c.req.get_param_value("prefix");
      q.next_token = c.req.get_param_value("next_token");
      if (c.req.has_param("page_size")) q.page_size = c.req.get_param_value("page_size");
      ListingReply r = ListBucketContent(*bucket, q);
      SendJson(c, r.status, std::move(r.json));
    });
  });
  h.Get("/api/server/annotation/formats/?", [this](const Request& req, Response& res) {
    Serve(req, res, nullptr, true,
          [](Call& c) { SendJson(c, 200, AnnotationFormatsJson()); });
  });
  h.Post("/api/tasks/(\\d+)/annotations/?",
         [this](const Request& req, Response& res, const ContentReader& reader) {
           Serve(req, res, &reader, true, TaskRoute(&Impl::HandleAnnotationsPost));
         });
  h.Put("/api/tasks/(\\d+)/annotations/?",
        [this](const Request& req, Response& res, const ContentReader& reader) {
          Serve(req, res, &reader, true, TaskRoute(&Impl::HandleAnnotationsPut));
        });
  static const char kAnnotationUpload[] = "/api/tasks/(\\d+)/annotations/([^/]+)";
  h.Get(kAnnotationUpload, [this](const Request& req, Response& res) {
    const bool route = IsUploadRoute(req);
    Serve(req, res, nullptr, route, UploadRoute(route, true, &Impl::HandleAnnotationsTus));
  });
  h.Patch(kAnnotationUpload,
          [this](const Request& req, Response& res, const ContentReader& reader) {
            const bool route = IsUploadRoute(req);
            Serve(req, res, &reader, route,
                  UploadRoute(route, false, &Impl::HandleAnnotationsTus));
          });
  h.Get("/api/requests/?", [this](const Request& req, Response& res) {
    Serve(req, res, nullptr, true, [this](Call& c) { HandleRequestList(c); });
  });
  h.Post("/api/requests/(.+)/cancel/?",
         [this](const Request& req, Response& res, const ContentReader& reader) {
           Serve(req, res, &reader, true, [this](Call& c) {
             if (version_ < kCvatRequestsApi) return SendJson(c, 404, DetailJson("Not found."));
             HandleCancelRequest(c, c.req.matches[1].str());
           });
         });
  h.Get("/api/requests/(.+)", [this](const Request& req, Response& res) {
    Serve(req, res, nullptr, true, [this](Call& c) {
      if (version_ < kCvatRequestsApi) return SendJson(c, 404, DetailJson("Not found."));
      HandleGetRequest(c, c.req.matches[1].str());
    });
  });
  h.set_error_handler([](const Request&, Response& res) {
    if (res.body.empty() && res.status == 404) {
      res.set_content(DetailJson("Not found."), "application/json");
    }
  });
}

}  // namespace ingest::server
