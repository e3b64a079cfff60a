#!/usr/bin/env bash
# Re-encryption to upstreams, as in the seed setups, with real nginx
# backends and curl as the client (ringway terminates TLS at the edge):
#  (a) an upstream serving a fresh self-signed certificate (made by
#      `ringwayctl certs snakeoil`), verification off (nginx's default);
#  (b) the NGINX upstream-TLS example: a client certificate to the
#      upstream, trusted CA, verify on, depth 2 (an intermediate CA), SNI
#      with a chosen name, session reuse, a backend with ssl_verify_client
#      on; and the same with a wrong CA, a wrong name, depth 1 and no
#      client certificate, each failing with the reason in ringway's log.
# A backend that refuses the handshake without a client certificate
# (openssl s_server -Verify) gives a 502 naming it.
# At L4 (nginx `stream` with `ssl` / `proxy_ssl`): a TCP listener that
# re-encrypts, a TLS-terminating TCP listener relaying plaintext (with a
# PROXY v2 header to the backend), and one that terminates and re-encrypts
# with mTLS; a 4 MB download through it arrives intact.
set -uo pipefail
source "$(dirname "$0")/support/test_lib.sh"

RINGWAY=$(realpath "$1")
CTL=$(realpath "$2")
WORK=$(mktemp -d /tmp/ringway-reencrypt.XXXXXX)
SOCK=$(mktemp -u /tmp/ringway-reencrypt-XXXXXX.sock)
need nginx curl openssl

cd "$WORK"
ossl() { openssl "$@" 2>/dev/null; }
# --- (a) the snakeoil backend's certificate, and the edge's own ---
"$CTL" certs snakeoil --out "$WORK/snakeoil" --name backend-a.internal >/dev/null
"$CTL" certs snakeoil --out "$WORK/edge" --name edge.test >/dev/null

# --- (b) root CA → intermediate CA → backend; client certificate ---
ca() {  # ca NAME [ISSUER]
  ossl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1" \
    -keyout "$1.key" -out "$1.csr"
  printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=keyCertSign,cRLSign\n' \
    > "$1.ext"
  if [[ -z "${2:-}" ]]; then
    ossl x509 -req -in "$1.csr" -signkey "$1.key" -days 2 -extfile "$1.ext" \
      -out "$1.pem"
  else
    ossl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial \
      -days 2 -extfile "$1.ext" -out "$1.pem"
  fi
}
leaf() {  # leaf NAME ISSUER SAN
  ossl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1" \
    -keyout "$1.key" -out "$1.csr"
  printf 'subjectAltName=%s\n' "$3" > "$1.ext"
  ossl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial \
    -days 2 -extfile "$1.ext" -out "$1.pem"
  chmod 600 "$1.key"
}
ca root
ca intermediate root
ca stranger-ca
leaf backend.internal intermediate "DNS:backend.internal"
cat backend.internal.pem intermediate.pem > backend.chain.pem
leaf ringway-client root "DNS:ringway-client"

# --- the backends ---
PORT_A=$(free_port); PORT_B=$(free_port); PORT_STRICT=$(free_port)
PORT_PLAIN=$(free_port)
head -c 4000000 /dev/urandom > big.bin
mkdir -p nginx/logs
cat > nginx/nginx.conf <<CONF
daemon off; master_process off; worker_processes 1;
error_log $WORK/nginx/logs/error.log warn; pid $WORK/nginx/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  ssl_protocols TLSv1.2 TLSv1.3;
  server {
    listen 127.0.0.1:${PORT_A} ssl;
    ssl_certificate $WORK/snakeoil/cert.pem;
    ssl_certificate_key $WORK/snakeoil/key.pem;
    location / {
      return 200 "backend-a \$ssl_protocol proto=\$http_x_forwarded_proto\n";
    }
    location = /big.bin { root $WORK; }
  }
  server {
    listen 127.0.0.1:${PORT_PLAIN} proxy_protocol;
    location / {
      return 200 "plain proxy=\$proxy_protocol_addr\n";
    }
  }
  server {
    listen 127.0.0.1:${PORT_B} ssl;
    ssl_certificate $WORK/backend.chain.pem;
    ssl_certificate_key $WORK/backend.internal.key;
    ssl_client_certificate $WORK/root.pem;
    ssl_verify_client on;
    ssl_verify_depth 2;
    ssl_session_tickets on;
    location / {
      return 200 "backend-b verify=\$ssl_client_verify client=\$ssl_client_s_dn sni=\$ssl_server_name reused=\$ssl_session_reused\n";
    }
  }
}
CONF
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" > nginx/stdout 2>&1 &
PIDS+=($!)
# A backend that ends the handshake without a client certificate.
openssl s_server -accept "127.0.0.1:${PORT_STRICT}" -cert backend.internal.pem \
  -key backend.internal.key -CAfile root.pem -Verify 2 -www -quiet \
  > strict.log 2>&1 &
PIDS+=($!)

group() {  # group NAME PORT TLS_FIELDS [keepalive]
  echo "upstream_groups { name: \"$1\" servers { address: \"127.0.0.1:$2\" } tls { $3 } ${4:-} }"
}
B_TLS="verify: true trusted_ca_file: \"$WORK/root.pem\" verify_depth: 2
  name: \"backend.internal\" server_name: true
  client_cert_file: \"$WORK/ringway-client.pem\"
  client_key_file: \"$WORK/ringway-client.key\""
location() { echo "locations { path_prefix: \"/$1/\" upstream_group: \"$1\" }"; }
cat > table.textproto <<CONF
listeners {
  name: "edge"
  address: "127.0.0.1:0"
  https {
    tls { certificates { cert_file: "$WORK/edge/cert.pem" key_file: "$WORK/edge/key.pem" } }
    virtual_hosts {
      $(for g in a b b-fresh wrong-ca wrong-name depth-1 no-cert strict tls-next; do location $g; done)
    }
  }
}
listeners {
  name: "l4-reencrypt"
  address: "127.0.0.1:0"
  tcp_proxy { upstream_group: "a" }
}
listeners {
  name: "l4-terminate"
  address: "127.0.0.1:0"
  tls_terminate {
    tls { certificates { cert_file: "$WORK/edge/cert.pem" key_file: "$WORK/edge/key.pem" } }
    upstream_group: "plain-pp"
  }
}
listeners {
  name: "l4-both"
  address: "127.0.0.1:0"
  tls_terminate {
    tls { certificates { cert_file: "$WORK/edge/cert.pem" key_file: "$WORK/edge/key.pem" } }
    upstream_group: "b"
  }
}
listeners {
  name: "l4-big"
  address: "127.0.0.1:0"
  tls_terminate {
    tls { certificates { cert_file: "$WORK/edge/cert.pem" key_file: "$WORK/edge/key.pem" } }
    upstream_group: "a"
  }
}
upstream_groups {
  name: "plain-pp" servers { address: "127.0.0.1:${PORT_PLAIN}" }
  send_proxy_protocol: V2
}
$(group a "$PORT_A" "")
$(group b "$PORT_B" "$B_TLS")
$(group b-fresh "$PORT_B" "$B_TLS" "keepalive: 0")
$(group wrong-ca "$PORT_B" "${B_TLS/root.pem/stranger-ca.pem}")
$(group wrong-name "$PORT_B" "${B_TLS/name: \"backend.internal\"/name: \"other.internal\"}")
$(group depth-1 "$PORT_B" "${B_TLS/verify_depth: 2/verify_depth: 1}")
$(group no-cert "$PORT_B" "verify: true trusted_ca_file: \"$WORK/root.pem\" verify_depth: 2 name: \"backend.internal\"")
$(group strict "$PORT_STRICT" "")
upstream_groups {
  name: "tls-next"
  servers { address: "127.0.0.1:${PORT_STRICT}" }
  servers { address: "127.0.0.1:${PORT_A}" }
  max_fails: 2
  fail_timeout_ms: 60000
  # A name of its own: otherwise the server is the same one (same address,
  # same TLS settings) as group "strict"'s, whose failure already took it
  # out of rotation.
  tls { name: "tls-next.internal" }
}
CONF
"$RINGWAY" --config="$WORK/table.textproto" --admin_socket="$SOCK" --shards=1 \
  > ringway.log 2>&1 &
PIDS+=($!)
wait_for ringway.log 'ready: route table' || exit 1
port_of() { grep -oE "listener \"$1\" on 127.0.0.1:[0-9]+" ringway.log | grep -oE '[0-9]+$'; }
PORT=$(port_of edge)
for port in "$PORT_A" "$PORT_B" "$PORT_STRICT"; do
  wait_port "$port" || { cat nginx/stdout strict.log; exit 1; }
done

get() {  # get PATH: "status body"
  curl -sS --max-time 10 --cacert "$WORK/edge/cert.pem" \
    --resolve "edge.test:${PORT}:127.0.0.1" -w ' %{http_code}' \
    "https://edge.test:${PORT}$1" 2>&1
}

# (a) snakeoil backend, verification off.
out=$(get /a/x)
contains "(a) re-encrypted to the snakeoil backend" "backend-a TLSv1.3" "$out"
contains "(a) 200" " 200" "$out"
contains "(a) the backend sees https" "proto=https" "$out"

# (b) mTLS, verify on with depth 2, SNI, keep-alive reuse, session reuse.
out=$(get /b/x)
contains "(b) 200 through mTLS" " 200" "$out"
contains "(b) the backend verified ringway's certificate" "verify=SUCCESS" "$out"
contains "(b) client certificate subject" "client=CN=ringway-client" "$out"
contains "(b) SNI is the configured name" "sni=backend.internal" "$out"
for _ in 1 2 3; do get /b/x >/dev/null; done
out=$(get /b-fresh/1)
out=$(get /b-fresh/2)
contains "(b) a new connection resumes the session" "reused=r" "$out"

# Failures: 502, and the reason in the log.
expect_502() {  # expect_502 NAME PATH LOG_NEEDLE
  local out
  out=$(get "$2")
  contains "$1: 502" " 502" "$out"
  contains "$1: logged" "$3" "$(cat ringway.log)"
}
expect_502 "wrong CA" /wrong-ca/x "certificate verify failed: unknown CA"
expect_502 "wrong name" /wrong-name/x "certificate verify failed: name mismatch"
expect_502 "depth 1 with an intermediate" /depth-1/x \
  "certificate verify failed: depth exceeded"
expect_502 "handshake refused without a client certificate" /strict/x \
  "the server accepted no client certificate"
# A failed handshake is not the end: the request goes to the next server,
# and the failing one is out of rotation after max_fails (2) of them, even
# though its TCP connects succeed.
for i in 1 2 3 4; do
  out=$(get /tls-next/$i)
  contains "handshake refused, next server answers ($i)" "backend-a" "$out"
done
strict_row=$("$CTL" --socket="$SOCK" stats | grep -E "^tls-next +127.0.0.1:${PORT_STRICT} ")
contains "the refusing server is out of rotation" "down" "$strict_row"
echo "$strict_row"
# nginx completes the handshake without a client certificate and answers
# 400 itself ("No required SSL certificate was sent"): passed on as it is.
out=$(get /no-cert/x)
contains "no client certificate: nginx's 400 reaches the client" " 400" "$out"
contains "no client certificate: nginx says why" "No required SSL certificate" "$out"

# --- L4 ---
l4get() {  # l4get SCHEME LISTENER PATH
  curl -sS --max-time 10 --cacert "$WORK/edge/cert.pem" \
    --resolve "edge.test:$(port_of "$2"):127.0.0.1" -w ' %{http_code}' \
    "$1://edge.test:$(port_of "$2")$3" 2>&1
}
out=$(l4get http l4-reencrypt /x)
contains "L4: plain TCP in, TLS to the snakeoil backend" "backend-a TLSv1.3" "$out"
out=$(l4get https l4-terminate /x)
contains "L4: TLS terminated, plaintext with PROXY v2 to the backend" \
  "plain proxy=127.0.0.1" "$out"
out=$(l4get https l4-both /x)
contains "L4: terminate and re-encrypt with mTLS" "verify=SUCCESS" "$out"
contains "L4: SNI to the backend" "sni=backend.internal" "$out"
curl -sS --max-time 20 --cacert "$WORK/edge/cert.pem" \
  --resolve "edge.test:$(port_of l4-big):127.0.0.1" -o big.got \
  "https://edge.test:$(port_of l4-big)/big.bin"
check "L4: 4 MB through terminate + re-encrypt, intact" \
  "$(sha256sum < big.bin)" "$(sha256sum < big.got 2>/dev/null)"

stats=$("$CTL" --socket="$SOCK" stats)
counter() { awk -v n="$1" '$1 == n { print $NF }' <<<"$stats"; }
[[ "$(counter upstream_tls_resumed)" -ge 1 ]]
check "stats: resumed upstream sessions counted" 0 $?
[[ "$(counter http_upstream_reuses)" -ge 3 ]]
check "stats: kept TLS connections reused (4 requests to /b/)" 0 $?
check "stats: each failed handshake counted" 6 "$(counter upstream_tls_errors)"
# Per server: the mTLS backend's handshakes, resumptions and failures.
rows=$(grep -E "^(b|b-fresh|wrong-ca) " <<<"$stats")
echo "$rows"
b_fresh=$(grep -E "^b-fresh " <<<"$rows")
# Columns counted from the end: ... tls_full resumed tls_err check chk_ok
# chk_fail ktls ktls_fb.
[[ $(awk '{ print $(NF - 6) }' <<<"$b_fresh") -ge 1 ]]
check "stats: b-fresh shows resumed sessions" 0 $?
check "stats: wrong-ca shows its failed handshake" 1 \
  "$(grep -E '^wrong-ca ' <<<"$rows" | awk '{ print $(NF - 5) }')"
# kTLS by listener: l4-big's one connection went to the kernel, or (no
# `tls` module, as on the build machines) fell back, saying why.
if grep -q "kTLS: unavailable" ringway.log; then
  check "stats: l4-big fell back to user-space TLS, with the reason" \
    "l4-big 0 1 kernel: TCP_ULP" \
    "$(awk '$1 == "l4-big" { print $1, $2, $3, $4, $5 }' <<<"$stats")"
else
  check "stats: l4-big's connection went to the kernel" "l4-big 1 0" \
    "$(awk '$1 == "l4-big" { print $1, $2, $3 }' <<<"$stats")"
fi

if [[ $FAILURES -ne 0 ]]; then echo "--- ringway.log:"; tail -40 ringway.log; fi
finish
