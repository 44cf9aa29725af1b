# Usage errors of cvat-ingest bench: each named, exit status 2, nothing started.
"$CVAT_INGEST" bench --tus-chunk 200MiB; echo "chunk over 100MiB: $?"
"$CVAT_INGEST" bench --profile huge; echo "bad profile: $?"
"$CVAT_INGEST" bench --connections 1,x; echo "bad list: $?"
"$CVAT_INGEST" bench --connections 8B; echo "connections with a unit: $?"
"$CVAT_INGEST" bench --keep; echo "keep without server: $?"
"$CVAT_INGEST" bench --profile video --files 3; echo "files for a video: $?"
"$CVAT_INGEST" bench some/dir --size 1MiB; echo "both corpora: $?"
env -u CVAT_ACCESS_TOKEN "$CVAT_INGEST" bench --server http://127.0.0.1:9; echo "no credentials: $?"
"$CVAT_INGEST" bench --labels '{"name":"car"}'; echo "labels not a list: $?"
"$CVAT_INGEST" bench --profile video --tasks 3; echo "tasks of one video: $?"
"$CVAT_INGEST" bench some/dir --tasks 3; echo "real corpus without --task-per: $?"
"$CVAT_INGEST" bench --build-delay 0.5; echo "build delay without tasks: $?"
"$CVAT_INGEST" bench --tasks 3 --server http://127.0.0.1:9 --build-delay 1; echo "build delay on a server: $?"
"$CVAT_INGEST" bench --tasks 3 --tus-chunk 1MiB; echo "transfer sweep with tasks: $?"
"$CVAT_INGEST" bench --tasks 3000; echo "more tasks than files: $?"
"$CVAT_INGEST" bench --profile videos --parallel-tasks 0; echo "K of 0: $?"
"$CVAT_INGEST" bench --help | head -1
"$CVAT_INGEST" --help | grep -c '^  bench '
