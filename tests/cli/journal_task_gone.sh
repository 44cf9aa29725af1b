# A journal whose task was deleted on the server: rerunning the command says so in plain
# words and offers --fresh, which retires the old journal and starts a new task. (The first
# build fails, so the upload is unfinished and its journal stays.)
. "$DATA/../cli/lib.sh"
start_serve srv --faults fail-build=1
mkdir c
png 4 3 c/a.png
up() {
  "$CVAT_INGEST" upload c --server "$url" --token-file srv/token --create gone \
    --labels '[{"name":"car"}]' --progress none --retries 0 "$@"
}
up > /dev/null 2>&1
echo "exit $?"
python3 - "$url" srv/token <<'PY'
import sys, urllib.request
url, token = sys.argv[1], open(sys.argv[2]).read().strip()
req = urllib.request.Request(url + "/api/tasks/1", method="DELETE",
                             headers={"Authorization": "Token " + token})
print("deleted", urllib.request.urlopen(req).status)
PY
up > /dev/null 2> err
echo "exit $?"
sed "s|$PWD|WORK|g; s|$url|URL|g; s|/[0-9a-f]*\.journal|/KEY.journal|g" err | grep -v '^plan:\|^resuming'
up --fresh
echo "exit $?"
ls state/cvat-ingest | sed 's/^[0-9a-f]*\./KEY./; s/retired-[0-9]*/retired-TIME/' | LC_ALL=C sort
