// GET /api/users as CVAT answers it (UserViewSet in cvat/apps/engine/views.py): the users a
// request may see, filtered by `search` (DRF's SearchFilter: the text split into terms at
// spaces and commas, every term found case-insensitively in the username, first name or last
// name), by the exact `username`, `first_name`, `last_name` and `id` filters, ordered by
// descending id, and paginated (`page`, `page_size`, default 10) as {count, next, previous,
// results}. Each result has the fields of CVAT's BasicUserSerializer (url, id, username,
// first_name, last_name), what CVAT shows a user who is not staff.
#ifndef INGEST_SERVER_USER_LIST_H_
#define INGEST_SERVER_USER_LIST_H_

#include <map>
#include <string>
#include <vector>

#include "server/auth.h"

namespace ingest::server {

struct UserListReply {
  int status = 200;
  std::string body;
};

// The reply to GET /api/users with the query parameters `params`, over `users`; `base` is
// "http://HOST" for the url, next and previous links. A page past the end is 404
// {"detail":"Invalid page."}, as DRF's PageNumberPagination answers.
UserListReply ListUsers(const std::vector<const User*>& users,
                        const std::multimap<std::string, std::string>& params,
                        const std::string& base);

}  // namespace ingest::server

#endif  // INGEST_SERVER_USER_LIST_H_
