#!/usr/bin/env bash
# Starts a Docker engine if none answers: Debian's dockerd with vfs storage (works where overlay
# mounts do not), in the background; waits for its socket. No image registry is reachable here:
# every image the tests use is built locally.
set -euo pipefail
SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
docker version >/dev/null 2>&1 && exit 0
if [ ! -S /var/run/docker.sock ] || ! pgrep -x dockerd >/dev/null; then
  $SUDO sh -c 'nohup dockerd --storage-driver=vfs >/var/log/dockerd.log 2>&1 &'
fi
for _ in $(seq 1 60); do docker version >/dev/null 2>&1 && exit 0; sleep 1; done
echo "dockerd did not answer on /var/run/docker.sock (see /var/log/dockerd.log)" >&2
exit 1
