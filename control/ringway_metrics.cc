#include "control/ringway_metrics.h"

#include <prometheus/client_metric.h>
#include <prometheus/metric_type.h>
#include <prometheus/text_serializer.h>

#include <limits>
#include <map>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "control/ringway_server.h"
#include "dataplane/conn/connection.h"
#include "dataplane/stats/shard_stats.h"

namespace ringway::control {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily Family(std::string name, std::string help, MetricType type) {
  MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = type;
  return family;
}

void AddSample(MetricFamily* family, double value,
               std::vector<ClientMetric::Label> labels = {}) {
  ClientMetric metric;
  metric.label = std::move(labels);
  if (family->type == MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family->metric.push_back(std::move(metric));
}

// Shard counters: bytes by direction, errors by reason, the rest one
// family each.
void AddCounters(const RingwayServer& server, std::vector<MetricFamily>* out) {
  using stats::Counter;
  MetricFamily bytes =
      Family("ringway_bytes_total", "Payload bytes relayed, by direction.",
             MetricType::Counter);
  AddSample(&bytes, server.Total(Counter::kBytesClientToUpstream),
            {{"direction", "client_to_upstream"}});
  AddSample(&bytes, server.Total(Counter::kBytesUpstreamToClient),
            {{"direction", "upstream_to_client"}});
  MetricFamily errors =
      Family("ringway_errors_total",
             "Connections or requests that ended in an error, by reason.",
             MetricType::Counter);
  std::vector<MetricFamily> events;
  for (int i = 0; i < static_cast<int>(Counter::kNumCounters); ++i) {
    const Counter counter = static_cast<Counter>(i);
    const double value = static_cast<double>(server.Total(counter));
    const std::string name(stats::CounterName(counter));
    switch (counter) {
      case Counter::kBytesClientToUpstream:
      case Counter::kBytesUpstreamToClient:
        continue;
      case Counter::kConnectionsTotal: {
        MetricFamily f = Family("ringway_connections_accepted_total",
                                "Connections accepted.", MetricType::Counter);
        AddSample(&f, value);
        events.push_back(std::move(f));
        continue;
      }
      case Counter::kConnectionsOpen: {
        MetricFamily f = Family("ringway_connections_open",
                                "Connections accepted and not yet closed.",
                                MetricType::Gauge);
        AddSample(&f, value);
        events.push_back(std::move(f));
        continue;
      }
      default:
        break;
    }
    if (stats::IsErrorCounter(counter)) {
      AddSample(&errors, value, {{"reason", name}});
      continue;
    }
    MetricFamily f = Family(
        absl::StrCat("ringway_", name, "_total"),
        absl::StrCat("Events counted as \"", name, "\" in ringwayctl stats."),
        MetricType::Counter);
    AddSample(&f, value);
    events.push_back(std::move(f));
  }
  out->push_back(std::move(bytes));
  out->push_back(std::move(errors));
  for (MetricFamily& f : events) out->push_back(std::move(f));
}

// Each upstream server's state and counts, summed over shards (which own
// them and answer within a second).
void AddUpstreams(RingwayServer& server, std::vector<MetricFamily>* out) {
  std::vector<upstream::ListenerReport> listeners;
  std::vector<upstream::ServerReport> servers =
      server.UpstreamReports(&listeners);
  MetricFamily up =
      Family("ringway_upstream_server_up",
             "1 if the server is in rotation on every shard, else 0.",
             MetricType::Gauge);
  MetricFamily active =
      Family("ringway_upstream_server_active_connections",
             "Connections open to the server.", MetricType::Gauge);
  MetricFamily connects =
      Family("ringway_upstream_server_connects_total",
             "Connections to the server, by outcome.", MetricType::Counter);
  for (const upstream::ServerReport& report : servers) {
    std::vector<ClientMetric::Label> labels = {{"group", report.group},
                                               {"server", report.server}};
    AddSample(&up, report.shards_down == 0 ? 1 : 0, labels);
    AddSample(&active, static_cast<double>(report.active_connections), labels);
    auto with = [&](const char* outcome) {
      auto l = labels;
      l.push_back({"outcome", outcome});
      return l;
    };
    AddSample(&connects, static_cast<double>(report.connects_ok), with("ok"));
    AddSample(&connects, static_cast<double>(report.connect_failures),
              with("failed"));
  }
  MetricFamily ktls =
      Family("ringway_listener_ktls_sockets_total",
             "Client sockets of the listener whose TLS records the kernel did "
             "(kernel) or that fell back to user space (fallback).",
             MetricType::Counter);
  for (const upstream::ListenerReport& report : listeners) {
    AddSample(&ktls, static_cast<double>(report.ktls.connections),
              {{"listener", report.listener}, {"records", "kernel"}});
    AddSample(&ktls, static_cast<double>(report.ktls.fallbacks),
              {{"listener", report.listener}, {"records", "fallback"}});
  }
  out->push_back(std::move(up));
  out->push_back(std::move(active));
  out->push_back(std::move(connects));
  out->push_back(std::move(ktls));
}

// One histogram sample set (labels may be empty) into `family`.
void AddHistogram(const RingwayServer::HistogramTotal& total,
                  std::vector<ClientMetric::Label> labels,
                  MetricFamily* family) {
  ClientMetric metric;
  metric.label = std::move(labels);
  uint64_t cumulative = 0;
  for (size_t b = 0; b < total.buckets.size(); ++b) {
    cumulative += total.buckets[b];
    ClientMetric::Bucket bucket;
    bucket.cumulative_count = cumulative;
    bucket.upper_bound = b < stats::kHistogramBoundsNs.size()
                             ? stats::kHistogramBoundsNs[b] / 1e9
                             : std::numeric_limits<double>::infinity();
    metric.histogram.bucket.push_back(bucket);
  }
  metric.histogram.sample_count = cumulative;
  metric.histogram.sample_sum = static_cast<double>(total.sum_ns) / 1e9;
  family->metric.push_back(std::move(metric));
}

void AddHistograms(const RingwayServer& server,
                   std::vector<MetricFamily>* out) {
  for (int i = 0; i < static_cast<int>(stats::Histogram::kNumHistograms); ++i) {
    const auto histogram = static_cast<stats::Histogram>(i);
    const std::string name(stats::HistogramName(histogram));
    MetricFamily family =
        Family(absl::StrCat("ringway_", name, "_duration_seconds"),
               absl::StrCat("Durations of ", name, " (see ringway's README)."),
               MetricType::Histogram);
    AddHistogram(server.Total(histogram), {}, &family);
    out->push_back(std::move(family));
  }
}

void AddListeners(const RingwayServer& server, std::vector<MetricFamily>* out) {
  MetricFamily accepted =
      Family("ringway_listener_connections_accepted_total",
             "Connections accepted, by listener.", MetricType::Counter);
  MetricFamily open =
      Family("ringway_listener_connections_open",
             "Connections open, by listener.", MetricType::Gauge);
  MetricFamily requests =
      Family("ringway_listener_http_requests_total",
             "HTTP requests routed, by listener.", MetricType::Counter);
  MetricFamily closed = Family(
      "ringway_listener_connections_closed_total",
      "Connections ended, by listener and how (done, client_reset, "
      "upstream_reset, upstream_unavailable, idle_timeout, drain, "
      "resource_error, rejected, peek_timeout).",
      MetricType::Counter);
  MetricFamily responses =
      Family("ringway_listener_http_responses_total",
             "HTTP responses sent whole, by listener and status class "
             "(1xx..5xx; ringway's own 301, 4xx, 502 and 504 included).",
             MetricType::Counter);
  MetricFamily request_time =
      Family("ringway_listener_http_request_duration_seconds",
             "HTTP requests, routed head to complete response, by listener.",
             MetricType::Histogram);
  MetricFamily handshake_time =
      Family("ringway_listener_tls_handshake_duration_seconds",
             "Clients' TLS handshakes, from accept, by listener.",
             MetricType::Histogram);
  const std::vector<std::string>& names = server.listener_names();
  for (size_t i = 0; i < names.size(); ++i) {
    const RingwayServer::ListenerTotal total = server.ListenerTotals(i);
    std::vector<ClientMetric::Label> labels = {{"listener", names[i]}};
    AddSample(&accepted, static_cast<double>(total.accepted), labels);
    AddSample(&open, static_cast<double>(total.open), labels);
    AddSample(&requests, static_cast<double>(total.http_requests), labels);
    for (int r = 0; r < conn::kCloseReasons; ++r) {
      AddSample(&closed, static_cast<double>(total.closed[r]),
                {{"listener", names[i]},
                 {"reason", std::string(conn::CloseReasonName(
                                static_cast<conn::CloseReason>(r)))}});
    }
    for (size_t c = 1; c < total.http_responses.size(); ++c) {
      AddSample(&responses, static_cast<double>(total.http_responses[c]),
                {{"listener", names[i]}, {"code", absl::StrCat(c, "xx")}});
    }
    if (total.http_responses[0] != 0) {
      AddSample(&responses, static_cast<double>(total.http_responses[0]),
                {{"listener", names[i]}, {"code", "other"}});
    }
    AddHistogram(total.http_request, labels, &request_time);
    AddHistogram(total.tls_handshake, labels, &handshake_time);
  }
  out->push_back(std::move(accepted));
  out->push_back(std::move(open));
  out->push_back(std::move(requests));
  out->push_back(std::move(closed));
  out->push_back(std::move(responses));
  out->push_back(std::move(request_time));
  out->push_back(std::move(handshake_time));
}

}  // namespace

std::vector<MetricFamily> RingwayMetrics::Collect() const {
  std::vector<MetricFamily> out;
  AddCounters(*server_, &out);
  AddListeners(*server_, &out);
  AddHistograms(*server_, &out);
  AddUpstreams(*server_, &out);
  std::shared_ptr<const route::RouteSnapshot> routes =
      server_->routes().current();
  MetricFamily version =
      Family("ringway_route_table_version",
             "Version of the route table in use.", MetricType::Gauge);
  AddSample(&version, static_cast<double>(routes->version));
  MetricFamily applied =
      Family("ringway_route_table_applied_timestamp_seconds",
             "When the route table in use was applied (Unix time).",
             MetricType::Gauge);
  AddSample(&applied,
            absl::ToDoubleSeconds(routes->applied_at - absl::UnixEpoch()));
  MetricFamily ready =
      Family("ringway_ready",
             "1 while every shard serves and ringway is not draining.",
             MetricType::Gauge);
  AddSample(&ready, server_->ready() ? 1 : 0);
  MetricFamily shards =
      Family("ringway_shards", "Shard threads.", MetricType::Gauge);
  AddSample(&shards, server_->shard_count());
  out.push_back(std::move(version));
  out.push_back(std::move(applied));
  out.push_back(std::move(ready));
  out.push_back(std::move(shards));
  return out;
}

std::string RingwayMetrics::Text() const {
  return prometheus::TextSerializer().Serialize(Collect());
}

}  // namespace ringway::control
