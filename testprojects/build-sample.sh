#!/usr/bin/env bash
# Builds the sample testprojects/Greeting into an image, as a user would, and runs it.
# Starts the test bed first (its engine, base image and package index; a no-op when it is up).
#
#   bash testprojects/build-sample.sh            # build (dotnet build -p:BuildImage=true) and run the image
#   bash testprojects/build-sample.sh publish    # the same with dotnet publish
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
verb=${1:-build}
eval "$(bash "$repo/tests/testbed/testbed.sh" up)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# the package, packed to the local feed (emptied first: the samples take its newest package, of this commit's version)
rm -rf "$repo/artifacts/feed"
dotnet pack "$repo/src/Sdk" -c Release -o "$repo/artifacts/feed" -nologo -v:q -clp:ErrorsOnly

# the sample in a folder of its own, restoring ImageTasks from the local feed into a package cache of its own
source "$repo/testprojects/consumer.sh"
work=$repo/artifacts/sample
rm -rf "$work/packages"
make_consumer "$work" Greeting
DOCKER_HOST=$IMAGETASKS_DOCKER_HOST dotnet "$verb" "$work/Greeting/Greeting.csproj" -nologo \
  -p:BuildImage=true \
  -p:ContainerBaseImage="$IMAGETASKS_BASE_PYTHON" \
  -p:ImagePipIndexUrl="$IMAGETASKS_PYPI_URL" \
  -p:ImageBuildNetwork=host \
  -p:ContainerRepository=imagetasks-sample

echo "--- docker run --rm imagetasks-sample"
DOCKER_HOST=$IMAGETASKS_DOCKER_HOST docker run --rm imagetasks-sample
