#!/usr/bin/env bash
# Runs one golden CLI test (zstd style): tests/cli/NAME.sh is run in a fresh temporary
# directory with $CVAT_INGEST pointing at the binary and $DATA at tests/data; its stdout must
# equal NAME.stdout.exact, its stderr must match the glob patterns in NAME.stderr.glob (one
# per line, each must match some line), and its exit status must equal NAME.exit. Exit 77
# without a NAME.exit is a skip: its stderr (the reason) is shown and 77 returned.
#   run_cli_test.sh BINARY TESTS_CLI_DIR NAME
set -u
bin=$1 dir=$2 name=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/cvat-ingest-cli-XXXXXX")
trap 'rm -rf "$work" "$work.bin"' EXIT
# The system's python3 (Debian's, with its packages) ahead of a version manager's shim: a
# pyenv shim costs about 1.4 s a call, and these tests call python3 hundreds of times.
if [ -x /usr/bin/python3 ]; then
  mkdir -p "$work.bin" && ln -s /usr/bin/python3 "$work.bin/python3" && export PATH="$work.bin:$PATH"
fi
export CVAT_INGEST=$bin DATA="$dir/../data" LC_ALL=C.UTF-8 XDG_STATE_HOME="$work/state" \
  XDG_CONFIG_HOME="$work/config"
(cd "$work" && bash "$dir/$name.sh") >"$work.out" 2>"$work.err"
status=$?
# 77: the test cannot run on this machine (ctest's SKIP_RETURN_CODE where it is registered so).
if [ "$status" = 77 ] && [ ! -f "$dir/$name.exit" ]; then
  cat "$work.err"; rm -f "$work.out" "$work.err"; exit 77
fi
fail=0
if [ -f "$dir/$name.stdout.exact" ] && ! diff -u "$dir/$name.stdout.exact" "$work.out"; then
  echo "FAIL $name: stdout differs (above)"; fail=1
fi
if [ -f "$dir/$name.stderr.glob" ]; then
  while IFS= read -r pattern; do
    [ -z "$pattern" ] && continue
    matched=0
    while IFS= read -r line; do
      # shellcheck disable=SC2053
      if [[ "$line" == $pattern ]]; then matched=1; break; fi
    done <"$work.err"
    if [ $matched -eq 0 ]; then
      echo "FAIL $name: no stderr line matches: $pattern"; fail=1
    fi
  done <"$dir/$name.stderr.glob"
fi
want=$(cat "$dir/$name.exit" 2>/dev/null || echo 0)
if [ "$status" != "$want" ]; then
  echo "FAIL $name: exit status $status, expected $want"; fail=1
fi
if [ $fail -ne 0 ]; then
  echo "--- stderr:"; cat "$work.err"
fi
rm -f "$work.out" "$work.err"
exit $fail
