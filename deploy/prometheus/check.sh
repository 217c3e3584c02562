#!/usr/bin/env bash
# Checks the alert rules, runs their unit tests and checks the dashboard; prints "alerts: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"
pass=0; fail=0
if promtool check rules alerts.yml; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
if out=$(promtool test rules alerts.test.yml 2>&1); then pass=$((pass + 1)); else fail=$((fail + 1)); echo "$out"; fi
# The dashboard is valid JSON and uses only metrics that docs/operations.md documents.
documented=$(grep -o '^| `tokencenter_[a-z_]*`' ../../docs/operations.md | tr -d '|` ' | sort -u)
if python3 -m json.tool ../grafana/tokencenter.json >/dev/null; then
  unknown=$(grep -o 'tokencenter_[a-z_]*' ../grafana/tokencenter.json alerts.yml | cut -d: -f2 | sed 's/_bucket$//' | sort -u | grep -vxF "$documented" || true)
  if [ -z "$unknown" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "undocumented metrics used: $unknown"; fi
else
  fail=$((fail + 1)); echo "deploy/grafana/tokencenter.json is not valid JSON"
fi
echo "alerts: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
