#!/usr/bin/env bash
# The ringway and ringwayctl binaries as an operator runs them: --validate,
# start-up errors, relaying curl through a real HTTP backend, every
# ringwayctl command with its exit code, and SIGTERM draining to exit 0.
set -uo pipefail

RINGWAY=$(realpath "$1")
CTL=$(realpath "$2")
WORK=$(mktemp -d "${TEST_TMPDIR:-/tmp}/ringway-process.XXXXXX")
FAILURES=0
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null; done
  rm -rf "$WORK"; rm -f "${SOCK:-}"
}
trap cleanup EXIT

check() {  # check NAME EXPECTED ACTUAL
  if [[ "$2" == "$3" ]]; then
    echo "ok   $1"
  else
    echo "FAIL $1: expected [$2], got [$3]"
    FAILURES=$((FAILURES + 1))
  fi
}
contains() {  # contains NAME NEEDLE FILE
  if grep -qF -- "$2" "$3"; then
    echo "ok   $1"
  else
    echo "FAIL $1: [$2] not in $3:"; cat "$3"
    FAILURES=$((FAILURES + 1))
  fi
}
wait_for() {  # wait_for FILE PATTERN: up to 10 s
  for _ in $(seq 1 200); do
    grep -qE "$2" "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}

# A real HTTP backend on a kernel-chosen port.
mkdir -p "$WORK/www" && echo "served by the test backend" > "$WORK/www/index.html"
python3 -c '
import http.server, socketserver, sys, os
os.chdir(sys.argv[1])
class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a): pass
s = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Quiet)
print(s.server_address[1], flush=True)
s.serve_forever()' "$WORK/www" > "$WORK/backend.port" &
PIDS+=($!)
wait_for "$WORK/backend.port" '^[0-9]+$' || { echo "backend did not start"; exit 1; }
BACKEND_PORT=$(head -1 "$WORK/backend.port")

cat > "$WORK/good.textproto" <<CONF
listeners { name: "web" address: "127.0.0.1:0" tcp_proxy { upstream_group: "app" } }
upstream_groups { name: "app" servers { address: "127.0.0.1:${BACKEND_PORT}" } }
CONF
cat > "$WORK/bad.textproto" <<CONF
listeners { name: "web" address: "127.0.0.1:0" tcp_proxy { upstream_group: "nope" } }
upstream_groups { name: "app" servers { address: "127.0.0.1:99999" } }
CONF
sed 's/upstream_groups { name: "app"/upstream_groups { name: "app" connect_timeout_ms: 900/' \
  "$WORK/good.textproto" > "$WORK/changed.textproto"

# --validate, like nginx -t.
"$RINGWAY" --config="$WORK/good.textproto" --validate > "$WORK/v.out" 2>&1
check "validate good exits 0" 0 $?
contains "validate good says ok" ": ok (1 listeners, 1 upstream groups" "$WORK/v.out"
"$RINGWAY" --config="$WORK/bad.textproto" --validate > "$WORK/v.out" 2>&1
check "validate bad exits 1" 1 $?
contains "validate names the field" 'listeners[0].tcp_proxy.upstream_group: unknown upstream group "nope"' "$WORK/v.out"
contains "validate lists every error" "upstream_groups[0].servers[0].address: bad port" "$WORK/v.out"

# Start-up errors: one line naming the cause, non-zero exit.
"$RINGWAY" --config="$WORK/missing.textproto" > "$WORK/e.out" 2>&1
check "missing config exits 1" 1 $?
contains "missing config line" "ringway: error: cannot read config $WORK/missing.textproto" "$WORK/e.out"
"$RINGWAY" --config="$WORK/bad.textproto" --admin_socket= > "$WORK/e.out" 2>&1
check "bad config exits 1" 1 $?
contains "bad config line" "ringway: error: bad config" "$WORK/e.out"
# Port in use: something already listens on the backend's port.
sed "s/127.0.0.1:0/127.0.0.1:${BACKEND_PORT}/" "$WORK/good.textproto" > "$WORK/busy.textproto"
"$RINGWAY" --config="$WORK/busy.textproto" --admin_socket= > "$WORK/e.out" 2>&1
check "port in use exits 1" 1 $?
contains "port in use line" "Address already in use" "$WORK/e.out"

# Run it.
# Unix socket paths are limited to 107 bytes: keep it short.
SOCK=$(mktemp -u /tmp/ringway-test.XXXXXX.sock)
"$RINGWAY" --config="$WORK/good.textproto" --admin_socket="$SOCK" --shards=2 \
  > "$WORK/ringway.log" 2>&1 &
RINGWAY_PID=$!
PIDS+=($RINGWAY_PID)
wait_for "$WORK/ringway.log" 'ready: route table version 1' || { cat "$WORK/ringway.log"; exit 1; }
PORT=$(grep -oE 'listener "web" on 127.0.0.1:[0-9]+' "$WORK/ringway.log" | grep -oE '[0-9]+$')

check "curl through ringway" "served by the test backend" \
  "$(curl -s --max-time 5 "http://127.0.0.1:${PORT}/index.html")"

"$CTL" --socket="$SOCK" routes show > "$WORK/show.out"
check "routes show exits 0" 0 $?
contains "routes show version" "version: 1" "$WORK/show.out"
contains "routes show source" "source: $WORK/good.textproto" "$WORK/show.out"

"$CTL" --socket="$SOCK" routes apply "$WORK/bad.textproto" > "$WORK/apply.out" 2>&1
check "apply bad exits 1" 1 $?
contains "apply bad prints every error" 'unknown upstream group "nope"' "$WORK/apply.out"
contains "apply bad keeps the table" "the running route table is unchanged" "$WORK/apply.out"

"$CTL" --socket="$SOCK" routes diff "$WORK/changed.textproto" > "$WORK/diff.out"
check "diff exits 0" 0 $?
contains "diff shows the change" "+   connect_timeout_ms: 900" "$WORK/diff.out"

"$CTL" --socket="$SOCK" routes apply "$WORK/changed.textproto" > "$WORK/apply.out"
check "apply good exits 0" 0 $?
contains "apply good names version 2" "applied: version 2" "$WORK/apply.out"
"$CTL" --socket="$SOCK" routes show --json > "$WORK/show.json"
check "show --json is JSON with version 2" 2 \
  "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["route_table"]["version"])' "$WORK/show.json")"

"$CTL" --socket="$SOCK" routes rollback > "$WORK/rb.out"
check "rollback exits 0" 0 $?
contains "rollback names the version" "rollback to version 1" "$WORK/rb.out"

check "curl after swaps" "served by the test backend" \
  "$(curl -s --max-time 5 "http://127.0.0.1:${PORT}/index.html")"
"$CTL" --socket="$SOCK" stats --json > "$WORK/stats.json"
check "stats --json counts connections" 2 \
  "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["stats"]["total"]["connections_total"])' "$WORK/stats.json")"
"$CTL" --socket="$SOCK" stats > "$WORK/stats.txt"
contains "stats table has per-shard columns" "shard1/cpu" "$WORK/stats.txt"

"$CTL" --socket="$SOCK" routes frobnicate > /dev/null 2>&1
check "usage error exits 2" 2 $?
"$CTL" --socket=/tmp/ringway-nobody-$$.sock routes show > "$WORK/unreach.out" 2>&1
check "unreachable socket exits 2" 2 $?
contains "unreachable says why" "cannot reach ringway's admin socket" "$WORK/unreach.out"

# A second ringway must not steal the admin socket.
sed 's/127.0.0.1:0/127.0.0.1:0/' "$WORK/good.textproto" > "$WORK/second.textproto"
"$RINGWAY" --config="$WORK/second.textproto" --admin_socket="$SOCK" > "$WORK/e.out" 2>&1
check "second ringway on same admin socket exits 1" 1 $?
contains "admin socket in use line" "is in use by another process" "$WORK/e.out"

kill -TERM "$RINGWAY_PID"
wait "$RINGWAY_PID"
check "SIGTERM drains and exits 0" 0 $?
contains "drain logged" "Terminated: draining" "$WORK/ringway.log"
[[ -e "$SOCK" ]] && check "admin socket removed" "gone" "present" || check "admin socket removed" gone gone

# Out of file descriptors: accept fails with EMFILE while clients hold
# connections open; ringway backs off instead of spinning, and serves again
# once descriptors are free. The hard limit keeps ringway from raising it.
# The listener waits for a PROXY header (optional), so a silent client holds
# one descriptor and no upstream socket: accept, not socket(), runs out.
sed 's/tcp_proxy { upstream_group: "app" }/tcp_proxy { upstream_group: "app" } proxy_protocol { trusted_cidrs: "127.0.0.1" }/' \
  "$WORK/good.textproto" > "$WORK/peek.textproto"
SOCK2=$(mktemp -u /tmp/ringway-test.XXXXXX.sock)
(ulimit -Sn 40 -Hn 40; exec "$RINGWAY" --config="$WORK/peek.textproto" \
  --admin_socket="$SOCK2" --shards=1 > "$WORK/emfile.log" 2>&1) &
EMFILE_PID=$!
PIDS+=($EMFILE_PID)
wait_for "$WORK/emfile.log" 'ready: route table version 1' || { cat "$WORK/emfile.log"; exit 1; }
PORT2=$(grep -oE 'listener "web" on 127.0.0.1:[0-9]+' "$WORK/emfile.log" | grep -oE '[0-9]+$')
mkfifo "$WORK/release"
python3 -c '
import socket, sys, time
held = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(40)]
print("holding", flush=True)
open(sys.argv[2]).read()  # until the test says release
for s in held: s.close()
' "$PORT2" "$WORK/release" > "$WORK/holder.out" &
HOLDER_PID=$!
PIDS+=($HOLDER_PID)
wait_for "$WORK/holder.out" '^holding'
contains "a client holds 40 connections" holding "$WORK/holder.out"
# ringway logs the refused accept; its admin socket cannot answer until
# descriptors are free, so the counter is read after the release.
wait_for "$WORK/emfile.log" 'accept on listener "web": Too many open files'
contains "EMFILE logged" 'accept on listener "web": Too many open files' "$WORK/emfile.log"
echo release > "$WORK/release"
wait "$HOLDER_PID"
# The released connections drain first (some still queued in the backlog,
# accepted after the back-off): poll, bounded, for the first answer.
served=""
for _ in $(seq 1 50); do
  served=$(curl -s --max-time 2 "http://127.0.0.1:${PORT2}/index.html")
  [[ -n "$served" ]] && break
  sleep 0.1
done
check "serves again once descriptors are free" "served by the test backend" \
  "$served"
check "EMFILE counted as an accept error" yes "$("$CTL" --socket="$SOCK2" stats --json |
  python3 -c 'import json,sys; print("yes" if int(json.load(sys.stdin)["stats"]["total"]["accept_errors"]) >= 1 else "no")')"
kill -TERM "$EMFILE_PID"
wait "$EMFILE_PID"
check "EMFILE ringway drains and exits 0" 0 $?
rm -f "$SOCK2"

echo "process_test: $FAILURES failure(s)"
exit $((FAILURES > 0))
