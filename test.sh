#!/usr/bin/env bash
# The README's test command: builds the solution in Release, runs every xunit test project, then
# the grpc-js interop suite against a started TokenServer, and prints "N passed, N failed".
# Needs: .NET 10 SDK, Node.js + npm, redis-server, chromium (status page), prometheus + promtool
# (metrics scrape, alert rules), a Docker engine and docker-compose (image and compose tests; the Redis
# tests run single, Sentinel and Cluster topologies in containers from the image .ci/redis-image.sh builds,
# redis-server processes for the kill/restart tests).
set -uo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
fail_all() { echo "$1"; echo "0 passed, 1 failed"; exit 1; }

# What the tests need (redis-server, node, chromium, prometheus, docker, …): installed when missing.
. .ci/install.sh

dotnet build TokenCenter.sln -c Release -nologo -clp:ErrorsOnly || fail_all "build failed"

# One test assembly at a time: the machine has 2 cores and several suites start servers.
dotnet test TokenCenter.sln -c Release --no-build -nologo -m:1 --logger "trx" --results-directory "$results"
rc=$?

passed=0; failed=0
for f in "$results"/*.trx; do
  [ -f "$f" ] || continue
  c=$(grep -o '<Counters [^>]*>' "$f" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$c"); passed=$((passed + ${p:-0}))
  n=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$c"); failed=$((failed + ${n:-0}))
done
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=$((failed + 1)); fi
echo "dotnet test: $passed passed, $failed failed"

# A suite run by a script that ends with "<name>: N passed, N failed"; a non-zero exit with no failure counted counts one.
suite() {
  local name=$1 out rc p f; shift
  out=$("$@"); rc=$?
  echo "$out"
  p=$(sed -n "s/^$name: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p" <<<"$out" | tail -1)
  f=$(sed -n "s/^$name: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p" <<<"$out" | tail -1)
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
  if [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then failed=$((failed + 1)); fi
}

suite interop bash tests/Interop/run.sh
# The Dockerfile's publish command, then a smoke test of the published output.
suite container bash tests/Container/smoke.sh
# The image built from the Dockerfile and run, then docker-compose.yml brought up with it (a Docker
# engine must be running: .ci/run starts one; base images are built locally by .ci/dotnet-images.sh).
suite image bash tests/Container/image.sh
suite compose bash tests/Container/compose.sh
# Alert rules (promtool check + unit tests) and the dashboard's metric names.
suite alerts bash deploy/prometheus/check.sh

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
