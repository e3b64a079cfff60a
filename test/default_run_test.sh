#!/usr/bin/env bash
# The README's quick start as a newcomer runs it: ringway with no arguments
# generates a self-signed certificate into its state directory (key mode
# 0600, kept across restarts), serves https://localhost:8443/ through the
# demo backend, which shows the forwarded headers, redirects
# http://localhost:8080/ there except ACME challenges, and answers
# ringwayctl. Uses the demo's fixed ports; skips if they are taken.
set -uo pipefail

RINGWAY=$(realpath "$1")
CTL=$(realpath "$2")
WORK=$(mktemp -d "${TEST_TMPDIR:-/tmp}/ringway-default.XXXXXX")
FAILURES=0
PID=""
cleanup() {
  [[ -n "$PID" ]] && kill -9 "$PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

check() {  # check NAME EXPECTED ACTUAL
  if [[ "$2" == "$3" ]]; then echo "ok   $1"; else
    echo "FAIL $1: expected [$2], got [$3]"; FAILURES=$((FAILURES + 1)); fi
}
contains() {  # contains NAME NEEDLE TEXT
  if grep -qF -- "$2" <<<"$3"; then echo "ok   $1"; else
    echo "FAIL $1: [$2] not in:"; echo "$3"; FAILURES=$((FAILURES + 1)); fi
}

# "listening" while anything still accepts on PORT, else "free". A bash
# connect, not a program: it must run within milliseconds of the exit.
port_state() {  # port_state PORT
  if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then echo listening;
  else echo free; fi
}

for port in 8443 8080 8081; do
  if [[ "$(port_state "$port")" == listening ]]; then
    echo "SKIP: port $port is in use on this machine"
    exit 0
  fi
done

start() {
  # The admin socket where ringway and ringwayctl look by default, as the
  # README runs them.
  "$RINGWAY" --state_dir="$WORK/state" --shards=2 \
    > "$WORK/out.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 200); do
    grep -q "ready:" "$WORK/out.log" && return 0
    sleep 0.05
  done
  echo "ringway did not start:"; cat "$WORK/out.log"; exit 1
}
stop() {
  kill -TERM "$PID"; wait "$PID"; check "exit 0 after SIGTERM" 0 $?; PID=""
}

start
KEY="$WORK/state/snakeoil/key.pem"
CERT="$WORK/state/snakeoil/cert.pem"
check "key mode 0600" 600 "$(stat -c %a "$KEY")"
contains "certificate for localhost" "localhost" \
  "$(openssl x509 -in "$CERT" -noout -ext subjectAltName 2>&1)"

reply=$(curl -sS --max-time 5 --cacert "$CERT" https://localhost:8443/hello 2>&1)
contains "https through the demo" "Hello from ringway's demo backend" "$reply"
contains "forwarded proto" "X-Forwarded-Proto: https" "$reply"
contains "forwarded for" "X-Forwarded-For: 127.0.0.1" "$reply"
head=$(curl -sS --max-time 5 -k -D - -o /dev/null https://localhost:8443/ 2>&1)
contains "HSTS added" "Strict-Transport-Security: max-age=63072000" "$head"

head=$(curl -sS --max-time 5 -D - -o /dev/null "http://localhost:8080/a?b=c" 2>&1)
contains "redirect status" "HTTP/1.1 301" "$head"
contains "redirect target" "Location: https://localhost:8443/a?b=c" "$head"
reply=$(curl -sS --max-time 5 http://localhost:8080/.well-known/acme-challenge/tok 2>&1)
contains "ACME path proxied" "GET /.well-known/acme-challenge/tok" "$reply"

SOCK=$(sed -nE 's/.*ready: .*; admin socket (.+)$/\1/p' "$WORK/out.log")
check "admin socket mode 0600" 600 "$(stat -c %a "$SOCK" 2>&1)"
check "its directory is ringway's: mode 0700" "700 $(id -u)" \
  "$(stat -c '%a %u' "$(dirname "$SOCK")" 2>&1)"
stats=$("$CTL" stats 2>&1)
contains "ringwayctl stats (default socket)" "tls_handshakes" "$stats"
stop
# A restart right after the exit (systemctl restart) finds the ports free:
# the listeners stopped listening before ringway exited, not when the
# kernel got round to tearing its rings down (up to ~100 ms later).
check "https port free at exit" free "$(port_state 8443)"
check "http port free at exit" free "$(port_state 8080)"

# A second start keeps the installation's certificate.
before=$(sha256sum "$CERT")
start
check "certificate kept across restarts" "$before" "$(sha256sum "$CERT")"
reply=$(curl -sS --max-time 5 --cacert "$CERT" https://localhost:8443/ 2>&1)
contains "https after restart" "Hello from ringway's demo backend" "$reply"
stop

echo "$FAILURES failure(s)"
[[ $FAILURES -eq 0 ]]
