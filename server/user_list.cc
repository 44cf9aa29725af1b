#include "server/user_list.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <string_view>

#include "manifest/jsonl_encoder.h"
#include "server/wire_text.h"

namespace ingest::server {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// DRF's search_smart_split, without its quoted phrases: terms at spaces and commas.
std::vector<std::string> SearchTerms(std::string_view text) {
  std::vector<std::string> terms;
  std::string term;
  for (char c : text) {
    if (c == ' ' || c == ',' || c == '\t' || c == '\n') {
      if (!term.empty()) terms.push_back(Lower(term));
      term.clear();
    } else {
      term += c;
    }
  }
  if (!term.empty()) terms.push_back(Lower(term));
  return terms;
}

bool MatchesSearch(const User& u, const std::vector<std::string>& terms) {
  const std::string fields[] = {Lower(u.name), Lower(u.first_name), Lower(u.last_name)};
  for (const std::string& term : terms) {
    bool found = false;
    for (const std::string& f : fields) found = found || f.find(term) != std::string::npos;
    if (!found) return false;
  }
  return true;
}

std::string Param(const std::multimap<std::string, std::string>& params, const std::string& key) {
  auto it = params.find(key);
  return it == params.end() ? std::string() : it->second;
}

std::string PageLink(const std::string& base, uint64_t page, uint64_t page_size,
                     const std::multimap<std::string, std::string>& params) {
  std::string link = base + "/api/users?page=" + std::to_string(page) +
                     "&page_size=" + std::to_string(page_size);
  for (const auto& [key, value] : params) {
    if (key == "page" || key == "page_size") continue;
    link += "&" + key + "=";
    for (unsigned char c : value) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
        link += static_cast<char>(c);
      } else {
        char hex[4];
        std::snprintf(hex, sizeof(hex), "%%%02X", c);
        link += hex;
      }
    }
  }
  std::string quoted;
  manifest::AppendJsonString(link, &quoted);
  return quoted;
}

}  // namespace

UserListReply ListUsers(const std::vector<const User*>& users,
                        const std::multimap<std::string, std::string>& params,
                        const std::string& base) {
  std::vector<const User*> shown = users;
  const std::vector<std::string> terms = SearchTerms(Param(params, "search"));
  std::erase_if(shown, [&](const User* u) {
    if (!MatchesSearch(*u, terms)) return true;
    if (params.count("username") && u->name != Param(params, "username")) return true;
    if (params.count("first_name") && u->first_name != Param(params, "first_name")) return true;
    if (params.count("last_name") && u->last_name != Param(params, "last_name")) return true;
    if (params.count("id") && std::to_string(u->id) != Param(params, "id")) return true;
    return false;
  });
  std::sort(shown.begin(), shown.end(), [](const User* a, const User* b) { return a->id > b->id; });
  uint64_t page = params.count("page") ? ParseDecimal(Param(params, "page")).value_or(0) : 1;
  uint64_t page_size = ParseDecimal(Param(params, "page_size")).value_or(10);
  if (page_size == 0) page_size = 10;
  page_size = std::min<uint64_t>(page_size, 1000);
  const uint64_t first = page ? (page - 1) * page_size : 0;
  if (page == 0 || (page > 1 && first >= shown.size())) {
    return {404, DetailJson("Invalid page.")};
  }
  std::string out = "{";
  AppendIntField("count", static_cast<int64_t>(shown.size()), &out);
  const bool has_next = first + page_size < shown.size();
  AppendRawField("next", has_next ? PageLink(base, page + 1, page_size, params) : "null", &out);
  AppendRawField("previous", page > 1 ? PageLink(base, page - 1, page_size, params) : "null",
                 &out);
  AppendKey("results", &out);
  out += "[";
  for (uint64_t i = first; i < shown.size() && i < first + page_size; ++i) {
    const User& u = *shown[i];
    if (i != first) out += ",";
    out += "{";
    AppendStringField("url", base + "/api/users/" + std::to_string(u.id), &out);
    AppendIntField("id", u.id, &out);
    AppendStringField("username", u.name, &out);
    AppendStringField("first_name", u.first_name, &out);
    AppendStringField("last_name", u.last_name, &out);
    out += "}";
  }
  out += "]}";
  return {200, out};
}

}  // namespace ingest::server
