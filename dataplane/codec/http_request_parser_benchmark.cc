// Cost of the HTTP/1.1 codec on a shard's request path: parsing a typical
// browser GET and a request with many fields, the same GET arriving in
// 64-byte pieces, and validating a chunked body as it streams through.

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "benchmark/benchmark.h"
#include "dataplane/codec/http_chunked_decoder.h"
#include "dataplane/codec/http_request_parser.h"

namespace ringway::codec {
namespace {

constexpr std::string_view kBrowserGet =
    "GET /assets/app.js?v=3 HTTP/1.1\r\n"
    "Host: www.example.com\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 "
    "Firefox/120.0\r\n"
    "Accept: */*\r\n"
    "Accept-Language: en-US,en;q=0.5\r\n"
    "Accept-Encoding: gzip, deflate, br\r\n"
    "Referer: https://www.example.com/\r\n"
    "Cookie: session=0123456789abcdef0123456789abcdef; theme=dark\r\n"
    "Connection: keep-alive\r\n"
    "Sec-Fetch-Dest: script\r\n"
    "Sec-Fetch-Mode: no-cors\r\n"
    "Sec-Fetch-Site: same-origin\r\n"
    "\r\n";

std::span<const uint8_t> AsBytes(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

void RunParse(benchmark::State& state, std::string_view text) {
  HttpRequest request;
  for (auto _ : state) {
    HttpRequestParser parser;
    benchmark::DoNotOptimize(parser.Parse(AsBytes(text), &request));
    benchmark::DoNotOptimize(request.head_length);
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * text.size());
}

void BM_ParseBrowserGet(benchmark::State& state) {
  RunParse(state, kBrowserGet);
}
BENCHMARK(BM_ParseBrowserGet);

void BM_ParseSixtyFields(benchmark::State& state) {
  std::string text = "POST /api/v1/items HTTP/1.1\r\nHost: api.example.com\r\n";
  for (int i = 0; i < 59; ++i) {
    text += "X-Field-" + std::to_string(i) + ": value-" + std::to_string(i) +
            "\r\n";
  }
  text += "\r\n";
  RunParse(state, text);
}
BENCHMARK(BM_ParseSixtyFields);

// Each call sees the bytes so far; the scanner looks at each byte once.
void BM_ParseBrowserGetIn64BytePieces(benchmark::State& state) {
  const std::span<const uint8_t> bytes = AsBytes(kBrowserGet);
  HttpRequest request;
  for (auto _ : state) {
    HttpRequestParser parser;
    for (size_t n = 64;; n += 64) {
      if (parser.Parse(bytes.first(std::min(n, bytes.size())), &request) !=
          HttpParseStatus::kNeedMoreData) {
        break;
      }
    }
    benchmark::DoNotOptimize(request.head_length);
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * bytes.size());
}
BENCHMARK(BM_ParseBrowserGetIn64BytePieces);

// 64 KiB of payload in 4 KiB chunks, one call per receive buffer.
void BM_DecodeChunkedBody(benchmark::State& state) {
  std::string body;
  for (int i = 0; i < 16; ++i)
    body += "1000\r\n" + std::string(4096, 'x') + "\r\n";
  body += "0\r\n\r\n";
  const std::span<const uint8_t> bytes = AsBytes(body);
  for (auto _ : state) {
    HttpChunkedDecoder decoder;
    std::span<const uint8_t> rest = bytes;
    while (!rest.empty()) {
      const HttpChunkedResult r = decoder.Decode(rest);
      benchmark::DoNotOptimize(r.payload.data());
      rest = rest.subspan(r.consumed);
      if (r.status != HttpParseStatus::kNeedMoreData) break;
    }
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * bytes.size());
}
BENCHMARK(BM_DecodeChunkedBody);

}  // namespace
}  // namespace ringway::codec
