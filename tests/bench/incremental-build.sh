#!/usr/bin/env bash
# What the image target adds to an up-to-date `dotnet build`: the Greeting sample (apt + pip + app) is built once
# with BuildImage=true and once without, then RUNS up-to-date builds of each are timed alternately (wall clock, the
# same `dotnet build` a user runs). Prints the median of each and their ratio.
#
#   tests/bench/incremental-build.sh [RUNS]        (default 7; needs the test bed and artifacts/feed, as tests/run.sh makes)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
runs=${1:-7}
if [ -z "${IMAGETASKS_BASE_PYTHON:-}" ]; then
  [ -f "$repo/.testbed/env" ] || { echo "the test bed is not up: bash tests/testbed/testbed.sh up" >&2; exit 1; }
  # shellcheck disable=SC1091
  source "$repo/.testbed/env"
fi
export DOCKER_HOST=${IMAGETASKS_DOCKER_HOST:-${DOCKER_HOST:-}}
[ -n "$DOCKER_HOST" ] || unset DOCKER_HOST

work=$(mktemp -d /tmp/imagetasks-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
# shellcheck source=../../testprojects/consumer.sh
source "$repo/testprojects/consumer.sh"
packed_version >/dev/null # the package must be there (tests/run.sh makes it)
make_consumer "$work" Greeting
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
cd "$work/Greeting"
image=(-p:BuildImage=true "-p:ContainerBaseImage=$IMAGETASKS_BASE_PYTHON" "-p:ImagePipIndexUrl=$IMAGETASKS_PYPI_URL"
       -p:ImageBuildNetwork=host -p:ContainerRepository=imagetasks-bench)

build() { dotnet build -nologo -v:q "$@" >"$work/last.log" 2>&1 || { cat "$work/last.log" >&2; exit 1; }; }
seconds() { local start end; start=$(date +%s.%N); build "$@"; end=$(date +%s.%N); awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f\n", b - a }'; }
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

echo "warming up (first image build, then one up-to-date build of each)..." >&2
build "${image[@]}"; build; build "${image[@]}"; build

with=(); without=()
for ((i = 1; i <= runs; i++)); do
  with+=("$(seconds "${image[@]}")")
  without+=("$(seconds)")
  echo "run $i: BuildImage=true ${with[-1]}s, BuildImage=false ${without[-1]}s" >&2
done
m_with=$(printf '%s\n' "${with[@]}" | median)
m_without=$(printf '%s\n' "${without[@]}" | median)
awk -v n="$runs" -v a="$m_with" -v b="$m_without" 'BEGIN {
  printf "up-to-date dotnet build, median of %d: BuildImage=true %.2fs, BuildImage=false %.2fs, ratio %.2f (+%.2fs)\n", n, a, b, a / b, a - b }'
docker image rm -f imagetasks-bench:latest >/dev/null 2>&1 || true
