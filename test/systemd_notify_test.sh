#!/usr/bin/env bash
# systemd's notification protocol with a real datagram socket standing in
# for systemd (NOTIFY_SOCKET): READY=1 once ringway serves, WATCHDOG=1
# pings under WATCHDOG_USEC, RELOADING=1 then READY=1 around a route table
# apply (none for a rejected one), STOPPING=1 on SIGTERM. And the example
# unit file passes `systemd-analyze verify` but for the absent binaries.
set -uo pipefail
source "$(dirname "$0")/support/test_lib.sh"

RINGWAY=$(realpath "$1")
CTL=$(realpath "$2")
UNIT=$(realpath "$3")
WORK=$(mktemp -d /tmp/ringway-notify.XXXXXX)
SOCK=$(mktemp -u /tmp/ringway-notify-XXXXXX.sock)
need python3
cd "$WORK"

# The stand-in for systemd: one line per datagram, newlines as " | ".
python3 -u -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("bound", flush=True)
while True:
    data = s.recv(4096).decode()
    print(data.replace("\n", " | "), flush=True)
' "$WORK/notify.sock" > notify.log 2>&1 &
PIDS+=($!)
wait_for notify.log '^bound' || exit 1

table() {  # table GROUP_PORT
  cat <<CONF
listeners {
  name: "web"
  address: "127.0.0.1:0"
  tcp_proxy { upstream_group: "app" }
}
upstream_groups { name: "app" servers { address: "127.0.0.1:$1" } }
CONF
}
table 9 > table.textproto
NOTIFY_SOCKET="$WORK/notify.sock" WATCHDOG_USEC=300000 \
  "$RINGWAY" --config="$WORK/table.textproto" --admin_socket="$SOCK" \
  --shards=2 > ringway.log 2>&1 &
RINGWAY_PID=$!
PIDS+=("$RINGWAY_PID")
wait_for notify.log '^READY=1' || exit 1
contains "READY with a status" \
  "READY=1 | STATUS=serving 1 listener(s), route table version 1" \
  "$(cat notify.log)"
grep -q "ready: route table" ringway.log
check "the ready line is logged too" 0 $?

watchdog_pings() { [[ $(grep -c '^WATCHDOG=1' notify.log) -ge "$1" ]]; }
until_true 10 watchdog_pings 3
check "watchdog pinged (every 150 ms, after the shards answer)" 0 $?

table 10 > table2.textproto
"$CTL" --socket="$SOCK" routes apply "$WORK/table2.textproto" > apply.out 2>&1
check "apply" 0 $?
wait_for notify.log 'STATUS=route table version 2' || exit 1
sequence=$(grep -E '^(RELOADING|READY)' notify.log | sed 's/ |.*//' | tr '\n' ' ')
check "RELOADING then READY around the apply" "READY=1 RELOADING=1 READY=1 " \
  "$sequence"
contains "MONOTONIC_USEC with RELOADING" "RELOADING=1 | MONOTONIC_USEC=" \
  "$(cat notify.log)"

echo 'listeners { name: "web" address: "127.0.0.1:0" tcp_proxy { upstream_group: "nope" } }' > bad.textproto
"$CTL" --socket="$SOCK" routes apply "$WORK/bad.textproto" > apply.out 2>&1
check "a bad table is rejected" 1 $?
check "no RELOADING for a rejected table" 1 "$(grep -c '^RELOADING=1' notify.log)"

kill -TERM "$RINGWAY_PID"
wait "$RINGWAY_PID"
check "ringway exits 0 after the drain" 0 $?
wait_for notify.log '^STOPPING=1' || exit 1
contains "STOPPING when the drain starts" "STOPPING=1 | STATUS=draining" \
  "$(cat notify.log)"

# Without NOTIFY_SOCKET nothing is sent and nothing fails.
"$RINGWAY" --config="$WORK/table.textproto" --admin_socket="" \
  --shards=1 > plain.log 2>&1 &
PLAIN=$!
PIDS+=("$PLAIN")
wait_for plain.log 'ready: route table' || exit 1
kill -TERM "$PLAIN"; wait "$PLAIN"
check "without systemd: runs and stops cleanly" 0 $?
check "without systemd: no sd_notify warning" "" "$(grep sd_notify plain.log)"

if command -v systemd-analyze >/dev/null; then
  verify=$(systemd-analyze verify "$UNIT" 2>&1 | grep -v "is not executable")
  check "the example unit verifies (but for the absent binaries)" "" "$verify"
fi

if [[ $FAILURES -ne 0 ]]; then echo "--- notify.log:"; cat notify.log; echo "--- ringway.log:"; tail -20 ringway.log; fi
finish
