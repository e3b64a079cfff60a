#!/usr/bin/env bash
# Builds every fuzz target with clang + libFuzzer (--config=fuzz) and runs
# each for a bounded time on a scratch copy of its seed corpus.
#
#   tools/run_fuzzers.sh [SECONDS_PER_TARGET]    (default 30)
#
# A separate output base keeps the clang build from evicting the main
# (gcc) build cache. Prints "fuzz TARGET: ok" or "fuzz TARGET: FAILED" per
# target and exits non-zero if any crashed.
set -uo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-30}
# target:corpus directory
readonly TARGETS=(
  "//dataplane/codec:client_hello_parser_fuzz_test_fuzzer:test/fuzz/corpus/client_hello"
  "//dataplane/codec:proxy_protocol_parser_fuzz_test_fuzzer:test/fuzz/corpus/proxy_protocol"
  "//dataplane/codec:http_request_parser_fuzz_test_fuzzer:test/fuzz/corpus/http_request"
  "//dataplane/codec:http_response_parser_fuzz_test_fuzzer:test/fuzz/corpus/http_response"
  "//dataplane/codec:http_chunked_decoder_fuzz_test_fuzzer:test/fuzz/corpus/http_chunked"
  "//control:admin_request_fuzz_test_fuzzer:test/fuzz/corpus/admin_request"
  "//control:admin_http_request_fuzz_test_fuzzer:test/fuzz/corpus/admin_http_request"
)
output_base="${RINGWAY_FUZZ_OUTPUT_BASE:-/tmp/ringway-fuzz-bazel-$(id -u)}"
bazel_fuzz() { tools/bazel --output_base="$output_base" "$@"; }

labels=()
for entry in "${TARGETS[@]}"; do labels+=("${entry%:*}"); done
if ! bazel_fuzz build --config=fuzz "${labels[@]}"; then
  for label in "${labels[@]}"; do echo "fuzz ${label}: FAILED (build)"; done
  exit 1
fi
bin_dir=$(bazel_fuzz info --config=fuzz bazel-bin 2>/dev/null)

failed=0
for entry in "${TARGETS[@]}"; do
  label="${entry%:*}"
  corpus="${entry##*:}"
  binary="${bin_dir}/$(echo "${label#//}" | tr ':' '/')"
  scratch=$(mktemp -d)
  cp -r "$corpus"/. "$scratch"/
  log=$(mktemp)
  if "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 "$scratch" > "$log" 2>&1; then
    echo "fuzz ${label}: ok ($(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$') runs in ${seconds}s)"
  else
    echo "fuzz ${label}: FAILED"
    tail -40 "$log"
    failed=1
  fi
  rm -rf "$scratch" "$log"
done
exit "$failed"
