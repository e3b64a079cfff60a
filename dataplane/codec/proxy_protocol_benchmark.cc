// Cost of the PROXY protocol codec on the accept and connect paths: parsing
// typical v1 and v2 headers, writing them, and rejecting a TLS ClientHello.

#include <array>
#include <string>

#include "benchmark/benchmark.h"
#include "dataplane/codec/proxy_protocol_parser.h"
#include "dataplane/codec/proxy_protocol_test_util.h"
#include "dataplane/codec/proxy_protocol_writer.h"

namespace ringway::codec {
namespace {

void RunParse(benchmark::State& state, const Bytes& input) {
  ProxyHeader header;
  for (auto _ : state) {
    benchmark::DoNotOptimize(ParseProxyHeader(input, &header));
    benchmark::DoNotOptimize(header.header_length());
  }
}

void BM_ParseV1Tcp4(benchmark::State& state) {
  RunParse(state, ToBytes("PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n"));
}
BENCHMARK(BM_ParseV1Tcp4);

void BM_ParseV1Tcp6(benchmark::State& state) {
  RunParse(state,
           ToBytes("PROXY TCP6 2001:db8::1:2:3 2001:db8::ab:cd 56324 443\r\n"));
}
BENCHMARK(BM_ParseV1Tcp6);

void BM_ParseV2Tcp6WithTlvs(benchmark::State& state) {
  std::array<uint8_t, kProxyV2MaxHeaderBytes> out;
  const size_t n =
      WriteProxyV2(Endpoint("2001:db8::1", 56324), Endpoint("2001:db8::2", 443),
                   "h2", "api.example.com", out);
  RunParse(state, Bytes(out.begin(), out.begin() + n));
}
BENCHMARK(BM_ParseV2Tcp6WithTlvs);

void BM_RejectClientHello(benchmark::State& state) {
  RunParse(state, Bytes{0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc});
}
BENCHMARK(BM_RejectClientHello);

void BM_WriteV1Tcp4(benchmark::State& state) {
  const sockaddr_storage source = Endpoint("192.0.2.1", 56324);
  const sockaddr_storage destination = Endpoint("198.51.100.2", 443);
  std::array<uint8_t, kProxyV1MaxHeaderBytes> out;
  for (auto _ : state) {
    benchmark::DoNotOptimize(WriteProxyV1(source, destination, out));
  }
}
BENCHMARK(BM_WriteV1Tcp4);

void BM_WriteV2Tcp6WithTlvs(benchmark::State& state) {
  const sockaddr_storage source = Endpoint("2001:db8::1", 56324);
  const sockaddr_storage destination = Endpoint("2001:db8::2", 443);
  std::array<uint8_t, kProxyV2MaxHeaderBytes> out;
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        WriteProxyV2(source, destination, "h2", "api.example.com", out));
  }
}
BENCHMARK(BM_WriteV2Tcp6WithTlvs);

}  // namespace
}  // namespace ringway::codec
