#!/usr/bin/env bash
# Active health checks against real nginx backends, read back through
# `ringwayctl stats --json`:
#  - HTTP: a backend whose /health answers 503 leaves rotation after `fall`
#    checks, with no client request involved, and takes no request while
#    out; it keeps that verdict across a route swap, and comes back after
#    `rise` passing checks once /health answers 200 again;
#  - TCP: a port nothing listens on is found down ("connection refused");
#  - TLS: a handshake with a trusted CA passes, one with the wrong CA fails
#    naming "unknown CA"; an HTTP check runs over TLS too;
#  - a backend that requires the PROXY protocol passes HTTP checks sent
#    with a v1 (UNKNOWN) or v2 (LOCAL) header.
set -uo pipefail
source "$(dirname "$0")/support/test_lib.sh"

RINGWAY=$(realpath "$1")
CTL=$(realpath "$2")
WORK=$(mktemp -d /tmp/ringway-health.XXXXXX)
SOCK=$(mktemp -u /tmp/ringway-health-XXXXXX.sock)
need nginx curl python3
cd "$WORK"

"$CTL" certs snakeoil --out "$WORK/t" --name backend-t.internal >/dev/null
"$CTL" certs snakeoil --out "$WORK/stranger" --name stranger >/dev/null

PORT_A=$(free_port); PORT_B=$(free_port); PORT_DEAD=$(free_port)
PORT_T=$(free_port); PORT_P=$(free_port); PORT_P2=$(free_port)
PORT_C=$(free_port)
mkdir -p nginx/logs
cat > nginx/nginx.conf <<CONF
daemon off; master_process off; worker_processes 1;
error_log $WORK/nginx/logs/error.log info; pid $WORK/nginx/nginx.pid;
events { worker_connections 1024; }
http {
  log_format checks '\$server_port \$request_uri \$http_host \$http_user_agent';
  access_log $WORK/nginx/logs/access.log checks;
  server {
    listen 127.0.0.1:${PORT_A};
    location = /health { return 200 "ok\n"; }
    location / { return 200 "backend-a\n"; }
  }
  server {
    listen 127.0.0.1:${PORT_C};
    location / { return 200 "c\n"; }
  }
  server {
    listen 127.0.0.1:${PORT_B};
    location = /health {
      if (-f $WORK/b-down) { return 503 "draining\n"; }
      return 200 "ok\n";
    }
    location / { return 200 "backend-b\n"; }
  }
  server {
    listen 127.0.0.1:${PORT_T} ssl;
    ssl_certificate $WORK/t/cert.pem;
    ssl_certificate_key $WORK/t/key.pem;
    location = /health { return 204; }
  }
  server {
    listen 127.0.0.1:${PORT_P} proxy_protocol;
    listen 127.0.0.1:${PORT_P2} proxy_protocol;
    location = /health { return 200 "ok\n"; }
  }
}
CONF
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" > nginx.out 2>&1 &
PIDS+=($!)
for port in "$PORT_A" "$PORT_B" "$PORT_C" "$PORT_T" "$PORT_P" "$PORT_P2"; do
  wait_port "$port" || { echo "nginx did not start"; cat nginx.out; exit 1; }
done
: > nginx/logs/error.log  # wait_port's own probes are no PROXY headers

table() {  # table EXTRA_LISTENER: the route table, with one more listener
  cat <<CONF
listeners {
  name: "web"
  address: "127.0.0.1:0"
  http { virtual_hosts { locations { path_prefix: "/" upstream_group: "app" } } }
}
$1
upstream_groups {
  name: "app"
  servers { address: "127.0.0.1:${PORT_A}" }
  servers { address: "127.0.0.1:${PORT_B}" name: "b.internal" }
  health_check { type: HTTP http_path: "/health" interval_ms: 200 rise: 2 fall: 2 }
}
upstream_groups {
  name: "tcp"
  servers { address: "127.0.0.1:${PORT_C}" }
  servers { address: "127.0.0.1:${PORT_DEAD}" }
  health_check { interval_ms: 200 fall: 1 }
}
upstream_groups {
  name: "tls-good"
  servers { address: "127.0.0.1:${PORT_T}" }
  tls { verify: true trusted_ca_file: "$WORK/t/cert.pem" name: "backend-t.internal" }
  health_check { type: TLS interval_ms: 300 fall: 3 }
}
upstream_groups {
  name: "tls-wrong"
  servers { address: "127.0.0.1:${PORT_T}" }
  tls { verify: true trusted_ca_file: "$WORK/stranger/cert.pem" name: "backend-t.internal" }
  health_check { type: TLS interval_ms: 200 fall: 1 }
}
upstream_groups {
  name: "https"
  servers { address: "127.0.0.1:${PORT_T}" }
  tls {}
  health_check { type: HTTP http_path: "/health" expected_status: 204 interval_ms: 300 fall: 3 }
}
upstream_groups {
  name: "pp1"
  servers { address: "127.0.0.1:${PORT_P}" }
  send_proxy_protocol: V1
  health_check { type: HTTP http_path: "/health" interval_ms: 300 fall: 3 }
}
upstream_groups {
  name: "pp2"
  servers { address: "127.0.0.1:${PORT_P2}" }
  send_proxy_protocol: V2
  health_check { type: HTTP http_path: "/health" interval_ms: 300 fall: 3 }
}
CONF
}
table "" > table.textproto
"$RINGWAY" --config="$WORK/table.textproto" --admin_socket="$SOCK" \
  --shards="$(nproc)" > ringway.log 2>&1 &
PIDS+=($!)
wait_for ringway.log 'ready: route table' || exit 1
PORT=$(grep -oE 'listener "web" on 127.0.0.1:[0-9]+' ringway.log | grep -oE '[0-9]+$')

# field GROUP PORT KEY: one server's value in `ringwayctl stats --json`.
field() {
  "$CTL" --socket="$SOCK" stats --json | python3 -c '
import json, sys
group, port, key = sys.argv[1:]
for row in json.load(sys.stdin)["stats"]["upstreams"]:
    if row["group"] == group and row["server"].endswith(":" + port):
        print(row[key])' "$@"
}
state_is() { [[ "$(field "$1" "$2" state)" == "$3" ]]; }
checked() { [[ "$(field "$1" "$2" checks_passed)" -ge "$3" ]]; }

# Every shard has checked every server a few times.
until_true 10 checked app "$PORT_A" 6
check "checks ran on A" 0 $?
until_true 10 state_is tcp "$PORT_DEAD" "down (check)"
check "tcp: the dead port is down" "down (check)" "$(field tcp "$PORT_DEAD" state)"
contains "tcp: why" "connect: Connection refused" \
  "$(field tcp "$PORT_DEAD" last_check_failure)"
until_true 10 checked tcp "$PORT_C" 2
check "tcp: the live port is up" "up" "$(field tcp "$PORT_C" state)"
check "tcp: connect only, no request" "" \
  "$(grep -E "^${PORT_C} /" nginx/logs/access.log)"
until_true 10 state_is tls-wrong "$PORT_T" "down (check)"
check "tls: wrong CA is down" "down (check)" "$(field tls-wrong "$PORT_T" state)"
contains "tls: why" "unknown CA" "$(field tls-wrong "$PORT_T" last_check_failure)"
# Servers that must pass: checks passed, state up (a failing check never
# passes; the counts of failures are not asserted, a check may time out on
# a loaded machine).
until_true 10 checked tls-good "$PORT_T" 2
check "tls: trusted CA passes" 0 $?
check "tls: trusted CA is up" "up" "$(field tls-good "$PORT_T" state)"
until_true 10 checked https "$PORT_T" 2
check "http over tls: 204 expected, passes" 0 $?
check "http over tls: up" "up" "$(field https "$PORT_T" state)"
until_true 10 checked pp1 "$PORT_P" 2
check "proxy v1: passes" 0 $?
until_true 10 checked pp2 "$PORT_P2" 2
check "proxy v2: passes" 0 $?
check "proxy: nginx read every header" "" \
  "$(grep -iE 'broken header|PROXY protocol' nginx/logs/error.log)"
contains "the request as sent" \
  "$PORT_B /health b.internal ringway-health-check" \
  "$(cat nginx/logs/access.log)"

# B's /health starts answering 503: out after two checks, no client needed.
touch b-down
until_true 10 state_is app "$PORT_B" "down (check)"
check "http: B out of rotation" "down (check)" "$(field app "$PORT_B" state)"
check "http: why" "status 503" "$(field app "$PORT_B" last_check_failure)"
contains "log: B out" "server 127.0.0.1:${PORT_B} out of rotation: 2 health checks failed in a row (last: status 503)" \
  "$(cat ringway.log)"
seen=$(for _ in $(seq 1 20); do curl -s "http://127.0.0.1:$PORT/"; done | sort | uniq -c | awk '{ print $2 ":" $1 }')
check "http: every request to A while B is out" "backend-a:20" "$seen"

# A route swap keeps the verdict and the counts of servers that stay.
failed_before=$(field app "$PORT_B" checks_failed)
table 'upstream_groups { name: "spare" servers { address: "127.0.0.1:1" } }' \
  > table2.textproto
"$CTL" --socket="$SOCK" routes apply "$WORK/table2.textproto" > apply.out 2>&1
rc=$?; check "route swap applied" 0 $rc; [[ $rc -eq 0 ]] || cat apply.out
check "swap: B still out" "down (check)" "$(field app "$PORT_B" state)"
[[ "$(field app "$PORT_B" checks_failed)" -ge "$failed_before" ]]
check "swap: B's counts kept" 0 $?

# Healthy again: back after `rise` passing checks.
rm b-down
until_true 10 state_is app "$PORT_B" up
check "http: B back in rotation" "up" "$(field app "$PORT_B" state)"
contains "log: B back" "server 127.0.0.1:${PORT_B} back in rotation: 2 health checks passed in a row" \
  "$(cat ringway.log)"
seen=$(for _ in $(seq 1 20); do curl -s "http://127.0.0.1:$PORT/"; done | sort -u | tr '\n' ' ')
check "http: both serve again" "backend-a backend-b " "$seen"

# A group that stops checking puts its servers back at once.
sed -e '/name: "tls-wrong"/,/^}/ s/  health_check .*//' table2.textproto > table3.textproto
"$CTL" --socket="$SOCK" routes apply "$WORK/table3.textproto" > apply.out 2>&1
rc=$?; check "checks removed: applied" 0 $rc; [[ $rc -eq 0 ]] || cat apply.out
check "checks removed: the server is back" "up" "$(field tls-wrong "$PORT_T" state)"
check "checks removed: no check kind" "" "$(field tls-wrong "$PORT_T" check)"

finish
