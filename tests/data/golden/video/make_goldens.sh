#!/bin/sh
# Remakes the golden video manifests: CVAT's own manifest tool run on the clips of
# tests/testing/video_clips.h. Not run by the tests.
#
#   make_goldens.sh BUILD_DIR CVAT_CREATE
#
# BUILD_DIR is a configured build (for video_clips_tool). CVAT_CREATE runs CVAT's create.py
# for a video: "python3 .../create.py" from a checkout of CVAT's utils/dataset_manifest
# (newest core.py: VideoStreamReader with the checking container), under Debian 12's python3
# with python3-av (10.0.0, FFmpeg 5.1), python3-opencv and python3-tqdm. CVAT's code is not
# part of this repository. The goldens here were made with the video path of core.py at
# cvat-ai/cvat b8e20d48 (VideoStreamReader, VideoManifestManager.create) and create.py's video
# branch, transcribed into one script outside the repository (the create.py and errors.py
# then at hand predated that core.py), run under /usr/bin/python3 with python3-av 10.0.0.
set -eu
build=$1
create=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$build/tests/video_clips_tool" "$work" > "$here/clips.md5"
while read -r _ name; do
  case $name in
    *too_few*) force=--force ;;
    *) force= ;;
  esac
  $create $force --output-dir "$work/out" "$work/$name" > /dev/null
  mv "$work/out/manifest.jsonl" "$here/$name.jsonl"
done < "$here/clips.md5"
