#!/usr/bin/env bash
# The README's test command: builds the solution in Release, runs every xunit test project, then
# the grpc-js interop suite against a started TokenServer, and prints "N passed, N failed".
# Needs: .NET 10 SDK, Node.js + npm, redis-server; the Redis tests use Docker containers when a
# Docker engine answers (.ci/redis-image.sh starts one and builds the image), redis-server processes otherwise.
set -uo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
fail_all() { echo "$1"; echo "0 passed, 1 failed"; exit 1; }

if [ ! -d tests/Interop/node_modules ]; then
  (cd tests/Interop && npm ci --no-audit --no-fund --loglevel=error) || fail_all "npm ci failed in tests/Interop"
fi

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

interop=$(bash tests/Interop/run.sh); irc=$?
echo "$interop"
ip=$(sed -n 's/^interop: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' <<<"$interop" | tail -1)
if_=$(sed -n 's/^interop: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' <<<"$interop" | tail -1)
passed=$((passed + ${ip:-0})); failed=$((failed + ${if_:-0}))
if [ "$irc" -ne 0 ] && [ "${if_:-0}" -eq 0 ]; then failed=$((failed + 1)); fi

# The Dockerfile's publish command, then a smoke test of the published output (no Docker engine here).
container=$(bash tests/Container/smoke.sh); crc=$?
echo "$container"
cp_=$(sed -n 's/^container: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' <<<"$container" | tail -1)
cf=$(sed -n 's/^container: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' <<<"$container" | tail -1)
passed=$((passed + ${cp_:-0})); failed=$((failed + ${cf:-0}))
if [ "$crc" -ne 0 ] && [ "${cf:-0}" -eq 0 ]; then failed=$((failed + 1)); fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
