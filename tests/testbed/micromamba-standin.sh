#!/bin/sh
# The test bed's stand-in for micromamba (installed as /usr/local/bin/micromamba in micromamba-standin:bookworm).
# No conda channel and no micromamba binary can be reached from the test bed, so this is what the conda tests run:
# it is NOT micromamba. It
#   - answers `--version` (the base check's probe);
#   - records every other call's arguments, one argument a line, in a file of its own under
#     $MAMBA_ROOT_PREFIX/imagetasks-standin/calls/NNNN.argv, and the package cache it was given (CONDA_PKGS_DIRS) in NNNN.env;
#   - for `install -n base`, writes the $MAMBA_ROOT_PREFIX/conda-meta/<name>-<version>-0.json files micromamba would
#     write, for the specs on its command line and in -f files (one spec a line, or an environment.yml's dependencies),
#     and a <name>-<version>-0.tar.bz2 "download" into the package cache;
#   - with --rc-file FILE, records the sha256 of FILE (NNNN.rc-sha256) and prints FILE's lines, as micromamba prints
#     channel URLs (the step's output masking is tested on them); FILE itself is not copied anywhere.
set -eu
prefix=${MAMBA_ROOT_PREFIX:-/opt/conda}
if [ "${1:-}" = --version ]; then echo "0.0.0 (imagetasks test bed stand-in, not micromamba)"; exit 0; fi

calls=$prefix/imagetasks-standin/calls
mkdir -p "$calls" "$prefix/conda-meta"
n=$(find "$calls" -name '*.argv' | wc -l)
call=$calls/$(printf '%04d' $((n + 1)))
printf '%s\n' "$@" >"$call.argv"
echo "CONDA_PKGS_DIRS=${CONDA_PKGS_DIRS:-}" >"$call.env"

[ "${1:-}" = install ] || { echo "micromamba stand-in: only 'install' and '--version' are known" >&2; exit 2; }
shift
pkgs=${CONDA_PKGS_DIRS:-$prefix/pkgs}
mkdir -p "$pkgs"
channel=""

meta() { # meta SPEC: the conda-meta record micromamba writes for the package SPEC resolves to
  spec=$1
  from=$channel
  case $spec in *::*) from=${spec%%::*}; spec=${spec##*::};; esac
  name=$(printf '%s' "$spec" | sed 's/[ =<>!~].*//')
  version=$(printf '%s' "${spec#"$name"}" | sed 's/^[ =<>!~]*//; s/[ ,|].*//; s/\*/0/g; s/\.$//')
  [ -n "$version" ] || version=0
  file=$name-$version-0
  if [ -f "$pkgs/$file.tar.bz2" ]; then echo "  $name $version: found in the package cache"
  else echo "standin $name $version" >"$pkgs/$file.tar.bz2"; echo "  $name $version: downloaded"; fi
  printf '{"name": "%s", "version": "%s", "build": "0", "build_number": 0, "channel": "%s", "requested_spec": "%s"}\n' \
    "$name" "$version" "$from" "$1" >"$prefix/conda-meta/$file.json"
}

spec_file() { # spec_file FILE: specs one a line, or an environment.yml's dependencies
  case $1 in
    *.yml|*.yaml)
      section=""
      while IFS= read -r line || [ -n "$line" ]; do
        case $line in
          dependencies:*) section=deps ;;
          [A-Za-z]*:*) section="" ;;
          *-\ *) [ "$section" = deps ] && meta "$(printf '%s' "$line" | sed 's/^[[:space:]]*-[[:space:]]*//; s/[[:space:]]*$//')" ;;
        esac
      done <"$1" ;;
    *)
      while IFS= read -r line || [ -n "$line" ]; do
        line=$(printf '%s' "$line" | sed 's/#.*//; s/^[[:space:]]*//; s/[[:space:]]*$//')
        case $line in ''|@*) ;; *) meta "$line" ;; esac
      done <"$1" ;;
  esac
}

while [ $# -gt 0 ]; do
  case $1 in
    -y|--yes) ;;
    -n|--name|-r|--root-prefix) shift ;;
    -c|--channel) [ -n "$channel" ] || channel=$2; shift ;;
    --rc-file)
      sha256sum <"$2" | cut -d' ' -f1 >"$call.rc-sha256"
      echo "configuration from $2:"
      sed 's/^/  /' "$2"
      shift ;;
    -f|--file) echo "specs from $2:"; spec_file "$2"; shift ;;
    -*) echo "micromamba stand-in: unknown option $1" >&2; exit 2 ;;
    *) meta "$1" ;;
  esac
  shift
done
echo "Transaction finished (stand-in)"
