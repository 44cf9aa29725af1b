#!/usr/bin/env bash
# The main job on a sample corpus: installs what is needed, builds (release), generates a small
# corpus of real images (with nested folders and a related_images folder) plus an archive, then
# scans it and writes its CVAT manifest.
#   scripts/demo.sh [--no-install]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" != "--no-install" ]; then scripts/install-deps.sh; fi
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target cvat-ingest make_corpus
bin=build/release/cli/cvat-ingest
corpus=build/demo/corpus
rm -rf build/demo && mkdir -p build/demo
build/release/bench/make_corpus "$corpus" --images 300 --archive build/demo/corpus.zip

echo "== cvat-ingest scan $corpus build/demo/corpus.zip"
"$bin" scan "$corpus" build/demo/corpus.zip
echo
echo "== cvat-ingest manifest $corpus -o build/demo/manifest.jsonl --sorting-method natural"
"$bin" manifest "$corpus" -o build/demo/manifest.jsonl --sorting-method natural
head -n 5 build/demo/manifest.jsonl
echo "..."
echo
echo "== cvat-ingest manifest --check build/demo/manifest.jsonl $corpus --sorting-method natural"
"$bin" manifest --check build/demo/manifest.jsonl "$corpus" --sorting-method natural
