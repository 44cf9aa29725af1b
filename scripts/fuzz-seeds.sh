#!/usr/bin/env bash
# Writes the seed corpora of the libFuzzer harnesses (tests/fuzz) into DIR/<harness>/:
#   scripts/fuzz-seeds.sh DIR [BUILD_DIR]
# Text seeds are written here; binary ones (images, a journal, a scan cache, a receiver's data
# directory) by make_fuzz_seeds from the test generators (tests/testing), which BUILD_DIR
# (default build/fuzz) must hold. Nothing here is committed: seeds are rebuilt on every run.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: scripts/fuzz-seeds.sh DIR [BUILD_DIR]}
build=${2:-build/fuzz}
mkdir -p "$out"

# seed HARNESS NAME printf-FORMAT [ARGS...]: one seed file.
seed() {
  local harness=$1 name=$2
  shift 2
  mkdir -p "$out/$harness"
  # shellcheck disable=SC2059
  printf "$@" > "$out/$harness/$name"
}

# JPEG 2000 pixels: written by Pillow (OpenJPEG's encoder under it), a JP2 and a tiled
# codestream, when python3-pil is there (the C++ generators have no JPEG 2000 encoder).
if /usr/bin/python3 -c 'import PIL' 2> /dev/null; then
  mkdir -p "$out/pixels"
  /usr/bin/python3 - "$out/pixels" << 'PY'
import sys
from PIL import Image
im = Image.frombytes('RGBA', (5, 4), bytes(range(0, 240, 3)))
im.save(sys.argv[1] + '/rgba.jp2', 'JPEG2000')
im.convert('L').save(sys.argv[1] + '/l.j2k', 'JPEG2000', no_jp2=True, tile_size=(4, 4))
PY
fi

# Multipart: a read-size byte, the Content-Type line, the body.
ct='multipart/form-data; boundary=XyZzy'
seed multipart simple '\001%s\n--XyZzy\r\nContent-Disposition: form-data; name="image_quality"\r\n\r\n70\r\n--XyZzy\r\nContent-Disposition: form-data; name="client_files[0]"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n\377\330\377\340data\r\n--XyZzy--\r\n' "$ct"
seed multipart ext_name '\007multipart/form-data; charset=utf-8; boundary="q\\"b"\npreamble\r\n--q"b  \t\r\ncontent-disposition: FORM-DATA; filename*=UTF-8'"''"'%%C3%%A9t%%C3%%A9.png; name=f; filename="x/y.png"\r\n\r\n\r\n--q"b\r\n--q"b--epilogue'
seed multipart split '\000%s\n\r\n--XyZzy\r\nContent-Disposition: form-data; name="a"\r\nX: y\r\n\r\n\r\n--XyZz\r\n--XyZzy\r\n\r\n\r\n--XyZzy--' "$ct"
seed multipart padding '\005%s\n--XyZzy%250s\r\nContent-Disposition: form-data; name="a"\r\n\r\nv\r\n--XyZzy--' "$ct" ''

# Wire text: a key byte, then text (metadata header, base64, decimal, names).
seed wire_text metadata '\000filename YS5qcGc=,filetype aW1hZ2UvanBlZw==,empty'
seed wire_text decimal '\0010001234567890123456789'
seed wire_text name '\002../a\\\\b\001"c\\"d'
seed wire_text utf8 '\003\303\251\342\202\254\360\237\230\200 "\\\\ \037'

# Request head: a raw request head with empty Upload-* headers.
seed request_head patch 'PATCH /api/tasks/1/data/1_x HTTP/1.1\r\nHost: h\r\nUpload-Offset: 0\r\nUpload-Metadata:\r\nupload-defer-length: \t\r\nUpload Bad:\r\n:\r\n\r\nbody'
seed request_head lf 'POST /api/tasks/1/data/ HTTP/1.1\nUpload-Start:\nUpload-Multiple:  \n\n'

# Data request: odd first byte = form fields, even = JSON.
seed data_request json '\000{"image_quality":70,"sorting_method":"predefined","upload_file_order":["a.jpg","b.png"],"use_cache":true,"chunk_size":36,"start_frame":0,"stop_frame":10,"frame_filter":"step=2","job_file_mapping":[["a.jpg"],["b.png"]]}'
seed data_request json_errors '\000{"image_quality":"x","sorting_method":"bogus","storage_method":null,"frame_filter":"step=0","use_zip_chunks":[1],"chunk_size":-1}'
seed data_request form '\001image_quality=95\nsorting_method=natural\nupload_file_order[1]=b.jpg\nupload_file_order[0]=a.jpg\nserver_files=x\nfr=\nframe_filter=step=3\nuse_cache=True\nstop_frame=4\nstart_frame=5'

# Frame names: a read-size byte, then a data/meta reply.
seed frame_names meta '\003{"chunk_size":36,"size":3,"frames":[{"width":4,"height":3,"name":"a.jpg","related_files":0,"has_related_context":false},{"name":"d\\u00e9j\\u00e0/\\ud83d\\ude00.png","width":1},{"height":2,"name":"\\\\\\"q\\"\\n"}],"deleted_frames":[],"included_frames":null}'
seed frame_names nested '\000{"frames":[{"x":{"name":"no"},"name":["no"]},{"name":"\\udc80"}],"name":"no","frames2":[{"name":"no"}]}'

# API replies: a kind byte (0 task, 1 task page, 2 first task id, 3 login, 4 rq_id,
# 5 request state, 6 error message and date), then the body.
seed api_replies task '\000{"id":7,"name":"t","size":3,"jobs":{"count":2,"completed":0},"segments":[],"created_date":"2026-11-28T18:23:15.123456Z"}'
seed api_replies page '\001{"count":2,"next":null,"results":[{"id":3,"name":"t"},{"id":9,"name":"t","segments":[{},{}]},{"id":4,"name":"u"}]}'
seed api_replies first '\002{"results":[{"id":12}]}'
seed api_replies login '\003{"key":"0123456789abcdef"}'
seed api_replies rq '\004{"rq_id":"create:task-7"}'
seed api_replies state '\005{"status":"failed","message":"Incorrect file mapping","progress":0.5}'
seed api_replies detail '\006{"detail":"Authentication credentials were not provided."}'
seed api_replies date '\0062026-11-28T18:23:15.123456Z'

# Task builder: a flag byte, then the manifest, the registered names and the data request.
sep='\n#~~#\n'
seed task_builder images "\002{\"version\":\"1.1\"}\n{\"type\":\"images\"}\n{\"name\":\"a\",\"extension\":\".jpg\",\"width\":4,\"height\":3}\n{\"name\":\"b\",\"extension\":\".png\",\"width\":1920,\"height\":1080,\"meta\":{\"related_images\":[]}}\n${sep}b.png\na.jpg\nmanifest.jsonl${sep}{\"image_quality\":70,\"sorting_method\":\"predefined\",\"frame_filter\":\"step=1\",\"start_frame\":0,\"stop_frame\":1}"
seed task_builder video "\023{\"version\":\"1.1\"}\n{\"type\":\"video\"}\n{\"properties\":{\"name\":\"v.mp4\",\"resolution\":[640,480],\"length\":75}}\n{\"number\":0,\"pts\":0}\n${sep}v.mp4\nm.jsonl${sep}{\"image_quality\":50,\"frame_filter\":\"step=3\",\"start_frame\":2,\"chunk_size\":10}"
seed task_builder no_manifest "\001${sep}c.jpg\nb.jpg\nx.zip${sep}{\"image_quality\":70,\"sorting_method\":\"natural\"}"

bin="$build/tests/fuzz/make_fuzz_seeds"
if [ -x "$bin" ]; then
  "$bin" "$out"
else
  echo "fuzz-seeds: $bin not built: binary seeds skipped" >&2
fi
