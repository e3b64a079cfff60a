// The cost of one access log line: what a logged connection or request
// pays on its shard for the text (the write is batched, see
// access_log_writer.h).
//
//   tools/bazel run -c opt //dataplane/accesslog:access_entry_benchmark

#include <string>

#include "benchmark/benchmark.h"
#include "dataplane/accesslog/access_entry.h"

namespace ringway::accesslog {
namespace {

AccessEntry HttpEntry() {
  AccessEntry entry;
  entry.unix_time_us = 1'795'459'265'123'456;
  entry.kind = "http";
  entry.listener = "web";
  entry.client = "203.0.113.7";
  entry.client_port = 51234;
  entry.sni = "www.example.com";
  entry.alpn = "http/1.1";
  entry.tls_version = "TLSv1.3";
  entry.tls_cipher = "TLS_AES_128_GCM_SHA256";
  entry.route = "www.example.com";
  entry.upstream_group = "app";
  entry.upstream = "10.0.0.5:8080";
  entry.method = "GET";
  entry.host = "www.example.com";
  entry.path = "/static/app.js?v=12345";
  entry.status = 200;
  entry.bytes_received = 412;
  entry.bytes_sent = 18234;
  entry.connect_ns = 231'000;
  entry.tls_ns = 1'834'000;
  entry.first_byte_ns = 912'000;
  entry.duration_ns = 1'120'000;
  entry.end = "done";
  return entry;
}

void BM_AppendJsonLine(benchmark::State& state) {
  AccessEntry entry = HttpEntry();
  std::string out;
  out.reserve(64 * 1024);
  for (auto _ : state) {
    ++entry.unix_time_us;  // the same second, mostly, as under load
    AppendJsonLine(entry, &out);
    if (out.size() > 60 * 1024) out.clear();
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_AppendJsonLine);

}  // namespace
}  // namespace ringway::accesslog
