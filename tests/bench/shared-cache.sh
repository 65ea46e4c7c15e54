#!/usr/bin/env bash
# The layer cache shared through a registry, as two CI runners use it: the main engine (A) builds the Greeting sample
# (apt + pip + app) with ImageCacheTo set to a repository of the test bed registry; then the test bed's second engine
# (B: a store of its own) builds the same project twice, each time with a local cache repository it has never used:
# once from the registry cache (ImageCacheFrom, read-only), once cold (no cache, its apt and pip download volumes
# emptied first). The base image is pulled on B before either is timed. Prints both (whole `dotnet build` wall clock,
# and the image part: ImageTasks' own "built in" figure) and their ratio.
#
#   tests/bench/shared-cache.sh        (needs the test bed and artifacts/feed, as tests/run.sh makes)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if [ -z "${IMAGETASKS_BASE_PYTHON:-}" ] || [ -z "${IMAGETASKS_TESTBED_ENGINE2_HOST:-}" ]; then
  eval "$(bash "$repo/tests/testbed/testbed.sh" env)"
fi
bash "$repo/tests/testbed/testbed.sh" engine2 >/dev/null # the fault tests may have killed it
engine_a=${IMAGETASKS_DOCKER_HOST:-unix:///var/run/docker.sock}
engine_b=$IMAGETASKS_TESTBED_ENGINE2_HOST
run=$(date +%s)-$$
shared="$IMAGETASKS_REGISTRY/imagetasks-bench/cache-$run"

work=$(mktemp -d /tmp/imagetasks-bench.XXXXXX)
cleanup() {
  for local in bench-a-$run bench-b-cached-$run bench-b-cold-$run imagetasks-bench-cache; do
    for host in "$engine_a" "$engine_b"; do
      # by tag: removing a layer's tag removes it and the untagged layers below it, children first
      docker -H "$host" images --format '{{.Repository}}:{{.Tag}}' --filter "reference=$local" | xargs -r docker -H "$host" rmi >/dev/null 2>&1 || true
    done
  done
  rm -rf "$work"
}
trap cleanup EXIT
# shellcheck source=../../testprojects/consumer.sh
source "$repo/testprojects/consumer.sh"
packed_version >/dev/null
make_consumer "$work" Greeting
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
cd "$work/Greeting"
common=(-p:BuildImage=true "-p:ContainerBaseImage=$IMAGETASKS_BASE_PYTHON" "-p:ImagePipIndexUrl=$IMAGETASKS_PYPI_URL"
        -p:ImageBuildNetwork=host -p:ContainerRepository=imagetasks-bench-cache -tl:off -v:m -nologo)

# build HOST NAME ARGS...: one `dotnet build` on engine HOST; prints "wall image" seconds
build() {
  local host=$1 name=$2; shift 2
  local start end image
  start=$(date +%s.%N)
  DOCKER_HOST=$host dotnet build "${common[@]}" "$@" >"$work/$name.log" 2>&1 || { cat "$work/$name.log" >&2; exit 1; }
  end=$(date +%s.%N)
  image=$(grep -oE 'layers reused, [0-9]+ built in [0-9.]+s' "$work/$name.log" | tail -n 1 | grep -oE '[0-9.]+s$' | tr -d s)
  grep -E '^\s*\[[0-9]+/[0-9]+\] ' "$work/$name.log" | sed 's/^ */    /' >&2
  awk -v a="$start" -v b="$end" -v i="$image" 'BEGIN { printf "%.2f %.2f\n", b - a, i }'
}

echo "engine A ($engine_a): building with ImageCacheTo=$shared ..." >&2
build "$engine_a" a -p:ImageCacheRepository=bench-a-$run "-p:ImageCacheTo=$shared" >/dev/null
keys=$(grep -oE '"key": "[0-9a-f]{64}"' obj/imagetasks/last-build.json | grep -oE '[0-9a-f]{64}')
docker -H "$engine_b" pull -q "$IMAGETASKS_BASE_PYTHON" >/dev/null
dotnet build-server shutdown >/dev/null 2>&1 || true

echo "engine B ($engine_b), empty local cache, ImageCacheFrom=$shared:" >&2
read -r cached_wall cached_image < <(build "$engine_b" b-cached -p:ImageCacheRepository=bench-b-cached-$run "-p:ImageCacheFrom=$shared")
grep -q "pulled from cache" "$work/b-cached.log" || { echo "nothing was pulled from the cache" >&2; exit 1; }

echo "engine B, empty local cache, no shared cache, empty download volumes (cold):" >&2
docker -H "$engine_b" volume rm -f imagetasks-cache-apt imagetasks-cache-apt-lists imagetasks-cache-pip >/dev/null 2>&1 || true
read -r cold_wall cold_image < <(build "$engine_b" b-cold -p:ImageCacheRepository=bench-b-cold-$run)

awk -v cw="$cold_wall" -v ci="$cold_image" -v hw="$cached_wall" -v hi="$cached_image" 'BEGIN {
  printf "engine B, Greeting (apt + pip + app): cold build %.1fs (image %.1fs); from the registry cache %.1fs (image %.1fs); ratio %.2f (image %.2f)\n",
    cw, ci, hw, hi, hw / cw, hi / ci }'
# this run's tags: their manifests are deleted (the blobs stay until the registry's garbage collection)
accept="application/vnd.docker.distribution.manifest.v2+json"
for key in $keys; do
  digest=$(curl -sI -H "Accept: $accept" "http://$IMAGETASKS_REGISTRY/v2/imagetasks-bench/cache-$run/manifests/$key" | tr -d '\r' | awk -F': ' 'tolower($1) == "docker-content-digest" { print $2 }')
  [ -n "$digest" ] && curl -s -X DELETE "http://$IMAGETASKS_REGISTRY/v2/imagetasks-bench/cache-$run/manifests/$digest" >/dev/null || true
done
