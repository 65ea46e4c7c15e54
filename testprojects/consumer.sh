#!/usr/bin/env bash
# Sourced by scripts that build a sample the way a user consumes ImageTasks:
#   source testprojects/consumer.sh; make_consumer WORK SAMPLE
# copies testprojects/SAMPLE into WORK/SAMPLE (without bin/ and obj/), writes WORK/nuget.config with only the local
# feed (artifacts/feed) and nuget.org, and exports NUGET_PACKAGES=WORK/packages: a package cache of its own, since the
# package version does not change between local builds and a shared cache could hold an older copy.
make_consumer() {
  local work=$1 sample=$2
  local repo
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  mkdir -p "$work"
  rm -rf "${work:?}/$sample"
  cp -r "$repo/testprojects/$sample" "$work/$sample"
  rm -rf "$work/$sample/bin" "$work/$sample/obj"
  cat >"$work/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local" value="$repo/artifacts/feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
</configuration>
XML
  export NUGET_PACKAGES=$work/packages
}
