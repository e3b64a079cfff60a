"""The figures of a measured round, their summary, and ringway's ratios.

A round's figures come from wrk's counts and the proxy's CPU time over the
same window; a result's summary is the median, min and max of each figure
over its rounds. Example:

    rounds = [round_figures(wrk_counts, cpu_s=0.8, wall_s=5.0,
                            backend_cpu_s=4.1)]
    median, lo, hi = summarize(rounds)
"""

import statistics

OK, UNSUPPORTED, FAILED = "ok", "unsupported", "failed"


def round_figures(fig, cpu_s, wall_s, backend_cpu_s):
    """fig: wrk's counts (wrk_load.parse); cpu_s: the proxy's CPU time over
    the wall_s-second window around wrk's run."""
    duration_s = fig["duration_us"] / 1e6
    requests, gib = fig["requests"], fig["bytes"] / float(1 << 30)
    return {
        "requests": requests,
        "bytes": fig["bytes"],
        "duration_s": duration_s,
        "requests_per_s": requests / duration_s,
        "gib_per_s": gib / duration_s,
        "proxy_cpu_s": cpu_s,
        "proxy_cpu_percent": 100.0 * cpu_s / wall_s,
        "proxy_cpu_us_per_request": cpu_s * 1e6 / requests if requests
        else None,
        "proxy_cpu_s_per_gib": cpu_s / gib if gib else None,
        "p50_ms": fig["p50_us"] / 1e3 if fig.get("p50_us") is not None
        else None,
        "p99_ms": fig["p99_us"] / 1e3 if fig.get("p99_us") is not None
        else None,
        "errors": (fig["connect_errors"] + fig["read_errors"] +
                   fig["write_errors"] + fig["timeouts"]),
        "non_2xx": fig["status_errors"],
        "errors_by_kind": {k: fig[k] for k in (
            "connect_errors", "read_errors", "write_errors", "timeouts")},
        "backend_cpu_s": backend_cpu_s,
        "window_s": wall_s,
    }


def summarize(rounds):
    """Per figure, the median, min and max over the rounds."""
    med, lo, hi = {}, {}, {}
    for key, first in rounds[0].items():
        if isinstance(first, dict):
            continue  # e.g. errors_by_kind: see the rounds
        values = [r[key] for r in rounds if r[key] is not None]
        med[key] = statistics.median(values) if values else None
        lo[key] = min(values) if values else None
        hi[key] = max(values) if values else None
    return med, lo, hi


# A reference, not a peer: bench/splice_relay.cc, a bare epoll + splice
# relay measured beside the proxies (L4 and passthrough jobs only). Results
# carry "reference_floor"; ringway's carry "vs_splice_floor".
FLOOR = "splice_floor"
# ringway itself with its observability on (an access log line per
# connection or request, /metrics scraped every second): not a peer either;
# its results carry "vs_ringway", the cost of observability.
OBSERVED = "ringway_observed"


def add_ratios(results):
    """For ringway: CPU per unit and throughput relative to the best peer
    (nginx, HAProxy), and CPU per unit relative to the splice floor."""
    by_workload = {}
    for r in results:
        by_workload.setdefault(r["workload"], []).append(r)
    for rows in by_workload.values():
        # A zero figure (no CPU tick in the window) cannot divide.
        ok = [r for r in rows if r["status"] == OK and
              r["median"][r["cpu_per_unit_figure"]]]
        ours = [r for r in ok if r["proxy"] == "ringway"]
        peers = [r for r in ok
                 if r["proxy"] not in ("ringway", FLOOR, OBSERVED)]
        floor = [r for r in ok if r["proxy"] == FLOOR]
        observed = [r for r in ok if r["proxy"] == OBSERVED]
        if ours and observed:
            key = ours[0]["cpu_per_unit_figure"]
            observed[0]["vs_ringway"] = {
                "cpu_per_unit_ratio": (observed[0]["median"][key] /
                                       ours[0]["median"][key]),
            }
        if ours and floor:
            key = ours[0]["cpu_per_unit_figure"]
            ours[0]["vs_splice_floor"] = {
                "cpu_per_unit_ratio": (ours[0]["median"][key] /
                                       floor[0]["median"][key]),
            }
        if not ours or not peers:
            continue
        key = ours[0]["cpu_per_unit_figure"]
        best = min(peers, key=lambda r: r["median"][key])
        ours[0]["vs_best_peer"] = {
            "peer": best["proxy"],
            "cpu_per_unit_ratio": ours[0]["median"][key] / best["median"][key],
            "throughput_ratio": (ours[0]["median"]["requests_per_s"] /
                                 best["median"]["requests_per_s"]),
        }
