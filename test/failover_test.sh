#!/usr/bin/env bash
# Upstream failover under load, with real nginx backends and wrk: one of
# two backends is killed (SIGKILL) in the middle of a run and no request is
# lost (refused connects go to the other server, GETs whose server vanished
# before answering are retried there); the dead server is left out of
# rotation (passive health marks it down at once, shown by `ringwayctl
# stats`), its active health checks keep failing while it is gone, and once
# it is back they pass and it takes requests again.
set -uo pipefail
source "$(dirname "$0")/support/test_lib.sh"

RINGWAY=$(realpath "$1")
CTL=$(realpath "$2")
WORK=$(mktemp -d /tmp/ringway-failover.XXXXXX)
SOCK=$(mktemp -u /tmp/ringway-failover-XXXXXX.sock)
need nginx wrk curl python3
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
  health_check { type: HTTP interval_ms: 300 rise: 2 fall: 2 }
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

# field PORT KEY: the server's value in `ringwayctl stats --json`.
field() {
  "$CTL" --socket="$SOCK" stats --json | python3 -c '
import json, sys
port, key = sys.argv[1:]
for row in json.load(sys.stdin)["stats"]["upstreams"]:
    if row["server"].endswith(":" + port):
        print(row[key])' "$@"
}
state_is() { [[ "$(field "$1" state)" == "$2" ]]; }
"$CTL" --socket="$SOCK" stats | sed -n '/^group/,$p'
check "stats: the killed server marked down" "down (check)" \
  "$(field "$PORT_1" state)"
check "stats: the other one up" "up" "$(field "$PORT_2" state)"
failed=$(field "$PORT_1" checks_failed)
failed_more_than() { [[ "$(field "$PORT_1" checks_failed)" -gt "$1" ]]; }
until_true 10 failed_more_than "$failed"
check "stats: its checks fail while it is gone" 0 $?
contains "stats: why" "connect: Connection refused" \
  "$(field "$PORT_1" last_check_failure)"

# Back, and in rotation once its health checks pass.
B1=$(backend 1 "$PORT_1"); PIDS+=("$B1")
wait_port "$PORT_1"
until_true 10 state_is "$PORT_1" up
check "stats: back up after passing checks" "up" "$(field "$PORT_1" state)"
contains "log: back in rotation" \
  "server 127.0.0.1:${PORT_1} back in rotation: 2 health checks passed" \
  "$(cat ringway.log)"
seen=""
for _ in $(seq 1 40); do
  seen+=$(curl -s "http://127.0.0.1:$PORT/")$'\n'
done
contains "the restarted backend takes requests again" "backend-1" "$seen"

finish
