"""Running wrk for one measured window and reading its figures.

wrk runs with a Lua script whose only hook is done(): it prints the exact
request, byte, error and latency counts as one JSON line, while requests stay
on wrk's static fast path (no request() or response() hook). wrk's own
`--latency` text is parsed as a fallback. Example:

    result = run(wrk_argv(url, 5, 32, 1, keepalive=True, script=path), cpus)
    result["requests"], result["p99_us"]
"""

import json
import os
import re
import subprocess

import processes

MARKER = "RINGWAY_BENCH "

DONE_SCRIPT = """\
-- ringway bench: exact figures at the end of a wrk run (bench/wrk_load.py).
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '%s{"requests":%%.0f,"bytes":%%.0f,"duration_us":%%.0f,' ..
    '"connect_errors":%%.0f,"read_errors":%%.0f,"write_errors":%%.0f,' ..
    '"status_errors":%%.0f,"timeouts":%%.0f,' ..
    '"p50_us":%%.1f,"p99_us":%%.1f,"mean_us":%%.1f,"max_us":%%.1f}\\n',
    summary.requests, summary.bytes, summary.duration,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean,
    latency.max))
end
""" % MARKER


def write_script(directory):
    path = os.path.join(directory, "bench_done.lua")
    with open(path, "w") as f:
        f.write(DONE_SCRIPT)
    return path


def wrk_argv(url, seconds, connections, threads, keepalive, script):
    argv = ["wrk", "--latency", "-t", str(threads), "-c", str(connections),
            "-d", "%ds" % seconds, "--timeout", "5s", "-s", script]
    if not keepalive:
        # wrk opens a new connection after every response that closes it.
        argv += ["-H", "Connection: close"]
    return argv + [url]


_UNITS_US = {"us": 1.0, "ms": 1e3, "s": 1e6, "m": 60e6, "h": 3600e6}
_BYTES = {"B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30, "TB": 1 << 40}


def _duration_us(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    return float(m.group(1)) * _UNITS_US[m.group(2)] if m else None


def parse_text(out):
    """Figures from wrk's human-readable --latency output (rounded)."""
    result = {}
    m = re.search(r"(\d+) requests in ([\d.]+)(\w+), ([\d.]+)(\w+) read", out)
    if not m:
        return None
    result["requests"] = int(m.group(1))
    result["duration_us"] = _duration_us(m.group(2) + m.group(3))
    result["bytes"] = float(m.group(4)) * _BYTES.get(m.group(5), 1)
    for pct, key in (("50", "p50_us"), ("99", "p99_us")):
        p = re.search(r"^\s+%s%%\s+(\S+)" % pct, out, re.M)
        result[key] = _duration_us(p.group(1)) if p else None
    e = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                  r"timeout (\d+)", out)
    counts = [int(x) for x in e.groups()] if e else [0, 0, 0, 0]
    for key, n in zip(("connect_errors", "read_errors", "write_errors",
                       "timeouts"), counts):
        result[key] = n
    s = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    result["status_errors"] = int(s.group(1)) if s else 0
    return result


def parse(out):
    for line in out.splitlines():
        if line.startswith(MARKER):
            return json.loads(line[len(MARKER):])
    return parse_text(out)


def run(argv, cpus, seconds):
    """Runs wrk pinned to cpus; returns (figures or None, its output)."""
    cpus = sorted(cpus)
    proc = subprocess.run(
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, timeout=seconds + 30,
        preexec_fn=lambda: processes.pin_and_raise_fd_limit(cpus))
    out = proc.stdout.decode("utf-8", "replace")
    if proc.returncode != 0:
        return None, out
    return parse(out), out
