#!/usr/bin/env bash
# Builds and runs every test: scripts/test.sh [PRESET]   (PRESET: debug (default), asan, tsan)
# Needs the packages from scripts/install-deps.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-debug}
jobs=$(nproc)

# Module boundaries (DESIGN.md): engine <- manifest <- upload <- cli; server never uses upload.
bad=$(grep -rlE '#include *[<"](manifest|upload|server|cli)/|curl/curl\.h' engine || true)
bad+=$(grep -rlE '#include *[<"](upload|server|cli)/|curl/curl\.h' manifest || true)
bad+=$(grep -rlE '#include *[<"](upload|cli)/' server || true)
if [ -n "$bad" ]; then
  echo "module boundary broken in: $bad" >&2
  exit 1
fi

cmake --preset "$preset"
cmake --build --preset "$preset" -j "$jobs"
ctest --preset "$preset" -j "$jobs"
