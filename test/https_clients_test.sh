#!/usr/bin/env bash
# ringway's HTTPS listener against real clients: openssl s_client (the
# certificate served for each name, ECDSA or RSA by the client's signature
# algorithms, ALPN, TLS 1.3 and 1.2 resumption on the other shard, the 1.2
# session cache), curl (client certificates forwarded as headers), wrk (a
# load sanity check) and a live route swap under keep-alive load that must
# cost no request. The backend is nginx echoing what ringway forwarded.
set -uo pipefail
source "$(dirname "$0")/support/test_lib.sh"

RINGWAY=$(realpath "$1")
CTL=$(realpath "$2")
WORK=$(mktemp -d /tmp/ringway-https.XXXXXX)
SOCK=$(mktemp -u /tmp/ringway-https-XXXXXX.sock)
need nginx curl openssl wrk
NCPU=$(nproc)

# --- a CA, server certificates and a client certificate ---
cd "$WORK"
ossl() { openssl "$@" 2>/dev/null; }
ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj /CN=test-ca -keyout ca.key -out ca.pem
leaf() {  # leaf NAME KEYSPEC SAN [client]
  ossl req -newkey "$2" -nodes -subj "/CN=$1" -keyout "$1.key" -out "$1.csr" \
    ${2:+$( [[ "$2" == ec ]] && echo "-pkeyopt ec_paramgen_curve:P-256")}
  printf 'subjectAltName=%s\n' "$3" > "$1.ext"
  ossl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
    -days 2 -extfile "$1.ext" -out "$1.pem"
  chmod 600 "$1.key"
}
leaf a-ecdsa ec "DNS:a.example.org"
leaf a-rsa rsa:2048 "DNS:a.example.org"
leaf default ec "DNS:default.test"
leaf client ec "DNS:client.test"

# --- the backend: nginx answering with the headers ringway sent ---
read -r PORT_APP < <(python3 -c '
import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p nginx/logs
cat > nginx/nginx.conf <<CONF
daemon off; master_process off; worker_processes 1;
error_log $WORK/nginx/logs/error.log warn; pid $WORK/nginx/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off; keepalive_requests 1000000;
  server {
    listen 127.0.0.1:${PORT_APP};
    location / {
      add_header X-Backend app;
      return 200 "verify=\$http_x_client_verify subject=\$http_x_client_subject proto=\$http_x_forwarded_proto\n";
    }
  }
}
CONF
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" > nginx/stdout 2>&1 &
PIDS+=($!)
# nginx retries a busy port for 2.5 s before giving up: until it answers,
# every request through ringway would get a 502. Its own header, not just
# an open port (which another program could hold meanwhile).
backend_answers() {
  curl -s --max-time 1 -D - -o /dev/null "http://127.0.0.1:${PORT_APP}/" |
    grep -q "X-Backend: app"
}
until_true 10 backend_answers || { cat nginx/stdout nginx/logs/error.log; exit 1; }

table() {  # table HEADER_VALUE
  cat <<CONF
listeners {
  name: "tls"
  address: "127.0.0.1:0"
  https {
    tls {
      certificates { cert_file: "$WORK/default.pem" key_file: "$WORK/default.key" }
      certificates { cert_file: "$WORK/a-ecdsa.pem" key_file: "$WORK/a-ecdsa.key" }
      certificates { cert_file: "$WORK/a-rsa.pem" key_file: "$WORK/a-rsa.key" }
      client_verify {
        mode: OPTIONAL ca_file: "$WORK/ca.pem"
        verify_result_header: "X-Client-Verify" subject_header: "X-Client-Subject"
      }
    }
    virtual_hosts {
      locations { path_prefix: "/" upstream_group: "app" }
      response_headers { name: "X-Table" value: "$1" }
    }
  }
}
upstream_groups { name: "app" servers { address: "127.0.0.1:${PORT_APP}" } }
CONF
}
table one > one.textproto
table two > two.textproto
"$RINGWAY" --config="$WORK/one.textproto" --admin_socket="$SOCK" --shards="$NCPU" \
  > ringway.log 2>&1 &
PIDS+=($!)
wait_for ringway.log 'ready: route table' || exit 1
PORT=$(grep -oE 'listener "tls" on 127.0.0.1:[0-9]+' ringway.log | grep -oE '[0-9]+$')

sclient() {  # sclient CPU ARGS...: one handshake and a close, from that CPU
  local cpu=$1; shift
  echo | taskset -c "$cpu" openssl s_client -connect "127.0.0.1:${PORT}" "$@" 2>&1
}
# The same with one HTTP request, reading until ringway closes: BoringSSL
# sends TLS 1.3 session tickets with the first application data.
sclient_save() {
  local cpu=$1; shift
  printf 'GET / HTTP/1.1\r\nHost: a.example.org\r\nConnection: close\r\n\r\n' |
    taskset -c "$cpu" openssl s_client -connect "127.0.0.1:${PORT}" -ign_eof "$@" 2>&1
}

# --- certificates by name and by the client's signature algorithms ---
out=$(sclient 0 -servername a.example.org -sigalgs ECDSA+SHA256)
contains "a.example.org gets its certificate" "subject=CN = a-ecdsa" "$out"
out=$(sclient 0 -servername a.example.org -tls1_2 -sigalgs RSA+SHA256:RSA-PSS+SHA256)
contains "an RSA-only client gets the RSA certificate" "subject=CN = a-rsa" "$out"
out=$(sclient 0 -servername unknown.example.net)
contains "an unknown name gets the default" "subject=CN = default" "$out"
out=$(sclient 0 -servername a.example.org -alpn h2,http/1.1)
contains "ALPN picks http/1.1" "ALPN protocol: http/1.1" "$out"
contains "TLS 1.3 by default" "TLSv1.3" "$out"
contains "X25519 first" "X25519" "$(sclient 0 -servername a.example.org -groups X25519:P-256 -brief)"

# --- resumption on the other shard (connections are steered by CPU) ---
if (( NCPU >= 2 )); then
  for version in -tls1_3 -tls1_2; do
    rm -f sess
    sclient_save 0 -servername a.example.org $version -sess_out sess > /dev/null
    out=$(sclient 1 -servername a.example.org $version -sess_in sess)
    contains "ticket from shard 0 resumes on shard 1 ($version)" "Reused, TLSv1." "$out"
  done
  rm -f sess
  sclient_save 1 -servername a.example.org -tls1_2 -no_ticket -sess_out sess > /dev/null
  out=$(sclient 1 -servername a.example.org -tls1_2 -no_ticket -sess_in sess)
  contains "TLS 1.2 session cache resumes on its shard" "Reused, TLSv1.2" "$out"
  resumed=$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["stats"]["shards"][1]["counters"]["tls_resumed"])' \
    < <("$CTL" --socket="$SOCK" stats --json))
  check "shard 1 counted three resumptions" 3 "$resumed"
fi

# --- client certificates, forwarded ---
curl_a() {
  curl -sS --max-time 10 --cacert ca.pem --resolve "a.example.org:${PORT}:127.0.0.1" "$@" \
    "https://a.example.org:${PORT}/"
}
check "client certificate verified and forwarded" \
  "verify=SUCCESS subject=CN=client proto=https" \
  "$(curl_a --cert client.pem --key client.key)"
check "no client certificate: NONE" "verify=NONE subject= proto=https" "$(curl_a)"
check "a client's own verify header is dropped" "verify=NONE subject= proto=https" \
  "$(curl_a -H 'X-Client-Verify: SUCCESS' -H 'X-Client-Subject: CN=admin')"

# --- wrk: a load sanity check, then a live swap under keep-alive load ---
wrk_ok() {  # wrk_ok LOG: requests made, no socket errors, no non-2xx
  local log=$1
  grep -q "requests in" "$log" && ! grep -qE "Socket errors|Non-2xx" "$log"
}
taskset -c $((NCPU - 1)) wrk -t1 -c16 -d2s -H "Host: a.example.org" \
  "https://127.0.0.1:${PORT}/" > wrk1.log 2>&1
if wrk_ok wrk1.log; then echo "ok   wrk: no errors ($(grep -oE '[0-9]+ requests in' wrk1.log))";
else echo "FAIL wrk:"; cat wrk1.log; FAILURES=$((FAILURES + 1)); fi

taskset -c $((NCPU - 1)) wrk -t1 -c16 -d4s -H "Host: a.example.org" \
  "https://127.0.0.1:${PORT}/" > wrk2.log 2>&1 &
WRK=$!
sleep 0.5
for file in two one two one two; do
  "$CTL" --socket="$SOCK" routes apply "$WORK/$file.textproto" > apply.out 2>&1 ||
    { echo "FAIL apply $file:"; cat apply.out; FAILURES=$((FAILURES + 1)); }
  sleep 0.4
done
wait "$WRK"
if wrk_ok wrk2.log; then echo "ok   five live swaps under load: no failed request";
else echo "FAIL wrk during swaps:"; cat wrk2.log; FAILURES=$((FAILURES + 1)); fi
contains "the last table serves" "X-Table: two" \
  "$(curl_a -D - -o /dev/null)"

finish
