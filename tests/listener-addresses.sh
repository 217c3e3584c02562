# Sourced by the shell test drivers. wait_for_listeners LOG PID SECONDS: waits until the TokenServer
# writing LOG (started with Listeners:Grpc/Web on port 0) logs its startup banner, then sets grpc_port
# and web_port from it. Fails if the process exits or the time runs out.
wait_for_listeners() {
  local log=$1 pid=$2 seconds=$3 line i
  for i in $(seq 1 $((seconds * 10))); do
    line=$(grep -m1 -o 'gRPC (HTTP/2) on http[s]*://[^ ,]*, web .* on http[s]*://[^ ,]*' "$log" 2>/dev/null)
    if [ -n "$line" ]; then
      grpc_port=$(sed -n 's|^gRPC (HTTP/2) on http[s]*://[^ ,]*:\([0-9]*\),.*|\1|p' <<<"$line")
      web_port=$(sed -n 's|.* on http[s]*://[^ ,]*:\([0-9]*\)$|\1|p' <<<"$line")
      [ -n "$grpc_port" ] && [ -n "$web_port" ] && return 0
    fi
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
