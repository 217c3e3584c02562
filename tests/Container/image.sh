#!/usr/bin/env bash
# Builds the image from the Dockerfile (base images built locally by .ci/dotnet-images.sh, since no
# registry is reachable) and runs it as an operator would: Production, auth on, the secret from
# /run/secrets, the embedded simulator standing in for WeChat. Checks: non-root, HEALTHCHECK healthy,
# GetToken over gRPC from the host with grpc-js, no secret in the logs, graceful stop on SIGTERM.
# Needs a running Docker engine (.ci/run starts one) and `npm ci` in tests/Interop.
# Prints "image: N passed, N failed".
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
pass=0; fail=0
ok() { echo "  ok - $1"; pass=$((pass + 1)); }
ko() { echo "  not ok - $1"; fail=$((fail + 1)); }
name="tc-image-test-$$"
secrets=$(mktemp -d); log=$(mktemp)
cleanup() { docker rm -f "$name" >/dev/null 2>&1; rm -rf "$secrets" "$log"; }
finish() { cleanup; echo "image: $pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }
trap cleanup EXIT

docker version >/dev/null 2>&1 || { ko "a Docker engine answers (start dockerd; .ci/run does)"; finish; }
if images=$(bash "$root/.ci/dotnet-images.sh" 2>"$log"); then ok "local base images ($images)"; else ko "local base images"; tail -20 "$log"; finish; fi
read -r runtime sdk <<<"$images"
image=tokencenter:test
if DOCKER_BUILDKIT=0 docker build -q --build-arg SDK_IMAGE="$sdk" --build-arg RUNTIME_IMAGE="$runtime" -t "$image" "$root" >"$log" 2>&1; then
  ok "docker build (Dockerfile, base images as build arguments)"
else
  ko "docker build"; tail -30 "$log"; finish
fi

key="image-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
hash=$(printf %s "$key" | sha256sum | cut -d' ' -f1)
secret="image-app-secret-$RANDOM$RANDOM"
printf %s "$secret" > "$secrets/TokenCenter__Apps__0__Secret"
chmod 755 "$secrets"; chmod 644 "$secrets/TokenCenter__Apps__0__Secret"
# Host ports chosen by Docker at bind time (127.0.0.1::PORT), read back with `docker port`.
if docker run -d --name "$name" -p 127.0.0.1::5001 -p 127.0.0.1::5000 \
    --health-interval=2s --health-start-period=60s \
    -e Simulator__Enabled=true -e TokenCenter__Apps__0__AppId=wx0000000000000001 \
    -e Auth__Keys__0__Name=image-test -e Auth__Keys__0__Sha256="$hash" -e 'Auth__Keys__0__Apps__0=*' \
    -v "$secrets:/run/secrets:ro" "$image" >/dev/null; then
  ok "docker run (configuration from the environment and /run/secrets)"
else
  ko "docker run"; finish
fi

user=$(docker inspect -f '{{.Config.User}}' "$name")
uid=$(docker top "$name" -o pid,uid | awk 'NR == 2 {print $2}')
if [ "$user" = 1654 ] && [ "$uid" = 1654 ]; then ok "runs as a non-root user (uid $uid)"; else ko "runs as a non-root user (user '$user', uid '$uid')"; fi

health=
for _ in $(seq 1 120); do
  health=$(docker inspect -f '{{.State.Health.Status}}' "$name" 2>/dev/null)
  [ "$health" = healthy ] && break
  [ "$(docker inspect -f '{{.State.Running}}' "$name")" = true ] || break
  sleep 0.5
done
if [ "$health" = healthy ]; then ok "HEALTHCHECK reports healthy"; else ko "HEALTHCHECK reports healthy (was '$health')"; docker logs "$name" 2>&1 | tail -20; finish; fi

grpc=$(docker port "$name" 5001/tcp | head -1)
answer=$(cd "$root/tests/Interop" && TOKENCENTER_API_KEY="$key" node get-token.js "$grpc" wx0000000000000001 2>&1)
if grep -q '^access_token for wx0000000000000001: version [1-9]' <<<"$answer"; then ok "GetToken over gRPC from the host (grpc-js)"; else ko "GetToken over gRPC from the host (grpc-js): $answer"; fi
denied=$(cd "$root/tests/Interop" && node get-token.js "$grpc" wx0000000000000001 2>&1)
if grep -q 'GetToken failed: 16' <<<"$denied"; then ok "GetToken without an API key is UNAUTHENTICATED"; else ko "GetToken without an API key is UNAUTHENTICATED: $denied"; fi

started=$(date +%s%N)
docker stop -t 40 "$name" >/dev/null
stopped=$(( ($(date +%s%N) - started) / 1000000 ))
code=$(docker inspect -f '{{.State.ExitCode}}' "$name")
# Shutdown:Timeout (30 s by default, docs/operations.md) bounds the graceful stop; exit 0 means it was not killed.
if [ "$code" = 0 ] && [ "$stopped" -lt 30000 ]; then ok "SIGTERM stops it gracefully (exit 0 in $stopped ms)"; else ko "SIGTERM stops it gracefully (exit $code after $stopped ms)"; fi
if docker logs "$name" 2>&1 | grep -qF -e "$secret" -e "$key"; then ko "no secret or API key in the container log"; else ok "no secret or API key in the container log"; fi
finish
