#!/usr/bin/env bash
# Sourced by scripts that build a sample the way a user consumes ImageTasks:
#   source testprojects/consumer.sh; make_consumer WORK SAMPLE
# copies testprojects/SAMPLE into WORK/SAMPLE (without bin/ and obj/), writes WORK/nuget.config with only the local
# feed (artifacts/feed) and nuget.org, pins the packed version (WORK/Directory.Build.props: ImageTasksVersion for the
# samples' PackageReference; WORK/global.json: msbuild-sdks for <Sdk Name="ImageTasks" />), and exports
# NUGET_PACKAGES=WORK/packages: a package cache of its own, since local builds of one commit share a version and a
# shared cache could hold an older copy.

# The version of the package in artifacts/feed (the newest ImageTasks.*.nupkg), from its file name.
packed_version() {
  local repo package
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  package=$(ls -t "$repo"/artifacts/feed/ImageTasks.*.nupkg 2>/dev/null | head -n 1)
  [ -n "$package" ] || { echo "no package: dotnet pack src/Sdk -c Release -o artifacts/feed" >&2; return 1; }
  package=$(basename "$package" .nupkg)
  echo "${package#ImageTasks.}"
}

make_consumer() {
  local work=$1 sample=$2
  local repo version
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  version=$(packed_version)
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
  cat >"$work/Directory.Build.props" <<XML
<Project>
  <PropertyGroup>
    <ImageTasksVersion>$version</ImageTasksVersion>
  </PropertyGroup>
</Project>
XML
  # a user's project: no central package management, even when WORK is inside this repository (artifacts/sample)
  cat >"$work/Directory.Packages.props" <<XML
<Project>
  <PropertyGroup>
    <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
  </PropertyGroup>
</Project>
XML
  echo "{ \"msbuild-sdks\": { \"ImageTasks\": \"$version\" } }" >"$work/global.json"
  export NUGET_PACKAGES=$work/packages
}
