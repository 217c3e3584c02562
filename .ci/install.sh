#!/usr/bin/env bash
# Sourced by test.sh: installs what the tests need on Debian when it is missing (apt-get), starts a
# Docker engine, builds the local Redis image and installs the grpc-js suite's packages. On failure it
# prints the closing line "0 passed, 1 failed" and exits.
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v node >/dev/null 2>&1 || need+=(nodejs npm)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v python3 >/dev/null 2>&1 || need+=(python3)
# Browser test of the status page (Microsoft.Playwright drives Debian's chromium; no browser download).
[ -x /usr/bin/chromium ] || need+=(chromium)
# A real Prometheus scrapes the server in the Ops tests; promtool checks and unit-tests the alert rules.
command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 || need+=(prometheus)
# The image is built and run, and docker-compose.yml brought up, on Debian's engine (started below).
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
if [ ${#need[@]} -gt 0 ]; then
  echo "== apt-get install ${need[*]}"
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null; } \
    || { echo "apt-get install ${need[*]} failed"; echo "0 passed, 1 failed"; exit 1; }
fi

bash .ci/docker-engine.sh || { echo "no Docker engine (.ci/docker-engine.sh)"; echo "0 passed, 1 failed"; exit 1; }
# The local FROM-scratch Redis image the Redis tests run in containers (Testcontainers.Redis).
image=$(bash .ci/redis-image.sh) || { echo "Redis image failed (.ci/redis-image.sh)"; echo "0 passed, 1 failed"; exit 1; }
export TC_REDIS_IMAGE="$image" TESTCONTAINERS_RYUK_DISABLED=true

[ -d tests/Interop/node_modules ] || (cd tests/Interop && npm ci --no-audit --no-fund --loglevel=error) || { echo "npm ci failed"; echo "0 passed, 1 failed"; exit 1; }

