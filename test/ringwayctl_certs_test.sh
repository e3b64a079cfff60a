#!/usr/bin/env bash
# `ringwayctl certs snakeoil` as an operator runs it: a fresh self-signed
# key and certificate (ECDSA P-256, or RSA 2048 with --rsa) for the given
# name, key mode 0600, existing files never overwritten without --force.
# The files are checked with the openssl command (a real peer), not with
# ringway's own code.
set -uo pipefail
source "$(dirname "$0")/support/test_lib.sh"

CTL=$(realpath "$1")
WORK=$(mktemp -d "${TEST_TMPDIR:-/tmp}/ringway-certs.XXXXXX")
# ECDSA by default, into a directory that does not exist yet.
out=$("$CTL" certs snakeoil --out "$WORK/ec/tls" --name web.internal 2>&1)
check "generate exit" 0 $?
contains "generate says what it wrote" "$WORK/ec/tls/key.pem" "$out"
check "key mode" 600 "$(stat -c %a "$WORK/ec/tls/key.pem")"
check "directory mode" 700 "$(stat -c %a "$WORK/ec/tls")"
text=$(openssl x509 -in "$WORK/ec/tls/cert.pem" -noout -text)
contains "subjectAltName" "DNS:web.internal" "$text"
contains "P-256 key" "prime256v1" "$text"
check "self-signed and valid" "$WORK/ec/tls/cert.pem: OK" \
  "$(openssl verify -CAfile "$WORK/ec/tls/cert.pem" "$WORK/ec/tls/cert.pem" 2>&1)"
check "host name check" "Hostname web.internal does match certificate" \
  "$(openssl x509 -in "$WORK/ec/tls/cert.pem" -noout -checkhost web.internal)"
check "key matches certificate" \
  "$(openssl x509 -in "$WORK/ec/tls/cert.pem" -noout -pubkey)" \
  "$(openssl pkey -in "$WORK/ec/tls/key.pem" -pubout)"

# Never overwritten without --force.
before=$(sha256sum "$WORK/ec/tls/key.pem" "$WORK/ec/tls/cert.pem")
out=$("$CTL" certs snakeoil --out "$WORK/ec/tls" --name web.internal 2>&1)
check "second run refused" 1 $?
contains "refusal names the file" "exists; not overwritten without --force" "$out"
check "files unchanged" "$before" \
  "$(sha256sum "$WORK/ec/tls/key.pem" "$WORK/ec/tls/cert.pem")"
# Not even a lone key.
mkdir -p "$WORK/lone" && echo keep > "$WORK/lone/key.pem"
"$CTL" certs snakeoil --out "$WORK/lone" >/dev/null 2>&1
check "lone key refused" 1 $?
check "lone key kept" keep "$(cat "$WORK/lone/key.pem")"
check "no certificate written beside it" no \
  "$([[ -e "$WORK/lone/cert.pem" ]] && echo yes || echo no)"

"$CTL" certs snakeoil --out "$WORK/ec/tls" --name other.internal --force \
  >/dev/null 2>&1
check "--force exit" 0 $?
[[ "$before" != "$(sha256sum "$WORK/ec/tls/key.pem" "$WORK/ec/tls/cert.pem")" ]]
check "--force made a fresh key" 0 $?
contains "--force uses the new name" "DNS:other.internal" \
  "$(openssl x509 -in "$WORK/ec/tls/cert.pem" -noout -ext subjectAltName)"
check "key mode after --force" 600 "$(stat -c %a "$WORK/ec/tls/key.pem")"

# RSA on request; two runs give two different keys.
"$CTL" certs snakeoil --out "$WORK/rsa" --name=rsa.internal --rsa >/dev/null
check "rsa exit" 0 $?
text=$(openssl x509 -in "$WORK/rsa/cert.pem" -noout -text)
contains "rsa key" "rsaEncryption" "$text"
contains "rsa 2048" "Public-Key: (2048 bit)" "$text"
"$CTL" certs snakeoil --out "$WORK/rsa2" --name=rsa.internal --rsa >/dev/null
[[ "$(openssl pkey -in "$WORK/rsa/key.pem" -pubout)" != \
   "$(openssl pkey -in "$WORK/rsa2/key.pem" -pubout)" ]]
check "keys are fresh per run" 0 $?

# Usage errors exit 2 and say why.
out=$("$CTL" certs snakeoil --name x 2>&1)
check "missing --out" 2 $?
contains "missing --out says so" "needs --out DIR" "$out"
"$CTL" certs snakeoil --out "$WORK/x" --bogus >/dev/null 2>&1
check "unknown flag" 2 $?

finish
