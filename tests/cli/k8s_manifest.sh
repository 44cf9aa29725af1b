# deploy/kubernetes/ingest-job.yaml checked offline. `kubectl create --dry-run=client` is not
# available (kubectl is not in Debian 12), so this checks what the API server's validation of
# a batch/v1 Indexed Job would refuse, and what our command inside it needs: the manifest
# parses as YAML; completionMode Indexed with completions, parallelism, backoffLimitPerIndex
# (which needs Indexed) and maxFailedIndexes (which needs backoffLimitPerIndex and at most
# completions); restartPolicy Never or OnFailure; every volumeMount names a volume; every
# $(VAR) in the command is an env entry; the token comes from a Secret, never a literal;
# --shards equals completions. Then the container's command itself is run with this build
# (paths swapped for test ones) as one pod of the Job: JOB_COMPLETION_INDEX=0 of 4.
. "$DATA/../cli/lib.sh"
yaml="$DATA/../../deploy/kubernetes/ingest-job.yaml"
/usr/bin/python3 - "$yaml" > command.txt <<'PY'
import re, sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
problems = []
def need(cond, what):
    if not cond: problems.append(what)
need(doc.get("apiVersion") == "batch/v1" and doc.get("kind") == "Job", "not a batch/v1 Job")
name = doc.get("metadata", {}).get("name", "")
need(re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", name) and len(name) <= 63, "metadata.name is not a DNS-1123 label")
spec = doc.get("spec", {})
need(spec.get("completionMode") == "Indexed", "completionMode is not Indexed")
completions = spec.get("completions")
need(isinstance(completions, int) and completions >= 1, "completions is not a positive integer")
need(isinstance(spec.get("parallelism"), int) and spec["parallelism"] >= 1, "parallelism is not a positive integer")
if "backoffLimitPerIndex" in spec:
    need(isinstance(spec["backoffLimitPerIndex"], int) and spec["backoffLimitPerIndex"] >= 0, "backoffLimitPerIndex is not a non-negative integer")
else:
    problems.append("no backoffLimitPerIndex")
if "maxFailedIndexes" in spec:
    need("backoffLimitPerIndex" in spec, "maxFailedIndexes without backoffLimitPerIndex")
    need(0 <= spec["maxFailedIndexes"] <= (completions or 0), "maxFailedIndexes over completions")
pod = spec.get("template", {}).get("spec", {})
need(pod.get("restartPolicy") in ("Never", "OnFailure"), "a Job's restartPolicy must be Never or OnFailure")
volumes = {v["name"] for v in pod.get("volumes", [])}
containers = pod.get("containers", [])
need(len(containers) == 1, "expected one container")
c = containers[0] if containers else {}
for m in c.get("volumeMounts", []):
    need(m.get("name") in volumes, "volumeMount %r names no volume" % m.get("name"))
env = {e["name"]: e for e in c.get("env", [])}
command = c.get("command", [])
for var in re.findall(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", " ".join(command)):
    need(var in env, "the command uses $(%s), which is not in env" % var)
token = env.get("CVAT_ACCESS_TOKEN", {})
need("secretKeyRef" in token.get("valueFrom", {}) and "value" not in token, "the token is not taken from a Secret")
need(not any(re.search(r"token", a, re.I) for a in command), "the command line carries a token option")
shards = command[command.index("--shards") + 1] if "--shards" in command else None
need(shards == str(completions), "--shards %s is not completions %s" % (shards, completions))
need(command[command.index("--shard") + 1] == "auto" if "--shard" in command else False, "no --shard auto")
for p in problems: print("problem:", p, file=sys.stderr)
print("manifest problems:", len(problems), file=sys.stderr)
print("\n".join(command))
sys.exit(1 if problems else 0)
PY
echo "manifest check: exit $?"
# The container's command, run here as pod 0 of the Job.
start_serve srv
mkdir -p corpus/a corpus/b
png 4 3 corpus/a/f.png
png 5 3 corpus/b/f.png
"$CVAT_INGEST" plan corpus --create 'k8s {name}' --labels '[{"name":"car"}]' --task-per folder \
  -o run.plan 2>/dev/null
mapfile -t cmd < command.txt
args=()
for a in "${cmd[@]:1}"; do
  case $a in
    /plan/run.plan) args+=("$PWD/run.plan") ;;
    '$(CVAT_SERVER)') args+=("$url") ;;
    *) args+=("$a") ;;
  esac
done
CVAT_ACCESS_TOKEN=$(head -n 1 srv/token) JOB_COMPLETION_INDEX=0 XDG_STATE_HOME="$PWD/state" \
  "$CVAT_INGEST" "${args[@]}" > pod0.out 2> pod0.err
echo "pod 0 of the Job: exit $?"
grep -o '^shard [0-9/]*' pod0.out pod0.err | head -1 | sed 's/^[^:]*://'
