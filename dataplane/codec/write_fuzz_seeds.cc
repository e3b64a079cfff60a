// Writes the named fuzz seeds for the codec fuzz targets into a corpus
// directory (test/fuzz/corpus/ in the repo, where they are committed):
//   bazel run //dataplane/codec:write_fuzz_seeds -- $PWD/test/fuzz/corpus
// ClientHellos come from a real BoringSSL client, so their random fields
// differ on every run.

#include <array>
#include <cstdio>
#include <fstream>
#include <string>

#include "dataplane/codec/client_hello_test_util.h"
#include "dataplane/codec/proxy_protocol_test_util.h"
#include "dataplane/codec/proxy_protocol_writer.h"

namespace ringway::codec {
namespace {

bool WriteSeed(const std::string& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  std::printf("%s: %zu bytes\n", path.c_str(), bytes.size());
  return static_cast<bool>(out);
}

Bytes TwoRecordHello() {
  std::vector<std::string> alpn = {"h2", "http/1.1"};
  for (int i = 0; i < 30; ++i) alpn.push_back("proto-" + std::to_string(i));
  const Bytes hello = CaptureClientHello({.server_name = "pq.example.com",
                                          .alpn = alpn,
                                          .post_quantum = true,
                                          .ech_grease = true});
  return ReframeClientHello(hello, {1000});
}

Bytes TooLargeHello() {
  // A handshake header declaring a 65535-byte ClientHello (limit: 16384).
  Bytes bytes = {22, 3, 1, 0x40, 0x00, 1, 0x00, 0xff, 0xff, 0x03, 0x03};
  bytes.resize(64, 0x5a);
  return bytes;
}

bool WriteClientHelloSeeds(const std::string& dir) {
  const Bytes valid_sni =
      CaptureClientHello({.server_name = "www.example.com"});
  const Bytes truncated(valid_sni.begin(),
                        valid_sni.begin() + valid_sni.size() / 2);
  return WriteSeed(dir + "/valid_sni", valid_sni) &&
         WriteSeed(dir + "/no_extensions", HandBuiltHello().Records()) &&
         WriteSeed(dir + "/alpn_h2_http11",
                   CaptureClientHello({.server_name = "api.example.com",
                                       .alpn = {"h2", "http/1.1"}})) &&
         WriteSeed(dir + "/two_records_1800_bytes", TwoRecordHello()) &&
         WriteSeed(
             dir + "/not_ssl",
             ToBytes("GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n")) &&
         WriteSeed(dir + "/too_large", TooLargeHello()) &&
         WriteSeed(dir + "/truncated", truncated);
}

Bytes V2Written(const std::string& source, const std::string& destination,
                uint16_t source_port, const std::string& alpn,
                const std::string& authority) {
  std::array<uint8_t, kProxyV2MaxHeaderBytes> out;
  const size_t n =
      WriteProxyV2(Endpoint(source, source_port), Endpoint(destination, 443),
                   alpn, authority, out);
  return Bytes(out.begin(), out.begin() + n);
}

bool WriteProxyProtocolSeeds(const std::string& dir) {
  return WriteSeed(dir + "/v1_tcp4",
                   ToBytes("PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n"
                           "GET / HTTP/1.1\r\n\r\n")) &&
         WriteSeed(
             dir + "/v1_tcp6",
             ToBytes("PROXY TCP6 2001:db8::1 2001:db8::2 56324 443\r\n")) &&
         // What a dual-stack load balancer may send for an IPv4 client:
         // written back as TCP4 (the fuzzer found the round trip).
         WriteSeed(dir + "/v1_tcp6_v4_mapped",
                   ToBytes("PROXY TCP6 ::ffff:192.0.2.1 ::ffff:198.51.100.2 "
                           "56324 443\r\n")) &&
         WriteSeed(dir + "/v1_unknown", ToBytes("PROXY UNKNOWN\r\n")) &&
         WriteSeed(dir + "/v2_tcp4_tlvs",
                   V2Written("192.0.2.1", "198.51.100.2", 56324, "h2",
                             "api.example.com")) &&
         WriteSeed(dir + "/v2_tcp6",
                   V2Written("2001:db8::1", "2001:db8::2", 56324, "", "")) &&
         WriteSeed(dir + "/v2_local", V2Header(0x20, 0x00, {})) &&
         WriteSeed(
             dir + "/not_proxy",
             ToBytes("GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n")) &&
         WriteSeed(dir + "/v1_malformed",
                   ToBytes("PROXY TCP4 192.0.2.1 198.51.100.2 65536 443\r\n"));
}

}  // namespace
}  // namespace ringway::codec

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  const bool ok =
      ringway::codec::WriteClientHelloSeeds(dir + "/client_hello") &&
      ringway::codec::WriteProxyProtocolSeeds(dir + "/proxy_protocol");
  return ok ? 0 : 1;
}
