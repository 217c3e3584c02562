#!/usr/bin/env bash
# Runs the Dockerfile's publish command (into a temporary directory instead of /app), starts the
# published server as the container would (Production, auth on; the embedded simulator stands in for
# WeChat), then checks the container HEALTHCHECK probe, /readyz, and a GetToken over h2c with an API
# key. Prints "container: N passed, N failed". Needs curl with HTTP/2 and python3.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mktemp -d); log=$(mktemp)
pass=0; fail=0
ok() { echo "  ok - $1"; pass=$((pass + 1)); }
ko() { echo "  not ok - $1"; fail=$((fail + 1)); }
finish() { echo "container: $pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }
. "$root/tests/listener-addresses.sh"

# Same command as the Dockerfile's build stage (-o differs).
if (cd "$root" && dotnet publish src/TokenServer/TokenServer.csproj -c Release -o "$out" --nologo -p:UseAppHost=false >"$log" 2>&1); then
  ok "dotnet publish (Dockerfile command)"
else
  ko "dotnet publish (Dockerfile command)"; tail -20 "$log"; finish
fi

key="smoke-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
hash=$(printf %s "$key" | sha256sum | cut -d' ' -f1)
secrets=$(mktemp -d)
printf %s "smoke-app-secret-$RANDOM$RANDOM" > "$secrets/TokenCenter__Apps__0__Secret"
(cd "$out" && ASPNETCORE_ENVIRONMENT=Production \
  Listeners__Grpc="http://127.0.0.1:0" Listeners__Web="http://127.0.0.1:0" \
  Simulator__Enabled=true Secrets__Directory="$secrets" \
  TokenCenter__Apps__0__AppId=wx0000000000000001 \
  Auth__Keys__0__Name=smoke Auth__Keys__0__Sha256="$hash" Auth__Keys__0__Apps__0='*' \
  exec dotnet TokenServer.dll) >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$out" "$secrets" "$log"' EXIT

# Port 0: the server binds its ports at start; its banner says which (nothing picks a port and binds it later).
if wait_for_listeners "$log" $server 60; then grpc=$grpc_port; web=$web_port; else ko "startup banner names the listeners"; tail -30 "$log"; finish; fi
ready=
for _ in $(seq 1 100); do
  if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$web/readyz")" = 200 ]; then ready=1; break; fi
  kill -0 $server 2>/dev/null || break
  sleep 0.2
done
[ -n "$ready" ] && ok "/readyz answers 200" || { ko "/readyz answers 200"; tail -30 "$log"; finish; }

if (cd "$out" && dotnet TokenServer.dll --probe "http://127.0.0.1:$web/healthz" >/dev/null); then ok "HEALTHCHECK probe (--probe /healthz)"; else ko "HEALTHCHECK probe"; fi

# GetTokenRequest{key{kind=ACCESS_TOKEN, app_id="wx0000000000000001"}} in one gRPC frame.
body=$(mktemp)
printf '\x00\x00\x00\x00\x18\x0a\x16\x08\x01\x12\x12wx0000000000000001' > "$body"
answer=$(curl -s --http2-prior-knowledge -X POST "http://127.0.0.1:$grpc/tokencenter.v1.TokenCenter/GetToken" \
  -H 'content-type: application/grpc' -H 'te: trailers' -H "authorization: Bearer $key" \
  --data-binary @"$body" -D - -o /dev/null)
if grep -qi '^grpc-status: 0' <<<"$answer"; then ok "GetToken with an API key"; else ko "GetToken with an API key"; echo "$answer"; fi
denied=$(curl -s --http2-prior-knowledge -X POST "http://127.0.0.1:$grpc/tokencenter.v1.TokenCenter/GetToken" \
  -H 'content-type: application/grpc' -H 'te: trailers' --data-binary @"$body" -D - -o /dev/null)
if grep -qi '^grpc-status: 16' <<<"$denied"; then ok "GetToken without a key is UNAUTHENTICATED"; else ko "GetToken without a key is UNAUTHENTICATED"; echo "$denied"; fi
rm -f "$body"
if grep -q "$key" "$log" || grep -q "smoke-app-secret" "$log"; then ko "no secret in the server log"; else ok "no secret in the server log"; fi
finish
