#!/usr/bin/env bash
# The test bed: a real Docker engine, a real registry, real base images and a real Python package index,
# all on this machine and all reachable without Docker Hub or PyPI.
#
#   tests/testbed/testbed.sh up     start what is missing (idempotent), then print the environment as `export` lines
#   tests/testbed/testbed.sh env    print the environment of a running test bed
#   tests/testbed/testbed.sh engine2  start only the second engine when it is not running (the fault tests kill it)
#   tests/testbed/testbed.sh conda  make the micromamba stand-in base image when it is missing (or its script changed)
#   tests/testbed/testbed.sh podman   start only Podman's API service when it is not running (installs Debian's podman)
#   tests/testbed/testbed.sh arm64  make the arm64 bases (QEMU through binfmt_misc) and push both base tags as
#                                   two-platform indexes (linux/amd64 + linux/arm64), when the registry lacks them
#   tests/testbed/testbed.sh down   stop what `up` started (by process id); images and registry storage stay
#
# The second engine is a dockerd of its own (socket, data root, exec root, pid file under $TB/engine2; no bridge, no
# iptables), so a test may SIGKILL it without disturbing the main engine; it stands for a second machine too.
#
# Everything lives in $IMAGETASKS_TESTBED_DIR (default: <repo>/.testbed). The environment is also written to
# $IMAGETASKS_TESTBED_DIR/env, which the tests read when the variables are not set.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
TB=${IMAGETASKS_TESTBED_DIR:-$repo/.testbed}
REGISTRY_ADDR=127.0.0.1:5000
REGISTRY=localhost:5000
AUTH_REGISTRY_ADDR=127.0.0.1:5001
AUTH_REGISTRY=localhost:5001
AUTH_USER=imagetasks
# A throw-away password for a throw-away registry on loopback; the tests check it never reaches a log.
AUTH_PASSWORD_FILE=$TB/auth-registry/password
BASE_PYTHON=$REGISTRY/python:3.11-slim-bookworm
BASE_PLAIN=$REGISTRY/debian:bookworm-slim
# NOT micromamba: the plain base with a script at /usr/local/bin/micromamba that records its arguments and writes
# the conda-meta files micromamba would (micromamba-standin.sh); no conda channel or micromamba binary is reachable here.
BASE_MICROMAMBA=$REGISTRY/micromamba-standin:bookworm
MIRROR=${IMAGETASKS_DEBIAN_MIRROR:-http://deb.debian.org/debian}

log() { printf 'testbed: %s\n' "$*" >&2; }
die() { printf 'testbed: error: %s\n' "$*" >&2; exit 1; }

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local limit=$1 what=$2; shift 2
  local i
  for ((i = 0; i < limit * 5; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  die "$what did not answer within ${limit}s"
}

apt_install() { # install Debian packages that are missing, once
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  [ "$(id -u)" = 0 ] || die "need root to install ${missing[*]} (or install them yourself)"
  if [ ! -f "$TB/.apt-updated" ]; then apt-get update -qq; touch "$TB/.apt-updated"; fi
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >"$TB/apt.log" 2>&1 \
    || { tail -20 "$TB/apt.log" >&2; die "apt-get install ${missing[*]} failed (log: $TB/apt.log)"; }
}

engine_answers() { docker version --format '{{.Server.APIVersion}}' >/dev/null 2>&1; }

start_engine() {
  if engine_answers; then log "using the Docker engine that answers ($(docker version --format '{{.Server.Version}}'))"; return; fi
  [ -n "${DOCKER_HOST:-}" ] && die "DOCKER_HOST=$DOCKER_HOST is set but no engine answers there; unset it or start that engine"
  command -v dockerd >/dev/null 2>&1 || apt_install docker.io
  command -v docker >/dev/null 2>&1 || apt_install docker.io
  log "starting dockerd (log: $TB/dockerd.log)"
  # setsid: the engine outlives this script and is stopped by `down`.
  setsid dockerd --host=unix:///var/run/docker.sock --storage-driver=overlay2 >"$TB/dockerd.log" 2>&1 < /dev/null &
  echo $! >"$TB/dockerd.pid"
  wait_for 60 "dockerd (see $TB/dockerd.log)" engine_answers
}

ENGINE2=$TB/engine2
ENGINE2_HOST=unix://$ENGINE2/docker.sock
ENGINE2_BRIDGE=imtb-engine2

engine2_answers() { docker -H "$ENGINE2_HOST" version --format '{{.Server.APIVersion}}' >/dev/null 2>&1; }

# The second engine is also a remote engine: tcp://127.0.0.1:$ENGINE2_TLS_PORT with --tlsverify, its CA, server and
# client certificates made by openssl under $ENGINE2/tls (client/: what DOCKER_CERT_PATH points at; wrong/: a client
# certificate of another CA, which the engine must refuse).
ENGINE2_TLS_PORT=23760
ENGINE2_TLS=$ENGINE2/tls
ENGINE2_TLS_HOST=tcp://127.0.0.1:$ENGINE2_TLS_PORT
engine2_tls_answers() {
  docker -H "$ENGINE2_TLS_HOST" --tlsverify --tlscacert "$ENGINE2_TLS/client/ca.pem" --tlscert "$ENGINE2_TLS/client/cert.pem" \
    --tlskey "$ENGINE2_TLS/client/key.pem" version --format '{{.Server.APIVersion}}' >/dev/null 2>&1
}

make_engine2_certs() {
  [ -f "$ENGINE2_TLS/client/cert.pem" ] && [ -f "$ENGINE2_TLS/wrong/cert.pem" ] && return
  command -v openssl >/dev/null 2>&1 || apt_install openssl
  log "making the second engine's TLS certificates in $ENGINE2_TLS"
  rm -rf "$ENGINE2_TLS" && mkdir -p "$ENGINE2_TLS/client" "$ENGINE2_TLS/wrong"
  (
    cd "$ENGINE2_TLS"
    ssl() { openssl "$@" >/dev/null 2>&1 || die "openssl $1 failed"; }
    ssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=imagetasks-testbed-ca -keyout ca-key.pem -out ca.pem
    ssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout server-key.pem -out server.csr
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >server.ext
    ssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 3650 -extfile server.ext -out server-cert.pem
    ssl req -newkey rsa:2048 -nodes -subj /CN=imagetasks-testbed-client -keyout client/key.pem -out client.csr
    printf 'extendedKeyUsage=clientAuth\n' >client.ext
    ssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 3650 -extfile client.ext -out client/cert.pem
    ssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=imagetasks-wrong-client -keyout wrong/key.pem -out wrong/cert.pem
    cp ca.pem client/ca.pem && cp ca.pem wrong/ca.pem
    chmod 600 ca-key.pem server-key.pem client/key.pem wrong/key.pem
  )
}

start_engine2() {
  mkdir -p "$ENGINE2"
  make_engine2_certs
  if engine2_answers && ! engine2_tls_answers && alive "$ENGINE2/docker.pid"; then
    # started by an earlier version of this script, without its TLS listener
    log "restarting the second engine to add its TLS listener on $ENGINE2_TLS_HOST"
    kill "$(cat "$ENGINE2/docker.pid")"
    for _ in $(seq 100); do alive "$ENGINE2/docker.pid" || break; sleep 0.2; done
  fi
  if ! engine2_answers; then
    # a dockerd killed with SIGKILL leaves its socket and pid file behind (give a dying one a moment to go)
    for _ in $(seq 25); do alive "$ENGINE2/docker.pid" || break; sleep 0.2; done
    alive "$ENGINE2/docker.pid" && die "the second engine's dockerd ($(cat "$ENGINE2/docker.pid")) runs but does not answer (see $ENGINE2/dockerd.log)"
    rm -f "$ENGINE2/docker.sock" "$ENGINE2/docker.pid"
    # a bridge of its own: with --bridge=none a dockerd deletes docker0, the main engine's bridge
    ip link show "$ENGINE2_BRIDGE" >/dev/null 2>&1 || {
      ip link add "$ENGINE2_BRIDGE" type bridge && ip addr add 172.31.250.1/24 dev "$ENGINE2_BRIDGE" && ip link set "$ENGINE2_BRIDGE" up
    } || die "could not create the second engine's bridge $ENGINE2_BRIDGE (needs root)"
    log "starting the second engine on $ENGINE2_HOST (log: $ENGINE2/dockerd.log)"
    setsid dockerd --host="$ENGINE2_HOST" --host="$ENGINE2_TLS_HOST" --tlsverify --tlscacert="$ENGINE2_TLS/ca.pem" \
      --tlscert="$ENGINE2_TLS/server-cert.pem" --tlskey="$ENGINE2_TLS/server-key.pem" --data-root="$ENGINE2/data" --exec-root="$ENGINE2/exec" --pidfile="$ENGINE2/docker.pid" \
      --bridge="$ENGINE2_BRIDGE" --iptables=false --ip-masq=false --ip6tables=false --storage-driver=overlay2 >>"$ENGINE2/dockerd.log" 2>&1 < /dev/null &
    wait_for 60 "the second engine (see $ENGINE2/dockerd.log)" engine2_answers
  fi
  if ! docker -H "$ENGINE2_HOST" image inspect "$BASE_PLAIN" >/dev/null 2>&1; then
    log "loading $BASE_PLAIN into the second engine"
    docker save "$BASE_PLAIN" | docker -H "$ENGINE2_HOST" load -q >/dev/null
  fi
}

# Podman (Debian's 4.3): its Docker-compatible API service on a socket of its own, with storage, configuration,
# network configuration and events of its own under $TB/podman (passed by environment variables, so the machine's
# /etc/containers is not read for them), the test bed registries as insecure ones. Started from / : conmon fails with
# "Failed to get working directory" when the service's working directory was deleted (a removed worktree).
PODMAN=$TB/podman
PODMAN_HOST=unix://$PODMAN/podman.sock

podman_env() {
  export CONTAINERS_CONF=$PODMAN/containers.conf CONTAINERS_STORAGE_CONF=$PODMAN/storage.conf \
    CONTAINERS_REGISTRIES_CONF=$PODMAN/registries.conf
}

podman_answers() { curl -fs -o /dev/null --unix-socket "$PODMAN/podman.sock" http://d/_ping; }

write_podman_config() {
  mkdir -p "$PODMAN/networks" "$PODMAN/tmp"
  # Podman gives containers nofile and nproc limits of its own choosing (1048576); a root without CAP_SYS_RESOURCE (a
  # container or sandbox, as here) cannot raise a hard limit, and runc then fails with "error setting rlimit type 7:
  # operation not permitted": the containers get this shell's hard limits (nproc at most the 32768 Podman sets itself).
  local nofile nproc
  nofile=$(ulimit -Hn) nproc=$(ulimit -Hu)
  [ "$nofile" = unlimited ] && nofile=1048576
  { [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; } && nproc=32768
  cat >"$PODMAN/containers.conf" <<EOF
[containers]
log_driver = "k8s-file"
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$PODMAN/events.log"
tmp_dir = "$PODMAN/tmp"
[network]
network_backend = "netavark"
network_config_dir = "$PODMAN/networks"
EOF
  cat >"$PODMAN/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$PODMAN/root"
runroot = "$PODMAN/run"
EOF
  cat >"$PODMAN/registries.conf" <<EOF
unqualified-search-registries = []
short-name-mode = "permissive"
[[registry]]
location = "$REGISTRY"
insecure = true
[[registry]]
location = "$AUTH_REGISTRY"
insecure = true
EOF
}

start_podman() {
  command -v podman >/dev/null 2>&1 || apt_install podman netavark aardvark-dns
  dpkg -s netavark >/dev/null 2>&1 || apt_install netavark aardvark-dns
  local config
  config=$({ cat "$PODMAN"/*.conf 2>/dev/null || true; } | sha256sum) # none yet on a fresh clone
  write_podman_config
  # a service started with other settings (an earlier version of this script) is restarted
  podman_answers && [ "$(cat "$PODMAN"/*.conf | sha256sum)" = "$config" ] && return
  alive "$PODMAN/podman.pid" && kill "$(cat "$PODMAN/podman.pid")" && sleep 1
  rm -f "$PODMAN/podman.sock"
  log "starting Podman's API service on $PODMAN_HOST (log: $PODMAN/service.log)"
  (
    cd /
    podman_env
    setsid podman --root "$PODMAN/root" --runroot "$PODMAN/run" system service --time=0 "$PODMAN_HOST" \
      >>"$PODMAN/service.log" 2>&1 </dev/null &
    echo $! >"$PODMAN/podman.pid"
  )
  wait_for 60 "Podman's API service (see $PODMAN/service.log)" podman_answers
}

# A build names its containers and secrets volumes ...-<host>-<pid>-<start>-<random> (src/Core/Engine/BuildOwner.cs):
# <start> is the first 8 hex digits of sha256("<boot id>/<start ticks of the pid>"). Builds remove what dead owners
# left when they start; the test bed does it too, so tests that count leftovers start from zero. Live builds (other
# sessions' tests) and names without an owner are left alone.
owner_alive() { # owner_alive PID START
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  [ "$(printf '%s/%s' "$(cat /proc/sys/kernel/random/boot_id)" "$(echo "${stat##*) }" | awk '{print $20}')" | sha256sum | cut -c1-8)" = "$2" ]
}

remove_dead_builds_leftovers() {
  local name
  { docker ps -a --filter name=imagetasks-build- --format 'container {{.Names}}'
    docker volume ls --filter name=imagetasks-secrets- --format 'volume {{.Name}}'; } | while read -r kind name; do
    [[ $name =~ -[0-9a-f]{8}-([0-9]+)-([0-9a-f]{8})-[0-9a-f]{8}$ ]] || continue
    owner_alive "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" || docker "$kind" rm -f "$name" >/dev/null 2>&1 || true
  done
}

registry_answers() { curl -fs -o /dev/null "http://$1/v2/" ; }
registry_needs_auth() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://$1/v2/")" = 401 ]; }

start_registry() { # start_registry NAME ADDR [htpasswd-file]
  local name=$1 addr=$2 htpasswd=${3:-}
  local dir=$TB/$name
  if [ -z "$htpasswd" ] && registry_answers "$addr"; then return; fi
  if [ -n "$htpasswd" ] && registry_needs_auth "$addr"; then
    # one that takes our password is ours (from an earlier `up`); another one would fail every auth test
    curl -fs -o /dev/null -u "$AUTH_USER:$(cat "$AUTH_PASSWORD_FILE")" "http://$addr/v2/" \
      || die "a registry on $addr asks for a password that is not the test bed's ($AUTH_PASSWORD_FILE); stop it (bash $0 down from the test bed that started it)"
    return
  fi
  command -v docker-registry >/dev/null 2>&1 || apt_install docker-registry
  mkdir -p "$dir/storage"
  {
    echo "version: 0.1"
    echo "log: {level: warn}"
    echo "storage:"
    echo "  filesystem: {rootdirectory: $dir/storage}"
    echo "  delete: {enabled: true}"
    echo "http: {addr: $addr}"
    if [ -n "$htpasswd" ]; then
      echo "auth:"
      echo "  htpasswd: {realm: imagetasks-testbed, path: $htpasswd}"
    fi
  } >"$dir/config.yml"
  log "starting registry $name on $addr"
  setsid docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 < /dev/null &
  echo $! >"$dir/registry.pid"
  if [ -n "$htpasswd" ]; then wait_for 20 "registry $name" registry_needs_auth "$addr"
  else wait_for 20 "registry $name" registry_answers "$addr"; fi
}

make_htpasswd() {
  local dir=$TB/auth-registry
  mkdir -p "$dir"
  [ -s "$AUTH_PASSWORD_FILE" ] || head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$AUTH_PASSWORD_FILE"
  if [ ! -s "$dir/htpasswd" ]; then
    command -v htpasswd >/dev/null 2>&1 || apt_install apache2-utils
    htpasswd -Bbn "$AUTH_USER" "$(cat "$AUTH_PASSWORD_FILE")" >"$dir/htpasswd"
  fi
}

in_registry() { # in_registry REPO TAG
  curl -fs -o /dev/null -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://$REGISTRY_ADDR/v2/$1/manifests/$2"
}

# One root file system into one image: import_rootfs ROOT TAG PLATFORM (a root made by debootstrap or mmdebstrap).
import_rootfs() {
  local root=$1 tag=$2 platform=$3
  # like the official slim images: no apt lists, no downloaded .debs
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/archives/*.deb
  tar -C "$root" -c . | docker import --platform "$platform" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' - "$tag" >/dev/null
  rm -rf "$root"
  set_platform "$tag" "$platform"
}

# A 20.10 engine records its own architecture on import and commit: set_platform TAG PLATFORM gives the image its
# platform (a new configuration over the same layers) when it has another.
set_platform() {
  local tag=$1 platform=$2
  [ "$(docker image inspect --format '{{.Os}}/{{.Architecture}}' "$tag")" = "$platform" ] && return
  local old
  old=$(docker image inspect --format '{{.Id}}' "$tag")
  docker save "$tag" | python3 "$here/set-platform.py" "$platform" | docker load -q >/dev/null
  docker rmi "$old" >/dev/null 2>&1 || true # the import's or commit's image, now without a name
  [ "$(docker image inspect --format '{{.Os}}/{{.Architecture}}' "$tag")" = "$platform" ] || die "could not make $tag an image of $platform"
}

# The python base from the plain one: add_python FROM TO PLATFORM (runs apt in a container of that platform; under
# QEMU when it is not the host's).
add_python() {
  local from=$1 to=$2 platform=$3
  local name=imagetasks-testbed-python-${platform//\//-}
  log "adding python3, pip and venv to $from ($platform) to make $to"
  docker rm -f "$name" >/dev/null 2>&1 || true
  # The official python images let pip install into the system: drop Debian's EXTERNALLY-MANAGED marker.
  docker run --platform "$platform" --name "$name" "$from" sh -c \
    'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3 python3-pip python3-venv python-is-python3 ca-certificates >/dev/null && rm -rf /var/lib/apt/lists/* /usr/lib/python3*/EXTERNALLY-MANAGED' \
    >"$TB/python-image-${platform//\//-}.log" 2>&1 || { tail -20 "$TB/python-image-${platform//\//-}.log" >&2; die "building $to ($platform) failed"; }
  docker commit --change 'CMD ["python3"]' --change 'ENV LANG=C.UTF-8' "$name" "$to" >/dev/null
  docker rm "$name" >/dev/null
  set_platform "$to" "$platform"
}

make_base_images() {
  if in_registry debian bookworm-slim && in_registry python 3.11-slim-bookworm; then return; fi
  if ! docker image inspect "$BASE_PLAIN" >/dev/null 2>&1; then
    command -v debootstrap >/dev/null 2>&1 || apt_install debootstrap
    local root=$TB/rootfs
    rm -rf "$root"
    log "debootstrap bookworm (minbase) into $root (about a minute)"
    debootstrap --variant=minbase bookworm "$root" "$MIRROR" >"$TB/debootstrap.log" 2>&1 \
      || { tail -20 "$TB/debootstrap.log" >&2; die "debootstrap failed (log: $TB/debootstrap.log)"; }
    import_rootfs "$root" "$BASE_PLAIN" linux/amd64
  fi
  docker image inspect "$BASE_PYTHON" >/dev/null 2>&1 || add_python "$BASE_PLAIN" "$BASE_PYTHON" linux/amd64
  log "pushing the base images to $REGISTRY"
  docker push -q "$BASE_PLAIN" >/dev/null
  docker push -q "$BASE_PYTHON" >/dev/null
}

# The conda tests' base: $BASE_PLAIN plus the stand-in script, MAMBA_ROOT_PREFIX=/opt/conda with an empty base
# environment. Rebuilt when the script changes (its hash is the image's label), else left as it is.
make_micromamba_standin() {
  local stamp
  stamp=$(sha256sum "$here/micromamba-standin.sh" | cut -c1-16)
  if [ "$(docker image inspect -f '{{index .Config.Labels "imagetasks.testbed.standin"}}' "$BASE_MICROMAMBA" 2>/dev/null)" = "$stamp" ] \
    && in_registry micromamba-standin bookworm; then return; fi
  docker image inspect "$BASE_PLAIN" >/dev/null 2>&1 || die "$BASE_PLAIN is missing: run $0 up"
  log "making $BASE_MICROMAMBA (a stand-in for micromamba, not micromamba)"
  docker rm -f imagetasks-testbed-standin >/dev/null 2>&1 || true
  docker create --name imagetasks-testbed-standin "$BASE_PLAIN" sh -c 'chmod 0755 /usr/local/bin/micromamba && mkdir -p /opt/conda/conda-meta /opt/conda/bin' >/dev/null
  docker cp "$here/micromamba-standin.sh" imagetasks-testbed-standin:/usr/local/bin/micromamba
  docker start -a imagetasks-testbed-standin >/dev/null
  docker commit --change 'ENV MAMBA_ROOT_PREFIX=/opt/conda' \
    --change 'ENV PATH=/opt/conda/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "LABEL imagetasks.testbed.standin=$stamp" --change 'CMD ["bash"]' imagetasks-testbed-standin "$BASE_MICROMAMBA" >/dev/null
  docker rm imagetasks-testbed-standin >/dev/null
  docker push -q "$BASE_MICROMAMBA" >/dev/null
}

# linux/arm64 under emulation: QEMU user mode registered through binfmt_misc (F flag: the interpreter is opened
# when registered, so containers need no copy of it).
setup_qemu() {
  apt_install qemu-user-static binfmt-support
  [ -f /proc/sys/fs/binfmt_misc/status ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc \
    || die "could not mount binfmt_misc at /proc/sys/fs/binfmt_misc (needs root)"
  if [ ! -f /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
    log "registering qemu-aarch64 with binfmt_misc"
    update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || update-binfmts --import qemu-aarch64 >/dev/null 2>&1 || true
  fi
  grep -q '^enabled' /proc/sys/fs/binfmt_misc/qemu-aarch64 2>/dev/null || die "qemu-aarch64 is not registered with binfmt_misc"
  grep -q '^flags:.*F' /proc/sys/fs/binfmt_misc/qemu-aarch64 || die "qemu-aarch64 is registered without the F flag (containers would not find it): update-binfmts --disable qemu-aarch64, then run again"
}

# Does REPO:TAG in the registry name an index with both linux/amd64 and linux/arm64?
index_in_registry() { # index_in_registry REPO TAG
  curl -fs -H 'Accept: application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.index.v1+json' \
    "http://$REGISTRY_ADDR/v2/$1/manifests/$2" | python3 -c '
import json, sys
m = json.load(sys.stdin)
found = {(p["platform"]["os"], p["platform"]["architecture"]) for p in m.get("manifests", [])}
sys.exit(0 if {("linux", "amd64"), ("linux", "arm64")} <= found else 1)' 2>/dev/null
}

# The arm64 variants of both bases, and both tags pushed as two-platform indexes (amd64 + arm64). The amd64 images
# stay what they were: the index is pushed only when both platforms are ready, and each platform's image is also
# pushed under TAG-amd64 / TAG-arm64.
arm64_bases() {
  # builds run arm64 steps too: QEMU must be registered even when the bases are there (binfmt_misc forgets on reboot)
  setup_qemu
  if index_in_registry debian bookworm-slim && index_in_registry python 3.11-slim-bookworm; then return; fi
  local plain_arm=$BASE_PLAIN-arm64 python_arm=$BASE_PYTHON-arm64
  arch_of() { docker image inspect --format '{{.Architecture}}' "$1" 2>/dev/null; }
  if [ "$(arch_of "$plain_arm")" != arm64 ]; then
    apt_install mmdebstrap arch-test
    local root=$TB/rootfs-arm64 start=$SECONDS
    rm -rf "$root"
    log "mmdebstrap bookworm (minbase, arm64, under emulation) into $root"
    mmdebstrap --arch=arm64 --variant=minbase bookworm "$root" "$MIRROR" >"$TB/mmdebstrap-arm64.log" 2>&1 \
      || { tail -20 "$TB/mmdebstrap-arm64.log" >&2; die "mmdebstrap failed (log: $TB/mmdebstrap-arm64.log)"; }
    import_rootfs "$root" "$plain_arm" linux/arm64
    log "$plain_arm made in $((SECONDS - start))s"
  fi
  if [ "$(arch_of "$python_arm")" != arm64 ]; then
    local start=$SECONDS
    add_python "$plain_arm" "$python_arm" linux/arm64
    log "$python_arm made in $((SECONDS - start))s"
  fi
  [ "$(arch_of "$BASE_PLAIN")" = amd64 ] && [ "$(arch_of "$BASE_PYTHON")" = amd64 ] || die "the amd64 bases are missing: run $0 up"
  local cli=$TB/docker-cli base
  mkdir -p "$cli"
  for base in "$BASE_PLAIN" "$BASE_PYTHON"; do
    log "pushing $base as an index of linux/amd64 and linux/arm64"
    docker tag "$base" "$base-amd64"
    docker push -q "$base-amd64" >/dev/null
    docker push -q "$base-arm64" >/dev/null
    DOCKER_CONFIG=$cli docker manifest rm "$base" >/dev/null 2>&1 || true
    DOCKER_CONFIG=$cli docker manifest create --insecure "$base" "$base-amd64" "$base-arm64" >/dev/null
    DOCKER_CONFIG=$cli docker manifest push --insecure --purge "$base" >/dev/null
  done
  index_in_registry debian bookworm-slim && index_in_registry python 3.11-slim-bookworm \
    || die "the registry does not list linux/amd64 and linux/arm64 under the base tags"
}

make_index() {
  local dir=$TB/pypi
  local stamp
  stamp=$(cat "$here/make-index.py" "$here/serve-index.py" "$here"/packages/*/* 2>/dev/null | sha256sum | cut -c1-16)
  if [ "$(cat "$dir/.stamp" 2>/dev/null)" != "$stamp" ]; then
    [ -d /usr/share/python-wheels ] && ls /usr/share/python-wheels/pip-*.whl >/dev/null 2>&1 \
      || apt_install python3-pip-whl python3-setuptools-whl
    alive "$dir/server.pid" && kill "$(cat "$dir/server.pid")"
    rm -rf "$dir"
    python3 "$here/make-index.py" "$here/packages" /usr/share/python-wheels "$dir"
    echo "$stamp" >"$dir/.stamp"
  fi
  if alive "$dir/server.pid" && curl -fs -o /dev/null "http://127.0.0.1:$(cat "$dir/port")/simple/"; then return; fi
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  log "serving the Python package index on 127.0.0.1:$port"
  setsid python3 "$here/serve-index.py" "$dir" "$port" "$AUTH_PASSWORD_FILE" >"$TB/pypi.log" 2>&1 < /dev/null &
  echo $! >"$dir/server.pid"
  echo "$port" >"$dir/port"
  wait_for 20 "the package index" curl -fs -o /dev/null "http://127.0.0.1:$port/simple/"
}

print_env() {
  [ -f "$TB/pypi/port" ] || die "the test bed is not up: run $0 up"
  local docker_host=${DOCKER_HOST:-unix:///var/run/docker.sock}
  cat <<EOF
export IMAGETASKS_TESTBED_DIR='$TB'
export IMAGETASKS_DOCKER_HOST='$docker_host'
export IMAGETASKS_REGISTRY='$REGISTRY'
export IMAGETASKS_AUTH_REGISTRY='$AUTH_REGISTRY'
export IMAGETASKS_AUTH_USER='$AUTH_USER'
export IMAGETASKS_AUTH_PASSWORD_FILE='$AUTH_PASSWORD_FILE'
export IMAGETASKS_PYPI_URL='http://127.0.0.1:$(cat "$TB/pypi/port")/simple'
export IMAGETASKS_PRIVATE_PYPI_URL='http://127.0.0.1:$(cat "$TB/pypi/port")/private/simple'
export IMAGETASKS_BASE_PYTHON='$BASE_PYTHON'
export IMAGETASKS_BASE_PLAIN='$BASE_PLAIN'
export IMAGETASKS_TESTBED_MICROMAMBA_BASE='$BASE_MICROMAMBA'
export IMAGETASKS_TESTBED_ENGINE2_HOST='$ENGINE2_HOST'
export IMAGETASKS_TESTBED_ENGINE2_PIDFILE='$ENGINE2/docker.pid'
export IMAGETASKS_TESTBED_ENGINE2_TLS_HOST='$ENGINE2_TLS_HOST'
export IMAGETASKS_TESTBED_ENGINE2_TLS_CERTS='$ENGINE2_TLS/client'
export IMAGETASKS_TESTBED_PODMAN_HOST='$PODMAN_HOST'
EOF
}

up() {
  mkdir -p "$TB"
  command -v curl >/dev/null 2>&1 || apt_install curl
  command -v skopeo >/dev/null 2>&1 || apt_install skopeo # reads the OCI layouts the tests write
  start_engine
  remove_dead_builds_leftovers
  start_registry registry "$REGISTRY_ADDR"
  make_htpasswd
  start_registry auth-registry "$AUTH_REGISTRY_ADDR" "$TB/auth-registry/htpasswd"
  make_base_images
  make_micromamba_standin
  arm64_bases
  make_index
  start_engine2
  start_podman
  print_env >"$TB/env"
  log "ready"
  cat "$TB/env"
}

down() {
  local pidfile
  for pidfile in "$PODMAN/podman.pid" "$ENGINE2/docker.pid" "$TB/pypi/server.pid" "$TB/auth-registry/registry.pid" "$TB/registry/registry.pid" "$TB/dockerd.pid"; do
    if alive "$pidfile"; then
      log "stopping $(basename "$(dirname "$pidfile")")/$(basename "$pidfile" .pid) ($(cat "$pidfile"))"
      kill "$(cat "$pidfile")"
      # up to 30 s: a dockerd stopping its containers can take more than 10, and one still alive keeps its own pid
      # file, which makes the next `up` fail ("pid file found")
      for _ in $(seq 150); do alive "$pidfile" || break; sleep 0.2; done
    fi
    rm -f "$pidfile"
  done
  # what the stopped engines left mounted under the test bed (engine 2's data root and network namespace, Podman's
  # overlay), deepest first, so the folder can be removed; their next start mounts them again
  local mountpoint
  awk -v tb="$TB/" 'index($5, tb) == 1 { print $5 }' /proc/self/mountinfo | sort -r | while read -r mountpoint; do
    umount -l "$mountpoint" 2>/dev/null || true
  done
}

case "${1:-up}" in
  up) up ;;
  env) print_env ;;
  engine2) start_engine2 ;;
  conda) make_micromamba_standin ;;
  # only adds its line to the environment file (another sub-command's lines stay as they are)
  podman) start_podman && { grep -qs IMAGETASKS_TESTBED_PODMAN_HOST "$TB/env" || echo "export IMAGETASKS_TESTBED_PODMAN_HOST='$PODMAN_HOST'" >>"$TB/env"; } ;;
  arm64) mkdir -p "$TB"; arm64_bases ;;
  down) down ;;
  *) die "usage: $0 up|env|engine2|conda|podman|arm64|down" ;;
esac
