#!/usr/bin/env bash
# Debian's Prometheus server scrapes a running ringway's admin listener
# while curl clients go through an L4 listener to a Python HTTP backend;
# the values Prometheus stored are the ones the test drove: connections
# accepted per listener, bytes both ways, the upstream server up, the
# connect histogram's count, route table version and readiness.
set -uo pipefail
source "$(dirname "$0")/support/test_lib.sh"

RINGWAY=$(realpath "$1")
WORK=$(mktemp -d /tmp/ringway-prom.XXXXXX)
need prometheus curl python3

BACKEND_PORT=$(free_port)
python3 -m http.server --bind 127.0.0.1 "$BACKEND_PORT" --directory "$WORK" \
  >"$WORK/backend.log" 2>&1 &
PIDS+=($!)
echo "hello from the backend" >"$WORK/hello.txt"
wait_port "$BACKEND_PORT" || exit 1

cat >"$WORK/ringway.textproto" <<CONF
listeners { name: "web-l4" address: "127.0.0.1:0"
  tcp_proxy { upstream_group: "py" } }
upstream_groups { name: "py" servers { address: "127.0.0.1:$BACKEND_PORT" } }
admin { http_address: "127.0.0.1:0" }
CONF
"$RINGWAY" --config="$WORK/ringway.textproto" --shards=2 --admin_socket= \
  >"$WORK/ringway.log" 2>&1 &
PIDS+=($!)
wait_for "$WORK/ringway.log" "ready: route table" || exit 1
L4=$(sed -nE 's/.*listener "web-l4" on (127\.0\.0\.1:[0-9]+).*/\1/p' \
  "$WORK/ringway.log")
ADMIN=$(sed -nE 's/.*admin HTTP on (127\.0\.0\.1:[0-9]+).*/\1/p' \
  "$WORK/ringway.log")
check "ringway's admin listener" "200" \
  "$(curl -s -o /dev/null -w '%{http_code}' "http://$ADMIN/ready")"

PROM_PORT=$(free_port)
cat >"$WORK/prometheus.yml" <<CONF
global: { scrape_interval: 1s, scrape_timeout: 1s }
scrape_configs:
  - job_name: ringway
    static_configs: [{ targets: ["$ADMIN"] }]
CONF
prometheus --config.file="$WORK/prometheus.yml" \
  --storage.tsdb.path="$WORK/data" \
  --web.listen-address="127.0.0.1:$PROM_PORT" >"$WORK/prometheus.log" 2>&1 &
PIDS+=($!)
wait_port "$PROM_PORT" || { cat "$WORK/prometheus.log"; exit 1; }

# The load: 20 requests, a connection each, through ringway.
BODY=$(curl -s "http://$L4/hello.txt")
check "a request through ringway" "hello from the backend" "$BODY"
for _ in $(seq 2 20); do curl -s -o /dev/null "http://$L4/hello.txt"; done

# What Prometheus stored, once a scrape after the load has landed.
query() {  # query PROMQL -> the value of the single sample, or ""
  curl -s --get "http://127.0.0.1:$PROM_PORT/api/v1/query" \
    --data-urlencode "query=$1" | python3 -c '
import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if len(r) == 1 else "")' 2>/dev/null
}
accepted='ringway_listener_connections_accepted_total{listener="web-l4"}'
scraped_after_load() { [[ "$(query "$accepted")" == 20 ]]; }
until_true 20 scraped_after_load ||
  { echo "--- prometheus"; tail -20 "$WORK/prometheus.log"; }
check "scraped: ringway up" "1" "$(query 'up{job="ringway"}')"
check "scraped: connections accepted on web-l4" "20" "$(query "$accepted")"
check "scraped: connections accepted in all" "20" \
  "$(query ringway_connections_accepted_total)"
check "scraped: upstream connects observed" "20" \
  "$(query ringway_upstream_connect_duration_seconds_count)"
check "scraped: the backend in rotation" "1" \
  "$(query 'ringway_upstream_server_up{group="py"}')"
check "scraped: route table version" "1" "$(query ringway_route_table_version)"
check "scraped: ready" "1" "$(query ringway_ready)"
check "scraped: shards" "2" "$(query ringway_shards)"
up_bytes=$(query 'ringway_bytes_total{direction="client_to_upstream"}')
down_bytes=$(query 'ringway_bytes_total{direction="upstream_to_client"}')
check "scraped: request bytes went up" "yes" \
  "$(python3 -c "print('yes' if float('${up_bytes:-0}') > 20 * 50 else 'no')")"
check "scraped: response bytes came down" "yes" \
  "$(python3 -c "print('yes' if float('${down_bytes:-0}') > 20 * 100 else 'no')")"
check "scraped: no errors" "0" \
  "$(query 'sum(ringway_errors_total{reason=~"upstream.*|client_resets"})')"
finish
