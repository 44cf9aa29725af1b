// Users and access tokens of the receiver.
//
// The receiver knows a few users, each with one token (40 hex characters, like a DRF token).
// A request is authenticated by `Authorization: Token <key>` or `Authorization: Bearer <key>`
// (CVAT's classic token and its personal access token); anything else is 401. A user with a
// password can also log in (`POST /api/auth/login`) and gets its token back as `{"key"}`.
// Secrets never appear in a Status message.
#ifndef INGEST_SERVER_AUTH_H_
#define INGEST_SERVER_AUTH_H_

#include <string>
#include <string_view>
#include <vector>

#include "engine/result.h"

namespace ingest::server {

struct User {
  int id = 1;
  std::string name = "admin";
  std::string password;  // empty: login refused for this user
  std::string token;     // empty: one is generated at start
  std::string first_name, last_name;  // shown by GET /api/users
};

class Authenticator {
 public:
  explicit Authenticator(std::vector<User> users) : users_(std::move(users)) {}

  // The user whose token the Authorization header carries, or nullptr.
  const User* Check(std::string_view authorization) const;
  // The user with that name and password, or nullptr (compared in constant time).
  const User* Login(std::string_view username, std::string_view password) const;
  const std::vector<User>& users() const { return users_; }

 private:
  std::vector<User> users_;
};

// Returns the token held in `path` (first line, surrounding whitespace removed) when the file
// exists and holds one; otherwise generates a token and writes it to `path` with mode 0600
// (through `path`.tmp, created anew: a file or symlink already there is removed, never
// followed). An existing file must be a regular file owned by this user with no group or
// other permission bits; else kInvalidArgument saying what is wrong and how to fix it.
Result<std::string> LoadOrCreateToken(const std::string& path);

// True when a and b are equal; the time taken depends only on their lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace ingest::server

#endif  // INGEST_SERVER_AUTH_H_
