#!/usr/bin/env bash
# Starts a Docker engine if none answers (.ci/docker-engine.sh) and builds the local Redis image the
# Redis tests run in containers (Testcontainers.Redis). No image
# registry is reachable here, so the image is FROM scratch: Debian's redis-server and redis-cli plus
# the libraries ldd lists (a few MB, builds in seconds). Prints the image name on success.
set -euo pipefail
image="${TC_REDIS_IMAGE:-tokencenter-redis:local}"

bash "$(dirname "$0")/docker-engine.sh"

if ! docker image inspect "$image" >/dev/null 2>&1; then
  ctx=$(mktemp -d)
  trap 'rm -rf "$ctx"' EXIT
  for bin in redis-server redis-cli; do
    path=$(readlink -f "$(command -v "$bin")")
    install -D "$path" "$ctx/usr/bin/$bin"
    for lib in $(ldd "$path" | awk '/=> \// {print $3} /^[[:space:]]*\/lib/ {print $1}'); do
      [ -e "$ctx$lib" ] || install -D "$(readlink -f "$lib")" "$ctx$lib"
    done
  done
  mkdir -p "$ctx/tmp" "$ctx/data"
  chmod 1777 "$ctx/tmp" "$ctx/data"
  cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY . /
WORKDIR /data
EXPOSE 6379
CMD ["/usr/bin/redis-server", "--bind", "0.0.0.0", "--protected-mode", "no", "--save", "", "--appendonly", "no"]
DOCKERFILE
  docker build -q -t "$image" "$ctx" >/dev/null 2>&1 || docker build -t "$image" "$ctx" >&2
fi
echo "$image"
