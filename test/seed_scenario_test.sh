#!/usr/bin/env bash
# The seed scenario end to end with real peers: curl clients (from
# 127.0.0.2, so the real address is distinguishable from ringway's own
# 127.0.0.1) → ringway passthrough → an nginx backend (`listen … ssl
# proxy_protocol` + set_real_ip_from), an HAProxy backend (`accept-proxy`)
# and ringway's own terminating listener (PROXY v2 in, re-encrypted HTTPS
# to an nginx web app with a self-signed certificate, which echoes the
# forwarded headers; security headers added). Each
# must log and answer with the client's address. Port 80 redirects, except
# ACME challenges, which reach their own backend.
set -uo pipefail
source "$(dirname "$0")/support/test_lib.sh"

RINGWAY=$(realpath "$1")
CONFIG=$(realpath "$2")
WORK=$(mktemp -d /tmp/ringway-seed.XXXXXX)
need nginx haproxy curl openssl

read -r PORT_A PORT_B PORT_T PORT_APP PORT_ACME < <(python3 -c '
import socket
s = [socket.socket() for _ in range(5)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj /CN=seed.test -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
cat "$WORK/cert.pem" "$WORK/key.pem" > "$WORK/both.pem"
chmod 644 "$WORK"/*.pem
chmod 600 "$WORK/key.pem"  # ringway refuses keys others can read

# Backend A and the terminator: nginx, trusting ringway (127.0.0.1) for the
# PROXY protocol, answering with the address it learned.
mkdir -p "$WORK/nginx/logs"
cat > "$WORK/nginx/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
error_log $WORK/nginx/logs/error.log warn;
pid $WORK/nginx/nginx.pid;
events { worker_connections 256; }
http {
  access_log off;
  log_format real '\$remote_addr \$proxy_protocol_addr \$ssl_server_name';
  server {
    listen 127.0.0.1:${PORT_A} ssl proxy_protocol;
    ssl_certificate $WORK/cert.pem;
    ssl_certificate_key $WORK/key.pem;
    set_real_ip_from 127.0.0.1;
    real_ip_header proxy_protocol;
    access_log $WORK/nginx/logs/a.log real;
    location / { return 200 "A \$remote_addr \$ssl_server_name\n"; }
  }
  server {
    listen 127.0.0.1:${PORT_APP} ssl;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_certificate $WORK/cert.pem;
    ssl_certificate_key $WORK/key.pem;
    location / {
      return 200 "APP \$http_x_real_ip \$http_x_forwarded_for \$http_x_forwarded_proto \$host \$ssl_protocol\n";
    }
  }
  server {
    listen 127.0.0.1:${PORT_ACME};
    location / { return 200 "ACME \$request_uri\n"; }
  }
}
CONF
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" > "$WORK/nginx/stdout" 2>&1 &
PIDS+=($!)

# Backend B: HAProxy with accept-proxy.
cat > "$WORK/haproxy.cfg" <<CONF
global
  log stdout format raw local0 info
defaults
  mode http
  timeout connect 5s
  timeout client 10s
  timeout server 10s
frontend b
  bind 127.0.0.1:${PORT_B} accept-proxy ssl crt $WORK/both.pem
  log global
  option httplog
  http-request return status 200 content-type text/plain lf-string "B %[src] %[ssl_fc_sni]\n"
CONF
haproxy -f "$WORK/haproxy.cfg" -db > "$WORK/haproxy.log" 2>&1 &
PIDS+=($!)
wait_port "$PORT_A" && wait_port "$PORT_B" && wait_port "$PORT_APP" &&
  wait_port "$PORT_ACME" || exit 1

# ringway with the example config, pointed at these backends.
sed -e "s/0.0.0.0:443/127.0.0.1:0/" \
    -e "s/10.0.0.10:443/127.0.0.1:${PORT_A}/" \
    -e "s/10.0.0.20:443/127.0.0.1:${PORT_B}/" \
    -e "s/127.0.0.1:8443/127.0.0.1:${PORT_T}/" \
    -e "s/0.0.0.0:80\"/127.0.0.1:0\"/" \
    -e "s/10.0.0.30:8443/127.0.0.1:${PORT_APP}/" \
    -e "s/10.0.0.40:8402/127.0.0.1:${PORT_ACME}/" \
    -e "s|/etc/ringway/site.pem|$WORK/cert.pem|" \
    -e "s|/etc/ringway/site.key|$WORK/key.pem|" "$CONFIG" > "$WORK/ringway.textproto"
"$RINGWAY" --config="$WORK/ringway.textproto" --admin_socket= --shards=2 \
  > "$WORK/ringway.log" 2>&1 &
PIDS+=($!)
wait_for "$WORK/ringway.log" 'ready: route table' || exit 1
PORT=$(grep -oE 'listener "public" on 127.0.0.1:[0-9]+' "$WORK/ringway.log" | grep -oE '[0-9]+$')
PLAIN=$(grep -oE 'listener "plain" on 127.0.0.1:[0-9]+' "$WORK/ringway.log" | grep -oE '[0-9]+$')

fetch() {  # fetch NAME: HTTPS through ringway from 127.0.0.2 with SNI NAME
  curl -sk --max-time 10 --interface 127.0.0.2 \
    --resolve "$1:${PORT}:127.0.0.1" "https://$1:${PORT}/"
}
check "subdomain1 → nginx backend A sees the client" \
  "A 127.0.0.2 subdomain1.mydomain.org" "$(fetch subdomain1.mydomain.org)"
check "subdomain2 → nginx backend A" \
  "A 127.0.0.2 subdomain2.mydomain.org" "$(fetch subdomain2.mydomain.org)"
check "myotherdomain.info → HAProxy backend B sees the client" \
  "B 127.0.0.2 myotherdomain.info" "$(fetch myotherdomain.info)"
check "any other name → ringway terminates and re-encrypts, the app sees the client" \
  "APP 127.0.0.2 127.0.0.2 https www.elsewhere.example TLSv1.3" \
  "$(fetch www.elsewhere.example)"
head=$(curl -sk --max-time 10 --interface 127.0.0.2 -D - -o /dev/null \
  --resolve "www.elsewhere.example:${PORT}:127.0.0.1" \
  "https://www.elsewhere.example:${PORT}/")
for header in "Strict-Transport-Security: max-age=63072000; includeSubDomains" \
    "Content-Security-Policy: default-src 'self'" \
    "X-Content-Type-Options: nosniff" "X-Frame-Options: DENY"; do
  if grep -qF "$header" <<<"$head"; then echo "ok   $header"; else
    echo "FAIL missing $header in:"; echo "$head"; FAILURES=$((FAILURES + 1)); fi
done
# The terminator takes connections with a PROXY header only.
check "terminator without a PROXY header is refused" "" \
  "$(curl -sk --max-time 5 --resolve "x.test:${PORT_T}:127.0.0.1" \
       "https://x.test:${PORT_T}/" 2>/dev/null)"
redirect=$(curl -s --max-time 5 -D - -o /dev/null \
  "http://www.elsewhere.example:${PLAIN}/path?q=1" \
  --resolve "www.elsewhere.example:${PLAIN}:127.0.0.1" | tr -d '\r')
if grep -qF "Location: https://www.elsewhere.example/path?q=1" <<<"$redirect"; then
  echo "ok   port 80 redirects to https"
else
  echo "FAIL redirect:"; echo "$redirect"; FAILURES=$((FAILURES + 1))
fi
check "ACME http-01 challenge reaches its backend" \
  "ACME /.well-known/acme-challenge/token1" \
  "$(curl -s --max-time 5 "http://127.0.0.1:${PLAIN}/.well-known/acme-challenge/token1")"
check "name case and trailing dot do not matter" \
  "A 127.0.0.2 subdomain1.mydomain.org" "$(fetch SubDomain1.MyDomain.org)"

check "nginx logged the client's address from the PROXY header" \
  "127.0.0.2 127.0.0.2 subdomain1.mydomain.org" "$(head -1 "$WORK/nginx/logs/a.log")"
if grep -q "127.0.0.2" "$WORK/haproxy.log"; then
  echo "ok   haproxy logged the client's address"
else
  echo "FAIL haproxy log lacks 127.0.0.2:"; cat "$WORK/haproxy.log"; FAILURES=$((FAILURES + 1))
fi

finish
