#!/usr/bin/env bash
# Benchmarks of TokenCenter: builds in Release, runs every scenario on loopback, and writes
# bench/results/latest.md, latest.json (and latest-micro.md, the BenchmarkDotNet tables).
#   bash bench/run.sh                       # full run (about 12 minutes on 2 cores)
#   bash bench/run.sh --quick               # smoke run: tiny durations, figures meaningless
#   bash bench/run.sh --only gettoken,official  # some scenarios: gettoken official redis micro storm propagation upstream footprint platform client
# Needs the .NET 10 SDK and h2load (Debian: apt-get install nghttp2-client); redis-server for the Redis, platform, multi-replica and client rows.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
command -v h2load >/dev/null || echo "bench: h2load not found (apt-get install nghttp2-client): the h2load rows will be skipped" >&2
echo "bench: building in Release..."
dotnet build -c Release -v quiet -nologo bench/TokenCenter.Bench/TokenCenter.Bench.csproj
dotnet build -c Release -v quiet -nologo bench/TokenCenter.Benchmarks/TokenCenter.Benchmarks.csproj
exec dotnet bench/TokenCenter.Bench/bin/Release/net10.0/TokenCenter.Bench.dll run --repo "$root" "$@"
