# deploy/slurm/ingest.sbatch, the real file, on a real single-node Slurm cluster (Debian's
# munge, slurmctld, slurmd; issue 17): a private munged (its own key and socket), slurmctld and
# slurmd with a slurm.conf written here (loopback addresses, free ports, every state, spool,
# pid and log path in this scratch folder), one `cvat-ingest serve --build-delay`.
# 1. `sbatch --array=0-3 --wait` of a 12-task plan: `status` exit 0 (every task done once),
#    the stored files equal the corpus.
# 2. A new plan; array element 2 cancelled (`scancel JOB_2`) while it runs (one task at a time,
#    its first task made): `status` exit 3 with only element 2's tasks not done;
#    `sbatch --array=2 --wait` again: `status` exit 0, no task twice, the same bytes.
# Skips (exit 77, the reason on stderr) where Slurm cannot run: not root, a package missing,
# or a daemon that does not start. Everything started here is stopped by its pid at exit.
# Run in a network namespace of its own where `unshare --net` works: the daemons listen on
# every address (Slurm 22.05 cannot bind one), and there that is loopback alone. Every wait
# is bounded (at most about 4 minutes in all, under the ctest TIMEOUT); it takes about 25 s.

# phase WHAT: the time so far, on stderr (shown when the test fails).
phase() { echo "slurm_cluster: ${SECONDS}s: $*" >&2; }
skip() {
  echo "cli.slurm_cluster skipped: $*" >&2
  exit 77
}
[ "$(id -u)" = 0 ] || skip "slurmd must run as root to start jobs (running as uid $(id -u))"
if [ -z "${INGEST_SLURM_NETNS:-}" ] && unshare --net true 2>/dev/null; then
  INGEST_SLURM_NETNS=1 exec unshare --net -- bash "$0"
fi
if [ -n "${INGEST_SLURM_NETNS:-}" ]; then  # a new namespace's loopback starts down: up it
  python3 -c '
import fcntl, socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
flags = struct.unpack("16sH", fcntl.ioctl(s, 0x8913, struct.pack("16sH", b"lo", 0)))[1]
fcntl.ioctl(s, 0x8914, struct.pack("16sH", b"lo", flags | 1))' ||
    { echo "cannot bring up the loopback of the test's network namespace" >&2; exit 1; }
else
  echo "no network namespace (unshare --net failed): slurmctld and slurmd listen on every address" >&2
fi
export PATH=$PATH:/usr/sbin:/sbin
for tool in munged munge unmunge slurmctld slurmd sbatch squeue scancel sinfo; do
  command -v $tool > /dev/null ||
    skip "$tool is not installed (scripts/install-deps.sh installs slurm-wlm and munge)"
done
. "$DATA/../cli/lib.sh"
# Debian's python3 (scripts/install-deps.sh) when there: a version manager's shim costs
# a second a call here, and this test calls python in its polling loops.
if [ -x /usr/bin/python3 ]; then python3() { /usr/bin/python3 "$@"; }; fi
sbatch_file=$(cd "$DATA/../../deploy/slurm" && pwd)/ingest.sbatch
work=$PWD
s=$work/slurm
host=$(hostname -s)
jobs=()  # every job submitted, cancelled at exit if still there

# stop_pids FILE...: SIGTERM to the pid in each FILE, SIGKILL to those still there after 5 s.
stop_pids() {
  local pids=() f pid
  for f in "$@"; do
    pid=$(cat "$f" 2>/dev/null) && [ -n "$pid" ] && kill "$pid" 2>/dev/null && pids+=("$pid")
  done
  [ ${#pids[@]} -gt 0 ] || return 0
  wait_until 5 none_alive "${pids[@]}" || kill -9 "${pids[@]}" 2>/dev/null
}
none_alive() {
  local pid
  for pid in "$@"; do kill -0 "$pid" 2>/dev/null && return 1; done
  return 0
}
# wait_until SECONDS COMMAND...: COMMAND every 0.2 s until it succeeds; 1 after SECONDS.
wait_until() {
  local end=$((SECONDS + $1))
  shift
  until "$@"; do
    [ $SECONDS -ge $end ] && return 1
    sleep 0.2
  done
}
# Every Slurm client call is bounded: with no controller they retry for long.
active_jobs() { timeout 10 squeue -h -t PD,R,CG,CF,S -o %i 2>/dev/null; }
no_active_jobs() { [ -z "$(active_jobs)" ]; }
node_idle() { [ "$(timeout 5 sinfo -h -n "$host" -o %T 2>/dev/null)" = idle ]; }
cleanup() {
  if [ ${#jobs[@]} -gt 0 ] && ! no_active_jobs; then
    timeout 10 scancel "${jobs[@]}" 2>/dev/null
    wait_until 10 no_active_jobs
  fi
  phase "stopping"
  stop_pids "$s/slurmd.pid" "$s/slurmctld.pid" "$s/munged.pid"
  [ -n "${serve_pid:-}" ] && { kill "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null; }
  phase "stopped"
  # The daemons' and the jobs' logs, for a failure's report (run_cli_test shows stderr then).
  for f in "$s"/log/* "$work"/cvat-ingest-*.log; do [ -f "$f" ] && sed "s|^|$(basename "$f"): |" "$f" >&2; done
}
trap cleanup EXIT
# daemon_failed NAME LOG: the daemon could not run here: skip, with its log's end.
daemon_failed() {
  echo "$1 did not start; the end of $2:" >&2
  tail -n 15 "$2" >&2
  skip "$1 cannot run on this machine"
}

# munged: its own key, socket, pid, log and seed (never the system's /run/munge). It wants
# every directory above its socket searchable by all.
chmod 711 "$work"
mkdir -p "$s/munge" "$s/state" "$s/spool" "$s/log" "$work/node-tmp"
chmod 755 "$s" "$s/munge"
head -c 1024 /dev/urandom > "$s/munge.key"
chmod 600 "$s/munge.key"
sock=$s/munge/munge.socket
munged --socket="$sock" --key-file="$s/munge.key" --pid-file="$s/munged.pid" \
  --log-file="$s/log/munged.log" --seed-file="$s/munged.seed" 2> "$s/log/munged.err" ||
  { cat "$s/log/munged.err" >> "$s/log/munged.log"; daemon_failed munged "$s/log/munged.log"; }
munge -S "$sock" -n | unmunge -S "$sock" > /dev/null 2>&1 ||
  daemon_failed "munged (munge -n | unmunge)" "$s/log/munged.log"

read -r ctld_port slurmd_port < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(2)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in ss))')
# CPUs and RealMemory as configured (config_overrides), so that the four elements, each of
# --cpus-per-task=2 --mem=2G (the sbatch's own), run at once on a 2-core machine.
# MinJobAge=4 makes `sbatch --wait` poll every 2 s (it polls less often when it is larger).
# EnableIPv6: Slurm then resolves its addresses as AF_UNSPEC; AF_INET with AI_ADDRCONFIG fails
# in a namespace that has only a loopback ("Unable to resolve 127.0.0.1").
cat > "$s/slurm.conf" <<EOF
ClusterName=ingesttest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=$(id -un)
SlurmdUser=$(id -un)
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sock
StateSaveLocation=$s/state
SlurmdSpoolDir=$s/spool
SlurmctldPidFile=$s/slurmctld.pid
SlurmdPidFile=$s/slurmd.pid
SlurmctldLogFile=$s/log/slurmctld.log
SlurmdLogFile=$s/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmdParameters=config_overrides
SchedulerParameters=batch_sched_delay=0
MpiDefault=none
ReturnToService=2
CommunicationParameters=EnableIPv4,EnableIPv6
MinJobAge=4
KillWait=2
NodeName=$host NodeAddr=127.0.0.1 CPUs=8 RealMemory=8192 State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
# 22.05 has no CgroupPlugin=disabled; IgnoreSystemd lets slurmd start without systemd.
cat > "$s/cgroup.conf" <<EOF
CgroupPlugin=autodetect
IgnoreSystemd=yes
ConstrainCores=no
ConstrainRAMSpace=no
EOF
export SLURM_CONF=$s/slurm.conf
slurmctld -f "$SLURM_CONF" 2>> "$s/log/slurmctld.log" ||
  daemon_failed slurmctld "$s/log/slurmctld.log"
slurmd -f "$SLURM_CONF" -N "$host" 2>> "$s/log/slurmd.log" ||
  daemon_failed slurmd "$s/log/slurmd.log"
wait_until 20 node_idle || daemon_failed "slurmd (the node not idle after 20 s: \
$(timeout 5 sinfo -h -o %T 2>&1))" "$s/log/slurmd.log"
echo "cluster: node idle"
phase "cluster up"

# The receiver: each task's build takes 1 s, eight at once.
start_serve srv --build-delay 1 --build-workers 8
trap cleanup EXIT  # start_serve set its own
install -m 600 srv/token token
# 12 folders of 2 PNGs, made by one interpreter (lib.sh's png would start 24).
python3 - <<'PY'
import os, struct, zlib
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
for d in range(1, 13):
    os.makedirs("corpus/d%02d" % d)
    for i in (1, 2):
        w, h = d + 3, i + 4
        raw = b"".join(b"\x00" + bytes((x * d + y * i) % 256 for x in range(3 * w)) for y in range(h))
        open("corpus/d%02d/f%d.png" % (d, i), "wb").write(b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
PY
# submit ARGS... PLAN: the sbatch with its variables (README) from the environment: Slurm's
# default --export=ALL. (`--export=ALL,PLAN=...` as in the README works the same, but makes
# slurmd load the user's login environment (su -) first, seconds per element here.) The
# element's journal on the "node's local disk" (TMPDIR), never this test's XDG_STATE_HOME.
submit() {
  env -u XDG_STATE_HOME TMPDIR="$work/node-tmp" TOKEN_FILE="$work/token" PLAN="$work/${*: -1}" \
    CVAT_SERVER="$url" timeout 60 sbatch "${@:1:$#-1}" "$sbatch_file"
}
status() { "$CVAT_INGEST" status --plan "$1" --server "$url" --token-file token "${@:2}"; }
# shard_lines JOB: each element's "shard K/N of PLAN: X of Y tasks", without the path.
shard_lines() {
  cat cvat-ingest-"$1"_*.log | sed -n 's/^\(shard [0-9/]*\) of [^:]*: /  \1: /p' | sort
}
# check PLAN PREFIX: tasks on the server named PREFIX..., none twice, bytes equal the corpus.
check() {
  python3 - "$url" token "$2" <<'PY'
import collections, json, os, sys, urllib.request
url, token, prefix = sys.argv[1], open(sys.argv[2]).read().strip(), sys.argv[3]
req = urllib.request.Request(url + "/api/tasks?page_size=1000", headers={"Authorization": "Token " + token})
tasks = [t for t in json.load(urllib.request.urlopen(req))["results"] if t["name"].startswith(prefix)]
twice = sorted(n for n, c in collections.Counter(t["name"] for t in tasks).items() if c > 1)
same = total = 0
for t in tasks:
    src = "corpus/" + t["name"][len(prefix):]
    for f in sorted(os.listdir(src)):
        total += 1
        stored = "srv/tasks/%d/raw/%s" % (t["id"], f)
        same += os.path.exists(stored) and open(stored, "rb").read() == open(os.path.join(src, f), "rb").read()
print("  tasks on the server:", len(tasks), "names made twice:", twice,
      "stored files equal to the corpus:", same, "of", total)
PY
}

phase "receiver and corpus ready"
echo "== sbatch --array=0-3 --wait"
"$CVAT_INGEST" plan corpus --create 'one {name}' --labels '[{"name":"car"}]' --task-per folder \
  -o one.plan 2>/dev/null
echo "plan: exit $?"
out=$(submit --array=0-3 --wait one.plan)
echo "sbatch: exit $?"
job=${out##* }
jobs+=("$job")
shard_lines "$job"
status one.plan | tail -1
echo "status: exit ${PIPESTATUS[0]}"
check one.plan "one "

phase "first run checked"
echo "== element 2 cancelled while it runs, then resubmitted"
"$CVAT_INGEST" plan corpus --create 'two {name}' --labels '[{"name":"car"}]' --task-per folder \
  -o two.plan 2>/dev/null
echo "plan: exit $?"
# Element 2's tasks (shard 3/4), as the dry run of that shard lists them.
mapfile -t mine < <("$CVAT_INGEST" upload --plan two.plan --shard 3/4 --dry-run --server "$url" \
  --token-file token 2>/dev/null | awk -F '\t' '$1 ~ /^[0-9]+$/ { print $2 }')
echo "element 2 has ${#mine[@]} tasks"
job=$(INGEST_ARGS="--parallel-tasks 1" submit --parsable --array=0-3 two.plan)
echo "sbatch: exit $?"
job=${job%%;*}
jobs+=("$job")
# made: how many of element 2's tasks exist on the server.
made() {
  status two.plan --json | python3 -c '
import json, sys
mine = set(sys.argv[1:])
print(sum(1 for t in json.load(sys.stdin)["tasks"] if t["name"] in mine and t["task_ids"]))' "${mine[@]}"
}
first_made() { n=$(made); [ "${n:-0}" -gt 0 ]; }
element2_state() { timeout 10 squeue -h -j "${job}_2" -t all -o %T 2>&1; }
wait_until 20 first_made
state=$(element2_state)
timeout 10 scancel "${job}_2"
echo "element 2 when cancelled: $state, tasks of it made: $([ "${n:-0}" -ge 1 ] && echo "some" || echo "none")"
element2_cancelled() { state=$(element2_state); [ "$state" = CANCELLED ]; }
wait_until 20 element2_cancelled
echo "element 2 then: $state"
wait_until 40 no_active_jobs
echo "elements left running: $(active_jobs | wc -l)"
phase "the other elements ended"
status two.plan --json > after_cancel.json
echo "status: exit $?"
python3 - after_cancel.json "${mine[@]}" <<'PY'
import json, sys
d, mine = json.load(open(sys.argv[1])), set(sys.argv[2:])
left = {t["name"] for t in d["tasks"] if t["state"] != "done"}
print("  not done:", "none" if not left else "only element 2's" if left <= mine else sorted(left - mine))
PY
out=$(SHARDS=4 submit --array=2 --wait two.plan)  # alone, still shard 3 of 4
echo "sbatch --array=2 --wait: exit $?"
job=${out##* }
jobs+=("$job")
shard_lines "$job"
status two.plan | tail -1
echo "status: exit ${PIPESTATUS[0]}"
check two.plan "two "
phase "second run checked"
