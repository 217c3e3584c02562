#!/usr/bin/env bash
# Starts the Release TokenServer in Development (embedded simulator, demo app, plus an app whose
# secret the simulator rejects) on loopback port 0 (the ports it bound are read from its startup
# banner: nothing picks a port and binds it later), runs the grpc-js interop suite against it,
# and prints "interop: N passed, N failed". Needs `npm ci` in tests/Interop and a Release build.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
log=$(mktemp)

ASPNETCORE_ENVIRONMENT=Development \
Listeners__Grpc="http://127.0.0.1:0" Listeners__Web="http://127.0.0.1:0" \
TokenCenter__Apps__1__AppId=wx00000000000000b1 \
TokenCenter__Apps__1__Secret=this-is-not-the-right-secret \
TokenCenter__Apps__1__SimulatorSecret=the-secret-wechat-knows \
TokenCenter__Apps__1__Grant=Classic \
  dotnet "$root/src/TokenServer/bin/Release/net10.0/TokenServer.dll" --contentRoot "$root/src/TokenServer" >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -f "$log"' EXIT

. "$here/../listener-addresses.sh"
grpc_port=; web_port=
if wait_for_listeners "$log" $server 60; then
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$web_port/healthz" >/dev/null 2>&1 && break
    kill -0 $server 2>/dev/null || break
    sleep 0.2
  done
fi
if [ -z "$web_port" ] || ! curl -sf "http://127.0.0.1:$web_port/healthz" >/dev/null 2>&1; then
  echo "interop: TokenServer did not start:"; cat "$log"
  echo "interop: 0 passed, 1 failed"; exit 1
fi

out=$(cd "$here" && TOKENCENTER_GRPC="127.0.0.1:$grpc_port" TOKENCENTER_WEB="http://127.0.0.1:$web_port" \
  TOKENCENTER_APP=wx0000000000000001 TOKENCENTER_BAD_APP=wx00000000000000b1 \
  node --test --test-reporter=tap interop.test.js 2>&1)
rc=$?
echo "$out" | grep -E '^(not ok|ok) ' | sed 's/^/  /'
echo "$out" | grep -B2 -A20 '^not ok' | head -80
pass=$(echo "$out" | sed -n 's/^# pass \([0-9]*\)/\1/p'); fail=$(echo "$out" | sed -n 's/^# fail \([0-9]*\)/\1/p')
[ "$rc" -ne 0 ] && [ "${fail:-0}" -eq 0 ] && fail=1
if grep -qiE 'secret-wechat-knows|this-is-not-the-right-secret' "$log"; then
  echo "interop: a configured secret appeared in the server log"; fail=$(( ${fail:-0} + 1 ))
fi
echo "interop: ${pass:-0} passed, ${fail:-0} failed"
[ "${fail:-0}" -eq 0 ]
