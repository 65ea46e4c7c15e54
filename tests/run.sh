#!/usr/bin/env bash
# The project's test command (README): sets up the test bed, builds, packs the package to a local feed and runs
# every test project. Ends with one line "N passed, N failed[, N skipped]" and exits non-zero if anything failed.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# 1. the test bed (engine, registries, base images, package index); its variables go to the tests
testbed=$(bash tests/testbed/testbed.sh up) || { echo "the test bed did not come up (see its messages above)" >&2; exit 1; }
eval "$testbed"

# 2. build everything, pack the package the end-to-end tests consume
dotnet build ImageTasks.sln -c Release -nologo -v:q -clp:ErrorsOnly
rm -rf artifacts/feed
dotnet pack src/Sdk -c Release -o artifacts/feed -nologo -v:q -clp:ErrorsOnly --no-build

# 3. every test project; results summed from the TRX files
results=artifacts/test-results
rm -rf "$results"
status=0
for project in tests/*/*.Tests.csproj; do
  name=$(basename "$project" .csproj)
  echo "== $name"
  dotnet test "$project" -c Release --no-build --logger "trx;LogFileName=$name.trx" --results-directory "$results" || status=1
done

python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
for path in glob.glob(sys.argv[1] + "/*.trx"):
    c = ET.parse(path).getroot().find("t:ResultSummary/t:Counters", ns)
    passed += int(c.get("passed")); failed += int(c.get("failed")) + int(c.get("error")) + int(c.get("timeout")) + int(c.get("aborted"))
    skipped += int(c.get("notExecuted")) + int(c.get("inconclusive"))
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
PY
exit $status
