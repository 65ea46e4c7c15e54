#!/usr/bin/env bash
# The inner loop: a one-line edit of a self-contained console app (testprojects/Layered: a NuGet package, linux-x64,
# self-contained, InvariantGlobalization), then, alternating in one run:
#   publish   dotnet publish -r linux-x64 --self-contained -o out                       (the baseline: no image)
#   imagetasks  the same with -p:BuildImage=true                                        (ImageTasks, the app in layers)
#   docker    the same publish, then `docker build` of `FROM base / COPY out/ /app/`    (the Dockerfile path)
#   sdk       dotnet publish -t:PublishContainer with the same base                     (the .NET SDK's containers)
# and then ten `true` steps: ten ImageCommand items (each its own Layer) forced, against ten `RUN true` lines built
# with --no-cache. Prints each median, the image part (variant minus publish) and the ratios. A benchmark, not a test:
# nothing asserts a time. Contention from other work on the machine moves all variants alike (they alternate, and each
# run starts with the next variant).
#
#   bash tests/bench/inner-loop.sh [RUNS]     (default 5; needs the test bed up and artifacts/feed, as tests/run.sh makes)
#
# BuildKit: the docker CLI 28.x builds with BuildKit only through the buildx plugin, which Debian 12 does not package;
# the docker.io CLI (20.10, /usr/bin/docker, which the test bed installs) still has BuildKit's client built in
# (DOCKER_BUILDKIT=1) and the engine has BuildKit in it. The docker variants use BuildKit through whichever CLI can (a
# trial build decides), and the ten-step comparison runs both builders; with no BuildKit anywhere, the classic builder.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
runs=${1:-5}
if [ -z "${IMAGETASKS_BASE_PLAIN:-}" ]; then
  [ -f "${IMAGETASKS_TESTBED_DIR:-$repo/.testbed}/env" ] || { echo "the test bed is not up: bash tests/testbed/testbed.sh up" >&2; exit 1; }
  # shellcheck disable=SC1091
  source "${IMAGETASKS_TESTBED_DIR:-$repo/.testbed}/env"
fi
export DOCKER_HOST=${IMAGETASKS_DOCKER_HOST:-${DOCKER_HOST:-}}
[ -n "$DOCKER_HOST" ] || unset DOCKER_HOST
base=$IMAGETASKS_BASE_PLAIN
buildkit_cli() { # the first docker CLI that builds with BuildKit here, or nothing
  local cli probe
  probe=$(mktemp -d)
  printf 'FROM %s\nRUN true\n' "$base" >"$probe/Dockerfile"
  for cli in "$(command -v docker)" /usr/bin/docker; do
    [ -x "$cli" ] || continue
    if DOCKER_BUILDKIT=1 "$cli" build -q "$probe" >/dev/null 2>&1; then echo "$cli"; break; fi
  done
  rm -rf "$probe"
}
buildkit=$(buildkit_cli)
if [ -n "$buildkit" ]; then builder="BuildKit ($("$buildkit" version -f '{{.Client.Version}}' 2>/dev/null) CLI)"; else builder="classic builder"; fi
docker_build() { if [ -n "$buildkit" ]; then DOCKER_BUILDKIT=1 "$buildkit" build "$@"; else DOCKER_BUILDKIT=0 docker build "$@"; fi; }

work=$(mktemp -d /tmp/imagetasks-bench-inner.XXXXXX)
id=$(basename "$work" | tr 'A-Z.' 'a-z-')
trap 'rm -rf "$work"; docker image rm -f "$id-it" "$id-docker" "$id-sdk" "$id-steps-it" "$id-steps-docker" >/dev/null 2>&1 || true' EXIT
# shellcheck source=../../testprojects/consumer.sh
source "$repo/testprojects/consumer.sh"
packed_version >/dev/null
make_consumer "$work" Layered
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
cd "$work/Layered"

publish=(-c Release -r linux-x64 --self-contained -p:InvariantGlobalization=true -nologo -v:q -clp:PerformanceSummary)
imagetasks=(-p:BuildImage=true "-p:ContainerBaseImage=$base" "-p:ContainerRepository=$id-it" "-p:ImageCacheRepository=$id-cache")
printf 'FROM %s\nCOPY . /app/\nENTRYPOINT ["/app/Layered"]\n' "$base" >"$work/Dockerfile"

quiet() { "$@" >"$work/last.log" 2>&1 || { cat "$work/last.log" >&2; exit 1; }; }
# the image part measured on its own too (the difference of two noisy medians moves with the compiler's time): the
# docker build's wall clock, and for the two MSBuild paths their own work in MSBuild's performance summary (ImageTasks:
# every _ImageTasks* target; the SDK: its container tasks, since its PublishContainer target holds the whole publish).
# Every variant's publish prints that summary, so they pay for it alike.
summary_ms() { awk -v section="$1" -v pattern="$2" '/Performance Summary/ { on = ($0 ~ section); next }
  on && $2 == "ms" && $3 ~ pattern { sum += $1 } END { printf "%.3f\n", sum / 1000 }' "$work/last.log"; }
variant() {
  case $1 in
    publish) quiet dotnet publish "${publish[@]}" -o "$work/out"; echo 0 >"$work/part" ;;
    imagetasks) quiet dotnet publish "${publish[@]}" -o "$work/out" "${imagetasks[@]}"; summary_ms Target '^_ImageTasks' >"$work/part" ;;
    docker) quiet dotnet publish "${publish[@]}" -o "$work/out"; seconds quiet docker_build -q -t "$id-docker" -f "$work/Dockerfile" "$work/out" >"$work/part" ;;
    sdk) quiet dotnet publish "${publish[@]}" -o "$work/out-sdk" -t:PublishContainer "-p:ContainerBaseImage=$base" "-p:ContainerRepository=$id-sdk"
         summary_ms Task '(^|[.])(ParseContainerProperties|ComputeDotnetBaseImageAndTag|CreateNewImage|CreateImageIndex)$' >"$work/part" ;;
  esac
}
edit() { sed -i "s/\"hello[^\"]*\"/\"hello $1\"/" Program.cs; }
seconds() { local start end; start=$(date +%s.%N); "$@"; end=$(date +%s.%N); awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f\n", b - a }'; }
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

variants=(publish imagetasks docker sdk)
echo "warming up (restore, first publish and first image of each variant; docker: $builder)..." >&2
for v in "${variants[@]}"; do edit "warm-$v"; variant "$v"; done
declare -A times parts
for ((i = 1; i <= runs; i++)); do
  line="run $i:"
  # each run starts with the next variant (publish first, then imagetasks first, ...): what a variant leaves behind
  # (the compiler server's state, the page cache, MSBuild's nodes) falls on each of the others alike
  for ((k = 0; k < ${#variants[@]}; k++)); do
    v=${variants[$(((i - 1 + k) % ${#variants[@]}))]}
    edit "$i-$v"
    t=$(seconds variant "$v")
    times[$v]+="$t "
    parts[$v]+="$(cat "$work/part") "
    line+=" $v ${t}s ($(cat "$work/part")s)"
  done
  echo "$line" >&2
done
docker run --rm "$id-it" | grep -q "hello $runs-imagetasks" || { echo "the ImageTasks image does not run the last edit" >&2; exit 1; }

declare -A m mp
for v in "${variants[@]}"; do m[$v]=$(printf '%s\n' ${times[$v]} | median); mp[$v]=$(printf '%s\n' ${parts[$v]} | median); done
echo "one-line edit, then (median of $runs, docker: $builder):"
for v in "${variants[@]}"; do
  awk -v v="$v" -v t="${m[$v]}" -v p="${m[publish]}" -v own="${mp[$v]}" 'BEGIN {
    printf "  %-11s %6.2fs   image part %+.2fs (against publish), %.2fs (measured on its own)\n", v, t, t - p, own }'
done
awk -v a="${mp[imagetasks]}" -v d="${mp[docker]}" -v s="${mp[sdk]}" 'BEGIN {
  printf "  image part on its own: imagetasks / docker build %.2f, imagetasks / PublishContainer %.2f\n", a / d, a / s }'
paired() { paste -d' ' <(printf '%s\n' ${times[imagetasks]}) <(printf '%s\n' ${times[$1]}) | awk '{ printf "%.4f\n", $1 / $2 }' | median; }
awk -v a="${m[imagetasks]}" -v d="${m[docker]}" -v s="${m[sdk]}" -v pd="$(paired docker)" -v ps="$(paired sdk)" 'BEGIN {
  printf "  ratios: imagetasks / (publish + docker build) %.2f, imagetasks / PublishContainer %.2f (medians of the runs\x27 own ratios: %.2f, %.2f)\n", a / d, a / s, pd, ps }'

# ten `true` steps
mkdir -p "$work/Steps"
cd "$work/Steps"
{
  echo '<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework></PropertyGroup>'
  echo '<ItemGroup><PackageReference Include="ImageTasks" Version="$(ImageTasksVersion)" PrivateAssets="all" />'
  for n in 1 2 3 4 5 6 7 8 9 10; do echo "<ImageCommand Include=\"true\" Layer=\"$n\" />"; done
  echo '</ItemGroup></Project>'
} >Steps.csproj
echo 'System.Console.WriteLine("steps");' >Program.cs
{ echo "FROM $base"; for n in 1 2 3 4 5 6 7 8 9 10; do echo "RUN true # $n"; done; } >"$work/Dockerfile.steps"
steps=(-p:BuildImage=true "-p:ContainerBaseImage=$base" "-p:ContainerRepository=$id-steps-it" "-p:ImageCacheRepository=$id-cache" -p:ImageForceBuild=true)
quiet dotnet build -nologo -v:q "${steps[@]}"
engine=(); whole=(); docker_steps=(); classic_steps=()
for ((i = 1; i <= runs; i++)); do
  whole+=("$(seconds quiet dotnet build -nologo -v:q "${steps[@]}")")
  engine+=("$(python3 -c 'import json,sys; print(round(sum(l["seconds"] for l in json.load(open(sys.argv[1]))["layers"] if l["kind"] == "command"), 3))' obj/imagetasks/last-build.json)")
  docker_steps+=("$(seconds quiet docker_build --no-cache -q -t "$id-steps-docker" -f "$work/Dockerfile.steps" "$work/Steps")")
  line="run $i: ImageTasks ten steps ${engine[-1]}s (whole forced build ${whole[-1]}s), docker build ($builder) ${docker_steps[-1]}s"
  if [ -n "$buildkit" ]; then
    classic_steps+=("$(DOCKER_BUILDKIT=0 seconds quiet docker build --no-cache -q -t "$id-steps-docker" -f "$work/Dockerfile.steps" "$work/Steps")")
    line+=", classic builder ${classic_steps[-1]}s"
  fi
  echo "$line" >&2
done
m_engine=$(printf '%s\n' "${engine[@]}" | median)
m_whole=$(printf '%s\n' "${whole[@]}" | median)
m_docker=$(printf '%s\n' "${docker_steps[@]}" | median)
awk -v e="$m_engine" -v w="$m_whole" -v d="$m_docker" -v n="$runs" -v b="$builder" 'BEGIN {
  printf "ten true steps (median of %d): ImageTasks %.2fs (%.2fs a step; the whole forced dotnet build %.2fs), docker build --no-cache (%s) %.2fs (%.2fs a step), ratio %.2f\n", n, e, e / 10, w, b, d, d / 10, e / d }'
if [ -n "$buildkit" ]; then
  m_classic=$(printf '%s\n' "${classic_steps[@]}" | median)
  awk -v e="$m_engine" -v d="$m_classic" 'BEGIN { printf "  and the classic builder %.2fs (%.2fs a step), ratio %.2f\n", d, d / 10, e / d }'
fi
