# A dry run checks what the real run would need from the server: the credentials
# (GET /api/users/self) and the task it would use; a wrong token fails clearly (exit 1),
# for one task and for a run of many, and nothing is created.
. "$DATA/../cli/lib.sh"
start_serve srv
mkdir -p c/cam1
png 4 3 c/cam1/a.png
echo wrong-token > bad.token
up() {
  "$CVAT_INGEST" upload c --server "$url" --labels '[{"name":"car"}]' --progress none \
    --dry-run "$@" 2> err > /dev/null
  echo "exit $?"
  sed "s|$url|URL|g; s|$PWD|WORK|g" err | grep -v '^plan:\|^  '
}
echo "== a wrong token"
up --token-file bad.token --create t
echo "== a wrong token, a run of many tasks"
up --token-file bad.token --create '{name}' --task-per folder
echo "== a task that does not exist"
up --token-file srv/token --task 7
echo "== the right token"
up --token-file srv/token --create t
ls srv/tasks 2>/dev/null | wc -l
