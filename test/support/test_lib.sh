# Shared by the shell integration tests under test/: result lines, bounded
# waits, ports, and cleanup of the processes a test started.
#
#   source "$(dirname "$0")/support/test_lib.sh"
#   WORK=$(mktemp -d ...); PIDS+=("$pid")     # killed on exit
#   check "name" expected actual; contains "name" needle text
#   wait_for LOG REGEX; wait_port PORT; until_true 10 CMD...
#   finish                                    # the summary and exit status

FAILURES=0
PIDS=()
WORK=""
SOCK=""

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  sleep 0.2
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null; done
  [[ -n "$WORK" ]] && rm -rf "$WORK"
  [[ -n "$SOCK" ]] && rm -f "$SOCK"
}
trap cleanup EXIT

check() {  # check NAME EXPECTED ACTUAL
  if [[ "$2" == "$3" ]]; then echo "ok   $1"; else
    echo "FAIL $1: expected [$2], got [$3]"; FAILURES=$((FAILURES + 1)); fi
}
contains() {  # contains NAME NEEDLE TEXT
  if grep -qF -- "$2" <<<"$3"; then echo "ok   $1"; else
    echo "FAIL $1: [$2] not in:"; echo "$3" | head -40; FAILURES=$((FAILURES + 1)); fi
}
# Up to 10 s for a line matching REGEX in FILE.
wait_for() {  # wait_for FILE REGEX
  for _ in $(seq 1 200); do
    grep -qE "$2" "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "timed out waiting for /$2/ in $1:"; cat "$1"; return 1
}
# Up to 10 s for a listener on 127.0.0.1:PORT. Connects and closes without
# sending a byte, so a server that parses what comes first (TLS, PROXY
# headers) sees no garbage.
wait_port() {  # wait_port PORT
  for _ in $(seq 1 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "port $1 never opened"; return 1
}
# Runs CMD every 50 ms until it succeeds, for SECONDS at most.
until_true() {  # until_true SECONDS CMD...
  local tries=$(($1 * 20)); shift
  for _ in $(seq 1 "$tries"); do
    "$@" && return 0
    sleep 0.05
  done
  return 1
}
# A port nothing listens on now (bound to 0, then released).
free_port() {
  python3 -c '
import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
need() {  # need TOOL...: fail at once when a peer program is missing
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "missing $tool"; exit 1; }
  done
}
# On a failure, the last lines of every log the test kept under $WORK
# (ringway's, the peers'), so a failure seen once in CI can be read.
dump_logs() {
  [[ -n "$WORK" && -d "$WORK" ]] || return 0
  local log
  while IFS= read -r log; do
    echo "--- ${log#"$WORK"/} (last 40 lines):"
    tail -n 40 "$log"
  done < <(find "$WORK" -maxdepth 3 -name '*.log' -size +0 | sort)
}
finish() {
  echo "$FAILURES failure(s)"
  [[ $FAILURES -eq 0 ]] || dump_logs
  [[ $FAILURES -eq 0 ]]
}
