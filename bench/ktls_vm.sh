#!/usr/bin/env bash
# Re-encryption bulk with kTLS vs user-space TLS vs nginx, side by side in
# one boot of the kTLS VM (test/vm/run_in_vm.sh; bench/ktls_vm_bench.cc does
# the measuring inside).
#
#   tools/bazel run -c opt //bench:ktls_vm -- [--json=bench/results/ktls_vm.json] [--mib=N] [--rounds=N]
#
# The VM is emulated (TCG): absolute figures mean nothing, the ratios do.
set -uo pipefail

RUNNER=$(realpath "$1")
BENCH=$(realpath "$2")
RINGWAY=$(realpath "$3")
shift 3
json=""
args=()
for arg in "$@"; do
  case "$arg" in
    --json=*) json=${arg#--json=} ;;
    *) args+=("$arg") ;;
  esac
done
with_nginx=()
module=/usr/lib/nginx/modules/ngx_stream_module.so
if command -v nginx >/dev/null && [[ -f "$module" ]]; then
  with_nginx=(--with nginx --file "$module")
else
  args+=(--nginx=)
  echo "no nginx with its stream module here: ringway rows only" >&2
fi
export RINGWAY_VM_TIMEOUT=${RINGWAY_VM_TIMEOUT:-1800}
out=$("$RUNNER" --with "$RINGWAY" "${with_nginx[@]}" "$BENCH" \
  --ringway=/bin/ringway --nginx=/bin/nginx --nginx_module="$module" \
  "${args[@]}" 2>&1)
status=$?
echo "$out" | grep -vE '^RESULT ' 
((status == 0)) || { echo "ktls_vm: the benchmark failed (exit $status)" >&2; exit 1; }
if [[ -n "$json" ]]; then
  cd "${BUILD_WORKSPACE_DIRECTORY:-.}"
  {
    echo "{"
    echo "  \"date\": \"$(date -u +%Y-%m-%dT%H:%MZ)\","
    echo "  \"git\": \"$(git rev-parse --short HEAD 2>/dev/null)\","
    echo "  \"kernel\": \"$(grep -o 'kernel [^ ,]*' <<<"$out" | head -1 | cut -d' ' -f2)\","
    echo "  \"workload\": \"reencrypt_bulk: TLS 1.3 client -> proxy (terminate, re-encrypt) -> TLS sink, one connection per round\","
    echo "  \"results\": ["
    grep -E '^RESULT ' <<<"$out" | sed 's/^RESULT /    /' | sed '$!s/$/,/'
    echo "  ]"
    echo "}"
  } > "$json"
  echo "wrote $json"
fi
