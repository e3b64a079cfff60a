#!/usr/bin/env bash
# Access logs, tried as an operator would: ringway (2 shards) with an L4
# listener, a TLS passthrough listener and an HTTPS listener, each logging
# to a file; curl and openssl as clients, a Python HTTP server and
# `openssl s_server` as backends. Every line must be valid JSON and say
# what happened: the real client, SNI/ALPN/TLS, route, upstream, status,
# bytes each way, durations and how it ended. Then logrotate's way: the
# file is moved, SIGUSR1 reopens it, later lines land in the new file and
# none is lost.
set -uo pipefail
source "$(dirname "$0")/support/test_lib.sh"

RINGWAY=$(realpath "$1")
WORK=$(mktemp -d /tmp/ringway-access.XXXXXX)
need curl openssl python3

# Backends: plain HTTP, and TLS for the passthrough listener.
BACKEND_PORT=$(free_port)
printf 'hello from the backend\n' >"$WORK/hello.txt"
python3 -m http.server --bind 127.0.0.1 "$BACKEND_PORT" --directory "$WORK" \
  >"$WORK/backend.log" 2>&1 &
PIDS+=($!)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout "$WORK/site.key" -out "$WORK/site.pem" -days 2 \
  -subj "/CN=site.test" -addext "subjectAltName=DNS:site.test" 2>/dev/null
TLS_PORT=$(free_port)
openssl s_server -accept "127.0.0.1:$TLS_PORT" -cert "$WORK/site.pem" \
  -key "$WORK/site.key" -www -alpn h2,http/1.1 >"$WORK/s_server.log" 2>&1 &
PIDS+=($!)
wait_port "$BACKEND_PORT" || exit 1
wait_port "$TLS_PORT" || exit 1
# A backend for bursts of connections: a deep backlog, reads to EOF and
# closes; it binds port 0 and says which port it got.
python3 - "$WORK/sink.port" >"$WORK/sink.log" 2>&1 <<'PY' &
import selectors, socket, sys
server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen(1024)
server.setblocking(False)
open(sys.argv[1] + ".tmp", "w").write(str(server.getsockname()[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
sel = selectors.DefaultSelector()
sel.register(server, selectors.EVENT_READ)
while True:
    for key, _ in sel.select():
        if key.fileobj is server:
            conn, _ = server.accept()
            conn.setblocking(False)
            sel.register(conn, selectors.EVENT_READ)
        else:
            try:
                data = key.fileobj.recv(4096)
            except ConnectionError:
                data = b""
            if not data:
                sel.unregister(key.fileobj)
                key.fileobj.close()
PY
PIDS+=($!)
until_true 5 test -s "$WORK/sink.port"
SINK_PORT=$(cat "$WORK/sink.port")

cat >"$WORK/ringway.textproto" <<CONF
listeners { name: "l4" address: "127.0.0.1:0"
  tcp_proxy { upstream_group: "py" }
  access_log { path: "$WORK/access.log" } }
listeners { name: "sni" address: "127.0.0.1:0"
  tls_passthrough { routes { server_names: "site.test" upstream_group: "tls" } }
  access_log { path: "$WORK/access.log" } }
listeners { name: "web" address: "127.0.0.1:0"
  https {
    tls { certificates { cert_file: "$WORK/site.pem" key_file: "$WORK/site.key" } }
    virtual_hosts { server_names: "site.test"
      locations { path_prefix: "/" upstream_group: "py" } }
  }
  access_log { path: "$WORK/web.log" } }
listeners { name: "quiet" address: "127.0.0.1:0"
  tcp_proxy { upstream_group: "py" } }
listeners { name: "burst" address: "127.0.0.1:0"
  tcp_proxy { upstream_group: "sink" }
  access_log { path: "$WORK/burst.log" } }
upstream_groups { name: "py" servers { address: "127.0.0.1:$BACKEND_PORT" } }
upstream_groups { name: "sink" servers { address: "127.0.0.1:$SINK_PORT" } }
upstream_groups { name: "tls" servers { address: "127.0.0.1:$TLS_PORT" } }
admin { http_address: "127.0.0.1:0" }
CONF
"$RINGWAY" --config="$WORK/ringway.textproto" --shards=2 --admin_socket= \
  >"$WORK/ringway.log" 2>&1 &
RINGWAY_PID=$!
PIDS+=($RINGWAY_PID)
wait_for "$WORK/ringway.log" "ready: route table" || exit 1
address_of() {
  sed -nE "s/.*listener \"$1\" on (127\.0\.0\.1:[0-9]+).*/\1/p" \
    "$WORK/ringway.log"
}
L4=$(address_of l4)
SNI=$(address_of sni)
WEB=$(address_of web)
QUIET=$(address_of quiet)
BURST=$(address_of burst)
ADMIN=$(sed -nE 's/.*admin HTTP on (127\.0\.0\.1:[0-9]+).*/\1/p' \
  "$WORK/ringway.log")

# Lines of FILE whose field KEY is VALUE, as JSON objects (one a line);
# exits non-zero (failing the caller's check) on a line that is not JSON.
lines() {  # lines FILE KEY VALUE
  python3 - "$@" <<'PY'
import json, sys
path, key, value = sys.argv[1:4]
for number, text in enumerate(open(path), 1):
    try:
        line = json.loads(text)
    except ValueError as error:
        print(f"line {number} is not JSON: {error}: {text!r}", file=sys.stderr)
        sys.exit(1)
    if str(line.get(key)) == value:
        print(json.dumps(line, sort_keys=True))
PY
}
field() {  # field KEY < one JSON line
  python3 -c 'import json,sys; v=json.loads(sys.stdin.readline())[sys.argv[1]]; print("null" if v is None else v)' "$1"
}
count_lines() { wc -l <"$1" | tr -d ' '; }
# True once FILE has at least N lines (KEY VALUE: N such lines); for
# until_true, which runs it again each time.
has_lines() {  # has_lines FILE N [KEY VALUE]
  [[ -f "$1" ]] || return 1
  if (($# == 4)); then
    (($(lines "$1" "$3" "$4" | wc -l) >= $2))
  else
    (($(count_lines "$1") >= $2))
  fi
}

# --- L4: 5 requests, a connection each ---
for _ in 1 2 3 4 5; do
  check "a request through the L4 listener" "hello from the backend" \
    "$(curl -s "http://$L4/hello.txt")"
done
curl -s -o /dev/null "http://$QUIET/hello.txt"  # not logged
until_true 5 has_lines "$WORK/access.log" 5 listener l4
L4_LINES=$(lines "$WORK/access.log" listener l4)
check "one line per L4 connection" 5 "$(wc -l <<<"$L4_LINES")"
ONE=$(head -1 <<<"$L4_LINES")
check "L4 kind" tcp "$(field kind <<<"$ONE")"
check "L4 client is curl's address" 127.0.0.1 "$(field client <<<"$ONE")"
check "L4 client port known" yes \
  "$( (($(field client_port <<<"$ONE") > 0)) && echo yes)"
check "L4 upstream group" py "$(field upstream_group <<<"$ONE")"
check "L4 upstream server" "127.0.0.1:$BACKEND_PORT" \
  "$(field upstream <<<"$ONE")"
check "L4 ended cleanly" done "$(field end <<<"$ONE")"
# curl's request is ~90 bytes; the response head + 23 bytes of body.
check "L4 bytes from the client" yes \
  "$( (($(field bytes_received <<<"$ONE") > 50)) && echo yes)"
check "L4 bytes to the client" yes \
  "$( (($(field bytes_sent <<<"$ONE") > 23)) && echo yes)"
check "L4 connect time measured" yes \
  "$(python3 -c 'import sys; v=float(sys.argv[1]); print("yes" if 0 <= v < 5 else v)' \
    "$(field connect_time <<<"$ONE")")"
check "L4 first byte before the end" yes \
  "$(python3 -c 'import sys; a,b=map(float,sys.argv[1:]); print("yes" if 0 < a <= b else (a,b))' \
    "$(field first_byte_time <<<"$ONE")" "$(field duration <<<"$ONE")")"
check "the listener without access_log wrote nothing" "" \
  "$(lines "$WORK/access.log" listener quiet)"

# --- Passthrough: SNI and ALPN from the ClientHello ---
RESPONSE=$(curl -sk --http1.1 --resolve "site.test:${SNI##*:}:127.0.0.1" \
  "https://site.test:${SNI##*:}/")
contains "a request through the passthrough listener" "s_server" "$RESPONSE"
until_true 5 has_lines "$WORK/access.log" 1 listener sni
PT=$(lines "$WORK/access.log" listener sni | head -1)
check "passthrough SNI" site.test "$(field sni <<<"$PT")"
check "passthrough ALPN (the client's first)" http/1.1 "$(field alpn <<<"$PT")"
check "passthrough upstream" "127.0.0.1:$TLS_PORT" "$(field upstream <<<"$PT")"
check "passthrough ended cleanly" done "$(field end <<<"$PT")"

# --- HTTPS: one line per request, two requests on one connection ---
curl -sk --resolve "site.test:${WEB##*:}:127.0.0.1" \
  "https://site.test:${WEB##*:}/hello.txt" \
  "https://site.test:${WEB##*:}/missing?x=\"1\"" -o /dev/null -o /dev/null
until_true 5 has_lines "$WORK/web.log" 2
OK=$(lines "$WORK/web.log" status 200)
MISSING=$(lines "$WORK/web.log" status 404)
check "HTTPS kind" http "$(field kind <<<"$OK")"
check "HTTPS method" GET "$(field method <<<"$OK")"
check "HTTPS path" /hello.txt "$(field path <<<"$OK")"
check "HTTPS host" "site.test:${WEB##*:}" "$(field host <<<"$OK")"
check "HTTPS SNI" site.test "$(field sni <<<"$OK")"
check "HTTPS TLS version" TLSv1.3 "$(field tls_version <<<"$OK")"
contains "HTTPS cipher: a TLS 1.3 suite" "|$(field tls_cipher <<<"$OK")|" \
  "|TLS_AES_128_GCM_SHA256|TLS_AES_256_GCM_SHA384|TLS_CHACHA20_POLY1305_SHA256|"
check "HTTPS route (virtual host)" site.test "$(field route <<<"$OK")"
check "HTTPS upstream" "127.0.0.1:$BACKEND_PORT" "$(field upstream <<<"$OK")"
check "HTTPS 200 ended done" done "$(field end <<<"$OK")"
check "HTTPS path with a quote kept as sent" '/missing?x="1"' \
  "$(field path <<<"$MISSING")"
check "HTTPS 404 from the backend, same connection" \
  "$(field client_port <<<"$OK")" "$(field client_port <<<"$MISSING")"
# Python's server closes after each response: each request connects.
check "second request connected again" yes \
  "$(python3 -c 'import sys; print("yes" if float(sys.argv[1]) >= 0 else "no")' \
    "$(field connect_time <<<"$MISSING")")"
check "HTTPS TLS handshake time measured" yes \
  "$(python3 -c 'import sys; print("yes" if 0 < float(sys.argv[1]) < 5 else "no")' \
    "$(field tls_time <<<"$OK")")"
check "L4 has no TLS handshake time" null "$(field tls_time <<<"$ONE")"
# An HTTP request's first byte is timed from the request, not from the
# connection's accept (which the handshake came after): within its duration.
for line in "$OK" "$MISSING"; do
  check "HTTPS first byte within the request ($(field path <<<"$line"))" yes \
    "$(python3 -c 'import sys; a,b=map(float,sys.argv[1:]); print("yes" if 0 < a <= b else (a,b))' \
      "$(field first_byte_time <<<"$line")" "$(field duration <<<"$line")")"
done
check "HTTPS response bytes" yes \
  "$( (($(field bytes_sent <<<"$OK") > 23)) && echo yes)"

# Counted in /metrics too.
METRICS=$(curl -s "http://$ADMIN/metrics")
contains "lines counted" 'ringway_access_log_lines_total 8' "$METRICS"

# --- logrotate: move, SIGUSR1, later lines in the new file ---
mv "$WORK/access.log" "$WORK/access.log.1"
curl -s -o /dev/null "http://$L4/hello.txt"  # before the signal: old file
until_true 5 has_lines "$WORK/access.log.1" 7
kill -USR1 "$RINGWAY_PID"
wait_for "$WORK/ringway.log" "access logs reopened" || exit 1
for _ in 1 2 3; do curl -s -o /dev/null "http://$L4/hello.txt"; done
until_true 5 has_lines "$WORK/access.log" 3
check "the moved file kept every earlier line" 7 \
  "$(count_lines "$WORK/access.log.1")"
check "later lines in the reopened file" 3 "$(count_lines "$WORK/access.log")"
check "the reopened file is valid JSON lines" 3 \
  "$(lines "$WORK/access.log" kind tcp | wc -l)"

# --- a burst of clients, each from its own address: every line names its
# own connection's client. (Several accepts complete in one batch of a
# shard's completions; the address each one's accept wrote must not be
# taken for another's.)
python3 - "$BURST" 300 >"$WORK/burst.clients" <<'PY'
import selectors, socket, sys, time
host, port = sys.argv[1].rsplit(":", 1)
count = int(sys.argv[2])
sel = selectors.DefaultSelector()
clients = []
for i in range(count):
    s = socket.socket()
    s.setblocking(False)
    s.bind(("127.0.%d.%d" % (1 + i // 200, 1 + i % 200), 0))
    s.connect_ex((host, int(port)))  # all at once: a burst to accept
    clients.append(s)
    sel.register(s, selectors.EVENT_WRITE)
for s in clients:
    ip, source_port = s.getsockname()
    print(ip, source_port)
open_count = count
deadline = time.monotonic() + 20
while open_count:
    if time.monotonic() > deadline:
        sys.exit("%d connections still open after 20 s" % open_count)
    for key, events in sel.select(timeout=1):
        s = key.fileobj
        if events & selectors.EVENT_WRITE:
            s.send(b"x")
            s.shutdown(socket.SHUT_WR)
            sel.modify(s, selectors.EVENT_READ)
        elif not s.recv(4096):  # ringway passed the backend's FIN on
            sel.unregister(s)
            s.close()
            open_count -= 1
PY
check "the burst's clients all finished" 0 $?
until_true 10 has_lines "$WORK/burst.log" 300
check "a line per burst connection" 300 "$(count_lines "$WORK/burst.log")"
check "each line names its own client and port" "" "$(python3 - \
  "$WORK/burst.log" "$WORK/burst.clients" <<'PY'
import json, sys
logged = sorted((l["client"], l["client_port"])
                for l in map(json.loads, open(sys.argv[1])))
sent = sorted((ip, int(port))
              for ip, port in (line.split() for line in open(sys.argv[2])))
if logged != sent:
    wrong = sorted(set(logged) ^ set(sent))
    print(len(wrong), "differ, e.g.", wrong[:4], "duplicates:",
          len(logged) - len(set(logged)))
PY
)"

# --- a bad path is refused whole; the running table stays ---
check "running ringway still alive" 0 "$(kill -0 "$RINGWAY_PID"; echo $?)"
sed "s|$WORK/web.log|/nonexistent-dir/web.log|" "$WORK/ringway.textproto" \
  >"$WORK/bad.textproto"
OUT=$("$RINGWAY" --config="$WORK/bad.textproto" --validate 2>&1)
contains "validation names the field and the path" \
  'listeners[2].access_log.path: cannot open access log "/nonexistent-dir/web.log"' \
  "$OUT"

# --- drain: the last lines are written before ringway exits ---
curl -s -o /dev/null "http://$L4/hello.txt"
kill -TERM "$RINGWAY_PID"
wait "$RINGWAY_PID"
check "ringway stopped cleanly" 0 $?
check "the line of the last connection" 4 "$(count_lines "$WORK/access.log")"
finish
