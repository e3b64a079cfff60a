#!/usr/bin/env bash
# Real kTLS, inside a VM whose kernel has the `tls` module
# (test/vm/run_in_vm.sh), two boots:
#  1. //dataplane/tls:ktls_kernel_test: keys exported from BoringSSL
#     installed with TLS_TX / TLS_RX, a megabyte each way through the
#     kernel's record layer compared byte for byte, for TLS 1.2 (AES-128-GCM,
#     AES-256-GCM, ChaCha20-Poly1305) and TLS 1.3 (AES-128-GCM), the kernel
#     on either end; TLS 1.3 records after the handshake on a kTLS socket
#     (NewSessionTickets kept for resumption, close_notify both ways, a
#     KeyUpdate recognised); TLS 1.3 with each suite against `openssl
#     s_server`; the start-up probe finding all three ciphers.
#  2. //test:ktls_proxy_test: ringway itself, a tls_terminate listener
#     re-encrypting to a TLS backend, both of its sockets handed to the
#     kernel and the payload spliced: 4 MiB echoed intact per version and
#     cipher pairing, close_notify both ways, the upstream session resumed
#     from a ticket read off kTLS, a backend's KeyUpdate ending the
#     connection cleanly (counted), ktls: OFF staying in user space.
# /proc/net/tls_stat must show the kernel did the records.
# Prints a SKIP line and passes where no VM can run.
set -uo pipefail
source "$(dirname "$0")/support/test_lib.sh"

RUNNER=$(realpath "$1")
KERNEL_TEST=$(realpath "$2")
PROXY_TEST=$(realpath "$3")

# Runs one binary in the VM; its output in $out (ANSI colours removed).
boot() {
  out=$("$RUNNER" "$@" 2>&1)
  status=$?
  out=$(sed 's/\x1b\[[0-9;]*m//g' <<<"$out")
  echo "$out"
  if ((status == 77)); then
    grep -E "^SKIP:" <<<"$out"
    exit 0
  fi
}
stat_of() { awk -v k="$1" '$1 == k { print $2 }' <<<"$out"; }

boot --with openssl "$KERNEL_TEST"
check "the kernel test passed inside the VM" 0 "$status"
contains "every kernel case ran with kTLS" "[  PASSED  ] 14 tests." "$out"
check "no kernel case skipped" "" "$(grep -E 'SKIPPED' <<<"$out")"
# 13 cases install TX and RX once each; the probe test probes twice (now,
# and the cached start-up probe), each installing TX and RX for the 3
# ciphers in TLS 1.2 and 1.3.
check "the kernel encrypted: TlsTxSw" 25 "$(stat_of TlsTxSw)"
check "the kernel decrypted: TlsRxSw" 25 "$(stat_of TlsRxSw)"
check "no decryption error" 0 "$(stat_of TlsDecryptError)"

boot "$PROXY_TEST"
check "ringway's kTLS test passed inside the VM" 0 "$status"
contains "every proxy case ran" "[  PASSED  ] 16 tests." "$out"
# 9 tls_terminate connections with kTLS, two sockets each; 6 HTTPS ones to
# a plain backend, the client's socket only; two HTTPS to a TLS backend,
# two sockets each (the OFF cases none); plus the probe's 6 TX and 6 RX:
# 34. One of them may not get there, by timing alone: the upstream of
# UpstreamRefusingUsAfterTheHandshakeIs502, whose server sends its alert
# (and FIN) right after our Finished. When that alert is in before the
# socket settles, BoringSSL reads it and the socket stays in user space
# (same 502; the case asserts it either way): 33, as seen under TSan.
one_of() {  # one_of NAME ALLOWED... ACTUAL
  local name=$1 actual=${*: -1} allowed
  for allowed in "${@:2:$#-2}"; do
    [[ "$allowed" == "$actual" ]] && { echo "ok   $name ($actual)"; return; }
  done
  echo "FAIL $name: expected one of [${*:2:$#-2}], got [$actual]"
  FAILURES=$((FAILURES + 1))
}
tx=$(stat_of TlsTxSw)
one_of "ringway's sockets encrypted in the kernel: TlsTxSw" 34 33 "$tx"
check "as many decrypted in the kernel as encrypted: TlsRxSw" "$tx" \
  "$(stat_of TlsRxSw)"
check "no decryption error through ringway" 0 "$(stat_of TlsDecryptError)"
finish
