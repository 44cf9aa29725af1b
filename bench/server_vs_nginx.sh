#!/bin/bash
# Receiver vs nginx-light (`return 204`) on loopback, in one run (issue 3's figures):
#  - creation + one 100 KiB PATCH per upload with bench/server_driver at 1, 4, 16 and 64
#    keep-alive connections, receiver and nginx alternating, median of RUNS runs each;
#  - one large PATCH with the curl command line, alternating, median of RUNS runs.
#
#   bench/server_vs_nginx.sh [BUILD_DIR=build/release] [RUNS=5] [UPLOADS=4000] [BIG_MIB=1024]
#   RECEIVER=/path/to/cvat-ingest bench/server_vs_nginx.sh ...   # another receiver binary
#
# Needs nginx (Debian's nginx-light) and curl. Prints one line per measurement and a table.
set -euo pipefail
B=${1:-build/release}
RUNS=${2:-5}
UPLOADS=${3:-4000}
BIG_MIB=${4:-1024}
RECEIVER=${RECEIVER:-$B/cli/cvat-ingest}
DRIVER=$B/bench/server_driver
W=$(mktemp -d /tmp/server-bench.XXXXXX)
NGX_PORT=${NGX_PORT:-18080}

mkdir -p "$W/ngx/logs" "$W/ngx/tmp"
cat > "$W/ngx/nginx.conf" <<CONF
worker_processes 1;
pid $W/ngx/nginx.pid;
error_log $W/ngx/logs/error.log;
events { worker_connections 1024; }
http {
  access_log off; client_max_body_size 0; keepalive_requests 1000000;
  client_body_temp_path $W/ngx/tmp;
  server { listen 127.0.0.1:$NGX_PORT backlog=1024; location / { return 204; } }
}
CONF
nginx -c "$W/ngx/nginx.conf" -p "$W/ngx"
"$RECEIVER" serve --data "$W/data" --discard --port-file "$W/port" > "$W/serve.log" 2>&1 &
SERVE_PID=$!
cleanup() {
  kill "$SERVE_PID" 2>/dev/null || true
  nginx -c "$W/ngx/nginx.conf" -p "$W/ngx" -s stop 2>/dev/null || true
  rm -rf "$W"
}
trap cleanup EXIT
for _ in $(seq 100); do [ -s "$W/port" ] && break; sleep 0.05; done
PORT=$(cat "$W/port")
TOKEN_FILE="$W/data/token"
# curl takes the header from a file: the token never appears in argv.
HDR="$W/auth.hdr"
(umask 077; printf 'Authorization: Token %s\n' "$(cat "$TOKEN_FILE")" > "$HDR")
URL=http://127.0.0.1:$PORT

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
rate() { sed -n 's/.*uploads\/s=\([0-9.]*\).*/\1/p'; }

echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A RECV NGX
for c in 1 4 16 64; do
  : > "$W/r$c"; : > "$W/n$c"
  for _ in $(seq "$RUNS"); do
    r=$("$DRIVER" --url "$URL" --token-file "$TOKEN_FILE" --connections "$c" --uploads "$UPLOADS" | rate)
    n=$("$DRIVER" --url "http://127.0.0.1:$NGX_PORT" --connections "$c" --uploads "$UPLOADS" --task 1 | rate)
    echo "connections=$c receiver=$r nginx=$n"
    echo "$r" >> "$W/r$c"; echo "$n" >> "$W/n$c"
  done
  RECV[$c]=$(median < "$W/r$c"); NGX[$c]=$(median < "$W/n$c")
done

head -c $((BIG_MIB << 20)) /dev/zero > "$W/big.bin"
LEN=$((BIG_MIB << 20))
: > "$W/rbig"; : > "$W/nbig"
for i in $(seq "$RUNS"); do
  LOC=$(curl -s -D - -o /dev/null -X POST "$URL/api/tasks/1/data/" -H @"$HDR" \
        -H "Origin: $URL" -H "Upload-Length: $LEN" \
        -H "Upload-Metadata: filename $(echo -n "big$i.bin" | base64)" |
        tr -d '\r' | grep -i '^Location' | cut -d' ' -f2)
  r=$(curl -s -o /dev/null -w '%{speed_upload}' -H @"$HDR" \
        -H 'Content-Type: application/offset+octet-stream' -H 'Expect:' -H 'Upload-Offset: 0' \
        -X PATCH -T "$W/big.bin" "$LOC")
  n=$(curl -s -o /dev/null -w '%{speed_upload}' \
        -H 'Content-Type: application/offset+octet-stream' -H 'Expect:' -H 'Upload-Offset: 0' \
        -X PATCH -T "$W/big.bin" "http://127.0.0.1:$NGX_PORT/x")
  echo "big PATCH ${BIG_MIB} MiB: receiver=$((${r%.*} / 1000000)) MB/s nginx=$((${n%.*} / 1000000)) MB/s"
  echo "${r%.*}" >> "$W/rbig"; echo "${n%.*}" >> "$W/nbig"
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"

echo
echo "| connections | receiver uploads/s | nginx uploads/s | ratio |"
echo "|---|---|---|---|"
for c in 1 4 16 64; do
  awk -v c="$c" -v r="${RECV[$c]}" -v n="${NGX[$c]}" \
    'BEGIN { printf "| %s | %.0f | %.0f | %.2f |\n", c, r, n, r / n }'
done
rb=$(median < "$W/rbig"); nb=$(median < "$W/nbig")
awk -v r="$rb" -v n="$nb" -v m="$BIG_MIB" \
  'BEGIN { printf "\nlarge PATCH (%d MiB): receiver %.0f MB/s, nginx %.0f MB/s, ratio %.2f\n", m, r / 1e6, n / 1e6, r / n }'
