#!/usr/bin/env bash
# Upstream failover under load, with real nginx backends and wrk: one of
# two backends is killed (SIGKILL) in the middle of a run and no request is
# lost (refused connects go to the other server, GETs whose server vanished
# before answering are retried there), the dead server is left out of
# rotation (passive health, shown by `ringwayctl stats`), and once it is
# back and fail_timeout has passed it takes requests again.
set -uo pipefail

RINGWAY=$(realpath "$1")
CTL=$(realpath "$2")
WORK=$(mktemp -d /tmp/ringway-failover.XXXXXX)
SOCK=$(mktemp -u /tmp/ringway-failover-XXXXXX.sock)
FAILURES=0
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  sleep 0.2
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null; done
  rm -rf "$WORK"; rm -f "$SOCK"
}
trap cleanup EXIT

check() {
  if [[ "$2" == "$3" ]]; then echo "ok   $1"; else
    echo "FAIL $1: expected [$2], got [$3]"; FAILURES=$((FAILURES + 1)); fi
}
contains() {  # contains NAME NEEDLE TEXT
  if grep -qF -- "$2" <<<"$3"; then echo "ok   $1"; else
    echo "FAIL $1: [$2] not in:"; echo "$3" | head -40; FAILURES=$((FAILURES + 1)); fi
}
wait_for() {
  for _ in $(seq 1 200); do
    grep -qE "$2" "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "timed out waiting for /$2/ in $1:"; cat "$1"; return 1
}
wait_port() {
  for _ in $(seq 1 200); do
    (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}
free_port() {
  python3 -c '
import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
for tool in nginx wrk curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool"; exit 1; }
done
cd "$WORK"

PORT_1=$(free_port); PORT_2=$(free_port)
backend() {  # backend N PORT: starts nginx, prints its pid
  mkdir -p "b$1/logs"
  cat > "b$1/nginx.conf" <<CONF
daemon off; master_process off; worker_processes 1;
error_log $WORK/b$1/logs/error.log crit; pid $WORK/b$1/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off; keepalive_requests 1000000;
  server { listen 127.0.0.1:$2; location / { return 200 "backend-$1\n"; } }
}
CONF
  nginx -p "$WORK/b$1" -c "$WORK/b$1/nginx.conf" > "b$1/stdout" 2>&1 &
  echo $!
}
B1=$(backend 1 "$PORT_1"); PIDS+=("$B1")
B2=$(backend 2 "$PORT_2"); PIDS+=("$B2")
wait_port "$PORT_1" && wait_port "$PORT_2"

cat > table.textproto <<CONF
listeners {
  name: "web"
  address: "127.0.0.1:0"
  http { virtual_hosts { locations { path_prefix: "/" upstream_group: "app" } } }
}
upstream_groups {
  name: "app"
  servers { address: "127.0.0.1:${PORT_1}" }
  servers { address: "127.0.0.1:${PORT_2}" }
  max_fails: 1
  fail_timeout_ms: 1500
}
CONF
"$RINGWAY" --config="$WORK/table.textproto" --admin_socket="$SOCK" \
  --shards="$(nproc)" > ringway.log 2>&1 &
PIDS+=($!)
wait_for ringway.log 'ready: route table' || exit 1
PORT=$(grep -oE 'listener "web" on 127.0.0.1:[0-9]+' ringway.log | grep -oE '[0-9]+$')

# Both serve before the kill.
seen=$(for _ in $(seq 1 8); do curl -s "http://127.0.0.1:$PORT/"; done | sort -u | tr '\n' ' ')
check "both backends in rotation" "backend-1 backend-2 " "$seen"

# Load, and backend 1 killed in the middle of it.
wrk -t2 -c16 -d4s "http://127.0.0.1:$PORT/" > wrk.out 2>&1 &
WRK=$!
sleep 1.5
kill -9 "$B1"
wait "$WRK"
cat wrk.out
requests=$(awk '/requests in/ { print $1 }' wrk.out)
[[ "${requests:-0}" -gt 100 ]]
check "the load ran (requests > 100)" 0 $?
check "no non-2xx response during the kill" "" \
  "$(grep -E 'Non-2xx' wrk.out)"
check "no socket error during the kill" "" "$(grep -E 'Socket errors' wrk.out)"
grep -E " 50[24] |retried" ringway.log | head -20

stats=$("$CTL" --socket="$SOCK" stats)
echo "$stats" | sed -n '/^group/,$p'
row1=$(grep -E "^app +127.0.0.1:${PORT_1} " <<<"$stats")
row2=$(grep -E "^app +127.0.0.1:${PORT_2} " <<<"$stats")
contains "stats: the killed server marked down" "down" "$row1"
contains "stats: the other one up" " up " "$row2"

# Back, and in rotation once fail_timeout has passed.
B1=$(backend 1 "$PORT_1"); PIDS+=("$B1")
wait_port "$PORT_1"
sleep 1.6
seen=""
for _ in $(seq 1 40); do
  seen+=$(curl -s "http://127.0.0.1:$PORT/")$'\n'
done
contains "the restarted backend takes requests again" "backend-1" "$seen"
row1=$(grep -E "^app +127.0.0.1:${PORT_1} " <<<"$("$CTL" --socket="$SOCK" stats)")
contains "stats: back up" " up " "$row1"

echo "$FAILURES failure(s)"
[[ $FAILURES -eq 0 ]]
