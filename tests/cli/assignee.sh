# --assignee USER: resolved to a user id through /api/users?search= (exact username) before
# anything is created; the receiver's /api/users answers as CVAT's (search, pages, 404).
. "$DATA/../cli/lib.sh"
start_serve srv --list-user alice:Alice:Smith --list-user alicia --list-user bob:Bob:Alison
mkdir corpus
for i in 1 2; do png 4 3 corpus/f$i.png; done
common=(--server "$url" --token-file srv/token --labels '[{"name":"car"}]' --progress none)
api() { curl -s -w ' %{http_code}\n' -H "Authorization: Token $(cat srv/token)" "$url$1"; }
echo "== /api/users as CVAT answers it"
api '/api/users?search=ali' | python3 -c '
import json, sys
body, code = sys.stdin.read().rsplit(" ", 1)
d = json.loads(body)
print(code.strip(), d["count"], d["next"], d["previous"],
      [(u["id"], u["username"], u["first_name"], u["last_name"]) for u in d["results"]])'
api '/api/users?search=ali%20smith' | python3 -c '
import json, sys; d = json.loads(sys.stdin.read().rsplit(" ", 1)[0])
print("two terms:", [u["username"] for u in d["results"]])'
api '/api/users?page_size=2' | python3 -c '
import json, sys; d = json.loads(sys.stdin.read().rsplit(" ", 1)[0])
print("page 1 of", d["count"], [u["id"] for u in d["results"]], d["next"].split("/api")[1])'
api '/api/users?page=9'
echo "== dry run: the id it would send"
"$CVAT_INGEST" upload corpus "${common[@]}" --create a --assignee alice --dry-run 2>&1 >/dev/null |
  grep assignee
echo "== a task assigned to bob"
"$CVAT_INGEST" upload corpus "${common[@]}" --create b --assignee bob >/dev/null 2>&1
echo "exit $?"
python3 -c 'import json; print("assignee_id", json.load(open("srv/tasks/1/task.json"))["assignee_id"])'
api /api/tasks/1 | python3 -c '
import json, sys; print("task assignee", json.loads(sys.stdin.read().rsplit(" ", 1)[0])["assignee"])'
echo "== refused before anything is created"
for who in ali nobody Alice; do
  "$CVAT_INGEST" upload corpus "${common[@]}" --create x --assignee "$who" 2>&1 >/dev/null |
    sed "s|$url|URL|; s/^/  /"
  echo "exit ${PIPESTATUS[0]}: --assignee $who"
done
"$CVAT_INGEST" upload corpus "${common[@]}" --task 1 --assignee bob 2>&1 >/dev/null | sed 's/^/  /'
echo "exit ${PIPESTATUS[0]}: --task 1 --assignee bob"
echo "tasks on the server: $(ls srv/tasks | wc -l)"
