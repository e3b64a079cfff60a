#!/usr/bin/env bash
# Real kTLS: //dataplane/tls:ktls_kernel_test run inside a VM whose kernel
# has the `tls` module (test/vm/run_in_vm.sh): keys exported from
# BoringSSL installed with TLS_TX / TLS_RX, a megabyte each way through
# the kernel's record layer compared byte for byte, for TLS 1.2 (AES-128-GCM,
# AES-256-GCM, ChaCha20-Poly1305) and TLS 1.3 (AES-128-GCM), the kernel on
# either end; then TLS 1.3 records after the handshake on a kTLS socket
# (NewSessionTickets kept for resumption, close_notify both ways, a
# KeyUpdate recognised), and TLS 1.3 with each of AES-128-GCM,
# AES-256-GCM and ChaCha20-Poly1305 against `openssl s_server` (which lets
# the suite be chosen). /proc/net/tls_stat must show the kernel did the
# records.
# Prints a SKIP line and passes where no VM can run.
set -uo pipefail
source "$(dirname "$0")/support/test_lib.sh"

RUNNER=$(realpath "$1")
BINARY=$(realpath "$2")
out=$("$RUNNER" --with openssl "$BINARY" 2>&1)
status=$?
echo "$out"
if ((status == 77)); then
  grep -E "^SKIP:" <<<"$out"
  exit 0
fi
check "the test binary passed inside the VM" 0 "$status"
contains "every case ran with kTLS (none skipped)" "[  PASSED  ] 13 tests." \
  "$(sed 's/\x1b\[[0-9;]*m//g' <<<"$out")"
check "no case skipped" "" "$(grep -E 'SKIPPED' <<<"$out")"
check "the kernel encrypted: TlsTxSw" 13 \
  "$(awk '$1 == "TlsTxSw" { print $2 }' <<<"$out")"
check "the kernel decrypted: TlsRxSw" 13 \
  "$(awk '$1 == "TlsRxSw" { print $2 }' <<<"$out")"
check "no decryption error" 0 \
  "$(awk '$1 == "TlsDecryptError" { print $2 }' <<<"$out")"
finish
