"""The outputs of a run: the stdout table, the JSON file and the PNG chart.

All three read the same document that compare.py builds (see its
build_document()): environment, settings and one result per proxy and
workload, each with its rounds and their median, min and max. Example:

    print(table(doc))
    write_json("bench.json", doc)
    plot("bench.png", doc)  # needs gnuplot
"""

import json
import math
import os
import subprocess
import tempfile

import figures
import workloads

# Per result: the CPU figure that workload's unit of work is measured in.
CPU_KEY = {workloads.PER_GIB: "proxy_cpu_s_per_gib",
           workloads.PER_REQUEST: "proxy_cpu_us_per_request"}
CPU_LABEL = {workloads.PER_GIB: "proxy CPU-seconds per GiB",
             workloads.PER_REQUEST: "proxy CPU µs per request"}


def sig(x, digits=3):
    """x with about `digits` significant digits, no exponent."""
    if x is None:
        return "-"
    if x == 0:
        return "0"
    decimals = max(0, digits - 1 - int(math.floor(math.log10(abs(x)))))
    return "%.*f" % (decimals, x)


def _int(x):
    return "-" if x is None else "%d" % round(x)


def header(doc):
    env, s = doc["environment"], doc["settings"]
    return ("ringway bench %s: Linux %s, %s (%d CPUs); proxy on CPU %s, "
            "backend and wrk on CPU %s; %d pass(es) of %d round(s) x %d s "
            "after %d s warm-up, %d connections; median of rounds, CPU/unit "
            "range min-max" % (env["date"], env["kernel"], env["cpu_model"],
                               env["cpus"], s["proxy_cpus"], s["load_cpus"],
                               s.get("passes", 1), s["rounds"], s["seconds"],
                               s["warmup"], s["connections"]))


_COLUMNS = ("workload", "proxy", "req/s", "GiB/s", "CPU%", "CPU us/req",
            "CPU s/GiB", "CPU/unit min-max", "p50 ms", "p99 ms", "errors",
            "non-2xx", "ringway CPU/unit vs best peer", "vs splice floor")


def _shown(results):
    """All results but the splice floor's on workloads it does not do (it
    only relays bytes): the JSON keeps those, the table and chart skip them.
    Old JSON files, without the floor, show as they did."""
    return [r for r in results
            if not (r["proxy"] == figures.FLOOR and
                    r["status"] == "unsupported")]


def _row(r):
    if r["status"] != "ok":
        label = ("not supported by this build" if r["status"] == "unsupported"
                 else "failed")
        return [r["workload"], r["proxy"], "%s: %s" % (label, r["reason"])]
    med, lo, hi = r["median"], r["min"], r["max"]
    key = CPU_KEY[r["unit"]]
    spread = ("%s-%s" % (sig(lo[key]), sig(hi[key]))
              if lo[key] is not None else "-")
    vs = r.get("vs_best_peer")
    vs_text = ("%.2fx %s" % (vs["cpu_per_unit_ratio"], vs["peer"])
               if vs else "")
    observed = r.get("vs_ringway")  # ringway_observed: its own cost
    if observed:
        vs_text = "%.3fx ringway" % observed["cpu_per_unit_ratio"]
    floor = r.get("vs_splice_floor")
    floor_text = "%.2fx" % floor["cpu_per_unit_ratio"] if floor else ""
    return [r["workload"], r["proxy"], _int(med["requests_per_s"]),
            sig(med["gib_per_s"]), _int(med["proxy_cpu_percent"]) + "%",
            sig(med["proxy_cpu_us_per_request"]),
            sig(med["proxy_cpu_s_per_gib"]), spread, sig(med["p50_ms"]),
            sig(med["p99_ms"]), _int(med["errors"]), _int(med["non_2xx"]),
            vs_text, floor_text]


def table(doc):
    rows = [list(_COLUMNS)] + [_row(r) for r in _shown(doc["results"])]
    full = [r for r in rows if len(r) == len(_COLUMNS)]
    widths = [max(len(r[i]) for r in full) for i in range(len(_COLUMNS))]
    lines = [header(doc), ""]
    for r in rows:
        cells = []
        for i, cell in enumerate(r):
            if len(r) < len(_COLUMNS) and i == len(r) - 1:
                cells.append(cell)  # a reason runs to the end of the line
            elif i < 2:
                cells.append(cell.ljust(widths[i]))
            else:
                cells.append(cell.rjust(widths[i]))
        lines.append("  ".join(cells).rstrip())
    lines.append("")
    lines.append("CPU% is the proxy's CPU time over the window (100% = one "
                 "CPU busy). vs best peer: ringway's CPU per unit of work "
                 "divided by the lowest of nginx's and HAProxy's (below 1 = "
                 "ringway uses less). vs splice floor: the same over "
                 "splice_floor's, a bare epoll + splice relay (not a peer; "
                 "L4 and passthrough only). ringway_observed: ringway with "
                 "an access log line per connection or request and /metrics "
                 "scraped every second; its ratio is over plain ringway's "
                 "(the cost of observability).")
    return "\n".join(lines)


def markdown(doc):
    """The same table in Markdown, for bench/README.md."""
    lines = ["| " + " | ".join(_COLUMNS) + " |",
             "| " + " | ".join(["---"] * 2 + ["---:"] * (len(_COLUMNS) - 2))
             + " |"]
    for r in _shown(doc["results"]):
        cells = _row(r)
        if len(cells) < len(_COLUMNS):  # the reason fills the figures
            cells[-1] = "*%s*" % cells[-1]
            cells += [""] * (len(_COLUMNS) - len(cells))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_json(path, doc):
    with open(path, "w") as f:
        json.dump(doc, f, indent=2, sort_keys=False)
        f.write("\n")


# --- chart -------------------------------------------------------------------

_COLORS = {"ringway": "#d95f02", "ringway_observed": "#fc8d62",
           "nginx": "#1b9e77", "haproxy": "#7570b3"}


def _gnuplot_string(s):
    return '"%s"' % (s.replace("\\", "\\\\").replace('"', '\\"')
                     .replace("\n", "\\n"))


def _panel(doc, workload, proxies, index):
    """gnuplot commands for one workload's bars (one per proxy)."""
    results = {r["proxy"]: r for r in _shown(doc["results"])
               if r["workload"] == workload.name}
    # No empty slot for the floor where it was skipped.
    proxies = [p for p in proxies if p in results or p != figures.FLOOR]
    key = CPU_KEY[workload.unit]
    block = "$w%d" % index
    lines = [block + " << EOD"]
    for i, proxy in enumerate(proxies):
        r = results.get(proxy)
        color = int(_COLORS.get(proxy, "#666666")[1:], 16)
        if r and r["status"] == "ok" and r["median"][key] is not None:
            lines.append('%d %s %g %g %g %d %s' % (
                i, _gnuplot_string(proxy), r["median"][key], r["min"][key],
                r["max"][key], color, _gnuplot_string(sig(
                    r["median"][key]))))
        else:
            why = ("not supported" if r and r["status"] == "unsupported"
                   else "failed")
            lines.append('%d %s 0 0 0 %d %s' % (
                i, _gnuplot_string(proxy), color, _gnuplot_string(why)))
    lines.append("EOD")
    title = "%s\n%s (lower is better)" % (workload.name,
                                           CPU_LABEL[workload.unit])
    ours = results.get("ringway", {}).get("vs_best_peer")
    if ours:
        title += "\nringway: %.2fx %s" % (ours["cpu_per_unit_ratio"],
                                           ours["peer"])
    floor = results.get("ringway", {}).get("vs_splice_floor")
    if floor:
        title += ", %.2fx floor" % floor["cpu_per_unit_ratio"]
    lines += [
        "set title %s" % _gnuplot_string(title),
        "set xrange [-0.6:%g]" % (len(proxies) - 0.4),
        "set yrange [0:*]",
        "plot %s using 1:3:6:xtic(2) with boxes lc rgb variable notitle, \\"
        % block,
        # The min-max whisker of the rounds.
        "     %s using 1:4:(0):($5-$4) with vectors nohead lc rgb 'black' "
        "notitle, \\" % block,
        # The value sits above the bar's max whisker.
        "     %s using 1:5:7 with labels offset 0,0.8 notitle" % block,
    ]
    return lines


def gnuplot_script(doc, out_path):
    selected = [workloads.BY_NAME[w] for w in doc["settings"]["workloads"]]
    proxies = doc["settings"]["proxies"]
    cols = min(4, len(selected))
    rows = int(math.ceil(len(selected) / cols))
    env = doc["environment"]
    title = ("ringway vs nginx vs HAProxy: proxy CPU per unit of work "
             "(median of %d x %d s; bars: min-max)\n%s, Linux %s, %s, "
             "proxy on CPU %s" % (doc["settings"]["rounds"],
                                  doc["settings"]["seconds"], env["date"],
                                  env["kernel"], env["cpu_model"],
                                  doc["settings"]["proxy_cpus"]))
    lines = [
        "set terminal pngcairo size %d,%d font 'sans,10'" % (
            400 * cols, 360 * rows + 60),
        "set termoption noenhanced",  # workload names hold underscores
        "set output %s" % _gnuplot_string(out_path),
        "set style fill solid 0.85 border -1",
        "set boxwidth 0.6",
        "set grid ytics",
        "set offsets 0, 0, graph 0.12, 0",
        "set multiplot layout %d,%d title %s" % (
            rows, cols, _gnuplot_string(title)),
    ]
    for i, w in enumerate(selected):
        lines += _panel(doc, w, proxies, i)
    lines.append("unset multiplot")
    return "\n".join(lines) + "\n"


def plot(out_path, doc, gnuplot="gnuplot"):
    """Writes the PNG; raises CalledProcessError with gnuplot's output."""
    script = gnuplot_script(doc, out_path)
    with tempfile.NamedTemporaryFile("w", suffix=".gp", delete=False) as f:
        f.write(script)
        script_path = f.name
    try:
        subprocess.run([gnuplot, script_path], check=True,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    finally:
        os.unlink(script_path)
