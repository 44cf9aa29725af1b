# Shared helpers for the end-to-end bench scripts (sourced after `cd` to the repository root,
# with $bin set to the cvat-ingest binary), in the spirit of tests/cli/lib.sh's start_serve.
#
# bench_workdir NAME: makes $work, a fresh temp dir, and an EXIT trap that stops the receiver
#   this script started (by its PID) and removes $work.
# start_serve [SERVE_ARGS...]: starts `$bin serve --data $work/srv` (emptied first) in the
#   background on a port the OS picks (log in $work/serve.log); sets $serve_pid and, once it
#   listens, $url. The token is in $work/srv/token.
# stop_serve: stops the receiver start_serve started and waits for it.
# now: the time in seconds, with nanoseconds.

bench_workdir() {
  work=$(mktemp -d "${TMPDIR:-/tmp}/cvat-ingest-$1-XXXXXX")
  serve_pid=
  trap 'stop_serve; rm -rf "$work"' EXIT
}

start_serve() {
  rm -rf "$work/srv" "$work/port"
  "$bin" serve --data "$work/srv" --port 0 --port-file "$work/port" "$@" \
    >"$work/serve.log" 2>&1 &
  serve_pid=$!
  for _ in $(seq 200); do [ -s "$work/port" ] && break; sleep 0.05; done
  [ -s "$work/port" ] || { echo "the receiver did not start:" >&2; cat "$work/serve.log" >&2; return 1; }
  url="http://127.0.0.1:$(cat "$work/port")"
}

stop_serve() {
  if [ -n "${serve_pid:-}" ]; then
    kill "$serve_pid" 2>/dev/null || true
    wait "$serve_pid" 2>/dev/null || true
  fi
  serve_pid=
}

now() { date +%s.%N; }
