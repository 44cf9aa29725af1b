"$CVAT_INGEST" --version
