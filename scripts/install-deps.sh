#!/usr/bin/env bash
# Installs every Debian package cvat-ingest needs to build, test and benchmark.
# The one package list of the project: README.md and .ci/run both call this script.
# Usage: scripts/install-deps.sh        (as root, or with sudo available)
set -euo pipefail

packages=(
  # build
  build-essential cmake pkg-config git
  # libraries (see third_party_notes.md)
  libcurl4-openssl-dev libarchive-dev libzstd-dev libxxhash-dev libsimdjson-dev zlib1g-dev
  libsqlite3-dev libssl-dev libcpp-httplib-dev libtomlplusplus-dev libdeflate-dev libisal-dev
  libavformat-dev libavcodec-dev libavutil-dev libswscale-dev
  libjpeg62-turbo-dev libpng-dev libtiff-dev libwebp-dev libgif-dev libopenjp2-7-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  curl python3 python3-pil python3-natsort python3-yaml xxhash bc time unzip
  # install and packaging: man pages checked with groff/man, `cpack -G DEB` runs dpkg-shlibdeps
  groff-base man-db dpkg-dev
  # libFuzzer harnesses (tests/fuzz, the `fuzz` preset): clang and its sanitizer runtimes
  clang-14 libclang-rt-14-dev
  # the single-node Slurm cluster of tests/cli/slurm_cluster.sh (slurmctld, slurmd, sbatch;
  # munged): the test starts its own daemons with its own config, never the packages' services
  slurm-wlm munge
)

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update
"${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${packages[@]}"
