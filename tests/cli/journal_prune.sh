# Journals do not outlive their upload: a finished upload's journal is deleted and one line
# goes to runs.log beside it; the same command again says the upload was done (and how to
# do it again); resume --prune deletes journals set aside, and with --older-than abandoned
# ones too. The receiver fails its second task build, so one journal stays unfinished.
. "$DATA/../cli/lib.sh"
start_serve srv --faults fail-build=2
mkdir c d
png 4 3 c/a.png
png 5 3 d/a.png
tidy() { sed "s|$PWD|WORK|g; s|$url|URL|g; s|/[0-9a-f]*\.journal|/KEY.journal|g; s| [0-9a-f]\{16\}: | KEY: |; s|[0-9-]*T[0-9:]*Z |TIME |"; }
up() {
  "$CVAT_INGEST" upload "$@" --server "$url" --token-file srv/token --create "p$1" \
    --labels '[{"name":"car"}]' --progress none
}
dir=state/cvat-ingest
echo "== a finished upload leaves a line, not a journal"
up c > /dev/null 2>&1
echo "exit $?"
ls $dir
tidy < $dir/runs.log
echo "== the same command again"
up c 2>&1 | tidy
echo "exit ${PIPESTATUS[0]}"
echo "== an unfinished upload keeps its journal"
up d > /dev/null 2>&1
echo "exit $?"
ls $dir | sed 's/^[0-9a-f]*\./KEY./' | LC_ALL=C sort
touch $dir/0123456789abcdef.journal.failed $dir/0123456789abcdef.journal.failed.manifest.jsonl
echo "== resume --prune: journals set aside"
"$CVAT_INGEST" resume --prune 2>&1 | tidy
ls $dir | sed 's/^[0-9a-f]*\./KEY./' | LC_ALL=C sort
echo "== resume --prune --older-than 7d: nothing that old"
"$CVAT_INGEST" resume --prune --older-than 7d 2>&1 | tidy
echo "== ten days later"
for f in $dir/*.journal*; do touch -d '10 days ago' "$f"; done
"$CVAT_INGEST" resume --prune --older-than 7d 2>&1 | tidy
ls $dir
"$CVAT_INGEST" resume --prune --older-than 7x
echo "exit $?"
