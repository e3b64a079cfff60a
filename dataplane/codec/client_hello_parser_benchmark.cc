// Cost of ParseClientHello on the shard's accept path: a typical browser-
// like hello, a post-quantum one split over two records, and the early
// rejection of plain HTTP.

#include <string_view>
#include <vector>

#include "benchmark/benchmark.h"
#include "dataplane/codec/client_hello_parser.h"
#include "dataplane/codec/client_hello_test_util.h"

namespace ringway::codec {
namespace {

void RunParse(benchmark::State& state, const Bytes& input) {
  std::vector<uint8_t> scratch(kDefaultClientHelloMaxBytes);
  ClientHelloInfo info;
  for (auto _ : state) {
    const ClientHelloStatus status =
        ParseClientHello(input, kDefaultClientHelloMaxBytes, scratch, &info);
    benchmark::DoNotOptimize(status);
    benchmark::DoNotOptimize(info.server_name().data());
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * input.size());
}

void BM_TypicalClientHello(benchmark::State& state) {
  RunParse(state, CaptureClientHello({.server_name = "www.example.com",
                                      .alpn = {"h2", "http/1.1"},
                                      .ech_grease = true}));
}
BENCHMARK(BM_TypicalClientHello);

void BM_PostQuantumTwoRecords(benchmark::State& state) {
  const Bytes hello = CaptureClientHello({.server_name = "www.example.com",
                                          .alpn = {"h2", "http/1.1"},
                                          .post_quantum = true,
                                          .ech_grease = true});
  RunParse(state, ReframeClientHello(hello, {hello.size() / 2}));
}
BENCHMARK(BM_PostQuantumTwoRecords);

void BM_RejectHttp(benchmark::State& state) {
  constexpr std::string_view kGet = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  RunParse(state, Bytes(kGet.begin(), kGet.end()));
}
BENCHMARK(BM_RejectHttp);

}  // namespace
}  // namespace ringway::codec
