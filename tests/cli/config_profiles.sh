# Config profiles ($XDG_CONFIG_HOME/cvat-ingest/config.toml): the [default] profile applies when
# none is named, --config-profile NAME picks one, the command line wins over the profile, and
# CVAT_ACCESS_TOKEN over a profile's token file. Secrets, unknown keys, bad values and missing
# profiles are refused with the file and line. Errors on stdout with the work folder as WORK.
. "$DATA/../cli/lib.sh"
start_serve srv
mkdir corpus
png 4 3 corpus/a.png
cfg=$XDG_CONFIG_HOME/cvat-ingest/config.toml
mkdir -p "$(dirname "$cfg")"
show() { sed "s|$PWD|WORK|g"; }
# up [OPTIONS]: uploads corpus into a new task; prints the errors, the task made, the status.
up() {
  "$CVAT_INGEST" upload corpus --create t --labels '[{"name":"car"}]' --progress none \
    --no-journal "$@" 2>&1 >/dev/null | grep -E '^(cvat-ingest|created task)' | show
  echo "exit ${PIPESTATUS[0]}"
}
echo "== no config file"
up
echo "== [default] applies; token-file relative to the config folder"
cat > "$cfg" <<TOML
# a comment
[default]
server = "$url"
token-file = "../../srv/token"
org = "vision"
connections = 2

[closed]
server = "http://127.0.0.1:1"
token_file = "$PWD/srv/token"
TOML
up
echo "== the command line wins"
up --config-profile closed --server "$url"
up --token-file nowhere
echo "== a named profile"
up --config-profile closed | sed 's/ (Failed to connect.*//'
echo "== missing profile"
up --config-profile nope
echo "== CVAT_ACCESS_TOKEN wins over the profile's token file"
printf '[default]\nserver = "%s"\ntoken-file = "missing-token"\n' "$url" > "$cfg"
CVAT_ACCESS_TOKEN=$(cat srv/token) up
up
echo "== secrets are refused"
printf '[default]\nserver = "%s"\ntoken = "abc"\n' "$url" > "$cfg"
up
printf '[default]\n\n[work]\npassword = "abc"\n' > "$cfg"
up
printf '[default]\nproxy = "http://me:pw@proxy:3128"\n' > "$cfg"
up
echo "== unknown keys, bad values, syntax"
printf '[default]\nsever = "%s"\n' "$url" > "$cfg"
up
printf '[default]\nconnections = 0\n' > "$cfg"
up
printf '[default]\ninsecure = "yes"\n' > "$cfg"
up
printf 'server = "%s"\n' "$url" > "$cfg"
up
printf '[default]\nserver = "%s\n' "$url" > "$cfg"
up
echo "== bench reads [default] only with --server on its command line"
"$CVAT_INGEST" bench --profile huge 2>&1 | head -1 | show
"$CVAT_INGEST" bench --profile huge --server "$url" 2>&1 | head -1 | show
"$CVAT_INGEST" bench --profile huge --config-profile default 2>&1 | head -1 | show
echo "== --help and commands without server options ignore the file"
"$CVAT_INGEST" upload --help | head -1
"$CVAT_INGEST" scan corpus > /dev/null; echo "scan exit $?"
echo "== no file, named profile"
rm "$cfg"
up --config-profile work
echo "== resume RUN: a profile's values do not override the recorded command line"
mkdir -p runs/a runs/b
png 4 3 runs/a/1.png
png 5 3 runs/b/1.png
"$CVAT_INGEST" upload runs --server "$url" --token-file srv/token --create '{name}' \
  --labels '[{"name":"car"}]' --task-per folder --progress none 2>/dev/null
echo "run exit $?"
printf '[default]\ntoken-file = "missing-token"\norg = "other"\n' > "$cfg"
run=$("$CVAT_INGEST" resume --list | grep '\.run$')
"$CVAT_INGEST" resume "$run" --progress none 2>&1 | grep -E '^cvat-ingest' | show
echo "resume exit ${PIPESTATUS[0]}"
