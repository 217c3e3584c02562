#!/usr/bin/env bash
# Brings docker-compose.yml up (Redis, three replicas, the WeChat simulator) with the image that
# tests/Container/image.sh built, on host ports Docker picks, and checks as an operator would: every
# replica serves the same token; a killed replica and a Redis restart leave callers with tokens WeChat
# accepts (no 40001 at any point). Prints "compose: N passed, N failed".
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
pass=0; fail=0
ok() { echo "  ok - $1"; pass=$((pass + 1)); }
ko() { echo "  not ok - $1"; fail=$((fail + 1)); }
export COMPOSE_PROJECT_NAME="tc-compose-$$" COMPOSE_FILE="$root/docker-compose.yml"
export TOKENCENTER_IMAGE="${TOKENCENTER_IMAGE:-tokencenter:test}" REDIS_IMAGE="${TC_REDIS_IMAGE:-tokencenter-redis:local}"
export WECHAT_PORT= TC1_GRPC_PORT= TC1_WEB_PORT= TC2_GRPC_PORT= TC2_WEB_PORT= TC3_GRPC_PORT= TC3_WEB_PORT=
key=trial-key app=wx0000000000000001
cleanup() { docker-compose down -v --remove-orphans >/dev/null 2>&1; }
finish() { [ "$fail" -eq 0 ] || docker-compose logs --tail=30 2>&1 | tail -80; cleanup; echo "compose: $pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }
trap cleanup EXIT

command -v docker-compose >/dev/null || { ko "docker-compose is installed (Debian: apt-get install docker-compose)"; finish; }
docker image inspect "$TOKENCENTER_IMAGE" >/dev/null 2>&1 || { ko "image $TOKENCENTER_IMAGE exists (tests/Container/image.sh builds it)"; finish; }
if docker-compose up -d --no-build >/tmp/compose-up-$$.log 2>&1; then ok "docker-compose up (Redis, 3 replicas, simulator)"; else ko "docker-compose up"; cat /tmp/compose-up-$$.log; finish; fi
rm -f /tmp/compose-up-$$.log
port() { docker-compose port "$1" "$2" | head -1; }
wechat=$(port wechat 8080)

ready() { # ready SERVICE: /readyz answers 200 within 90 s
  local web; web=$(port "$1" 5000)
  for _ in $(seq 1 180); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://$web/readyz")" = 200 ] && return 0
    sleep 0.5
  done
  return 1
}
token() { # token SERVICE: "version fingerprint value" of the access token it serves
  (cd "$root/tests/Interop" && TOKENCENTER_API_KEY=$key node get-token.js "$(port "$1" 5001)" "$app" --show-value 2>&1) |
    awk 'NR == 1 {v = $5; sub(",", "", v); f = $NF} NR == 2 {print v, f, $0}'
}
errcode() { # errcode VALUE: WeChat's answer to a business call with that token (0: it answered ip_list)
  local answer; answer=$(curl -s --get --data-urlencode "access_token=$1" "http://$wechat/cgi-bin/get_api_domain_ip")
  if grep -q '"ip_list"' <<<"$answer"; then echo 0; else sed -n 's/.*"errcode":\([-0-9]*\).*/\1/p' <<<"$answer"; fi
}

all_ready=1
for s in tokencenter-1 tokencenter-2 tokencenter-3; do ready "$s" || { all_ready=; echo "  $s not ready"; }; done
[ -n "$all_ready" ] && ok "every replica is ready" || { ko "every replica is ready"; finish; }

read -r v1 f1 t1 <<<"$(token tokencenter-1)"; read -r v2 f2 t2 <<<"$(token tokencenter-2)"; read -r v3 f3 t3 <<<"$(token tokencenter-3)"
if [ -n "$t1" ] && [ "$t1" = "$t2" ] && [ "$t2" = "$t3" ]; then ok "the three replicas serve the same token (version $v1, fingerprint $f1)"; else ko "the three replicas serve the same token ($v1/$f1, $v2/$f2, $v3/$f3)"; fi
[ "$(errcode "$t1")" = 0 ] && ok "WeChat accepts it" || ko "WeChat accepts it (errcode $(errcode "$t1"))"

seen=()
docker-compose kill tokencenter-2 >/dev/null 2>&1
docker-compose restart redis >/dev/null 2>&1 &
restarting=$!
bad=0
for _ in $(seq 1 10); do # callers keep calling through the Redis restart
  for s in tokencenter-1 tokencenter-3; do
    read -r _ _ t <<<"$(token "$s")"
    if [ -n "$t" ]; then seen+=("$t"); c=$(errcode "$t"); [ "$c" = 0 ] || { bad=$((bad + 1)); echo "  $s served a token WeChat answers $c"; }; fi
  done
  sleep 0.25
done
wait $restarting
ready tokencenter-1 && ready tokencenter-3 && ok "replicas 1 and 3 are ready again after replica 2 was killed and Redis restarted" || ko "replicas 1 and 3 are ready again"
read -r _ _ a1 <<<"$(token tokencenter-1)"; read -r _ _ a3 <<<"$(token tokencenter-3)"
if [ "$bad" -eq 0 ] && [ "${#seen[@]}" -gt 0 ] && [ "$(errcode "$a1")" = 0 ] && [ "$(errcode "$a3")" = 0 ]; then
  ok "no caller saw a token WeChat rejects (${#seen[@]} calls during the restart, then after)"
else
  ko "no caller saw a token WeChat rejects ($bad bad of ${#seen[@]}; after: $(errcode "$a1") $(errcode "$a3"))"
fi
[ "$a1" = "$a3" ] && ok "replicas 1 and 3 still agree" || ko "replicas 1 and 3 still agree"
finish
