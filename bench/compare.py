"""ringway, nginx and HAProxy side by side: proxy CPU per unit of work.

For each workload and each proxy in turn, the harness starts the proxy pinned
to its own CPU(s) in front of the same nginx backend, sends the same wrk load
from the other CPU(s), and reads the proxy's CPU time (its whole process tree,
from /proc) right before and after each measured window. See bench/README.md
for the method and the latest figures.

    tools/bazel run //bench:compare -- [--proxies=ringway,nginx,haproxy]
        [--workloads=l4_bulk,...] [--shards=1] [--seconds=5] [--rounds=3]
        [--warmup=2] [--json=FILE] [--plot=FILE.png] [--print-configs]
"""

import argparse
import http.client
import json
import os
import shlex
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time

# The modules beside this file; no __pycache__ in the source tree.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True

import figures  # noqa: E402
import host  # noqa: E402
import processes  # noqa: E402
import proxy_configs  # noqa: E402
import report  # noqa: E402
import workloads  # noqa: E402
import wrk_load  # noqa: E402

# Not a peer: a bare epoll + splice relay (bench/splice_relay.cc), the
# reference floor for the L4 and passthrough jobs (see figures.FLOOR).
FLOOR = figures.FLOOR
OBSERVED = figures.OBSERVED
PROXIES = ("ringway", "nginx", "haproxy", FLOOR, OBSERVED)
RINGWAYS = ("ringway", OBSERVED)


def log(msg):
    print("compare: " + msg, file=sys.stderr, flush=True)


# --- arguments and environment -----------------------------------------------


def default_binary(package, name):
    """A binary of this workspace: from the runfiles under `bazel run` or
    `bazel test` (this file sits at ringway/bench/compare.py there), else
    from bazel-bin."""
    candidates = []
    for var in ("RUNFILES_DIR", "TEST_SRCDIR"):
        if os.environ.get(var):
            candidates.append(os.path.join(os.environ[var], "ringway",
                                           package, name))
    here = os.path.dirname(os.path.abspath(__file__))
    candidates += [os.path.join(here, "..", package, name),
                   os.path.join(here, "..", "bazel-bin", package, name)]
    for path in candidates:
        if os.access(path, os.X_OK):
            return os.path.normpath(path)
    return None


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Proxy CPU per unit of work: ringway vs nginx vs HAProxy "
        "on the same machine, in one run.")
    p.add_argument("--proxies", default=",".join(PROXIES),
                   help="comma-separated subset of %s" % ",".join(PROXIES))
    p.add_argument("--workloads", default="all",
                   help="comma-separated subset of %s (default all)" %
                   ",".join(workloads.BY_NAME))
    p.add_argument("--shards", type=int, default=1,
                   help="ringway shards = nginx workers = HAProxy threads = "
                   "CPUs given to the proxy")
    p.add_argument("--seconds", type=int, default=5,
                   help="length of one measured round")
    p.add_argument("--rounds", type=int, default=3,
                   help="measured rounds per proxy and workload; figures "
                   "are their median, with min and max")
    p.add_argument("--passes", type=int, default=1,
                   help="measure every proxy this many times per workload, "
                   "alternating them; each pass runs --rounds rounds, the "
                   "figures are the median over all")
    p.add_argument("--warmup", type=int, default=2,
                   help="seconds of unmeasured load before the rounds")
    p.add_argument("--connections", type=int, default=32,
                   help="wrk connections (-c)")
    p.add_argument("--proxy-cpus", default="",
                   help='CPUs for the proxy, e.g. "0" (default: the first '
                   "--shards CPUs this process may use)")
    p.add_argument("--load-cpus", default="",
                   help="CPUs for the backend and wrk (default: the rest)")
    p.add_argument("--observed-access-log", default=None, metavar="PATH",
                   help="where ringway_observed writes its access log "
                   "(default: access.log in its work directory under "
                   "/tmp); a file on tmpfs leaves the disk's file system "
                   "out of the figure, /dev/null all but building and "
                   "handing over the lines")
    p.add_argument("--ringway", default=None,
                   help="ringway binary (default: from the runfiles)")
    p.add_argument("--splice-relay", default=None,
                   help="the splice_floor relay binary (default: from the "
                   "runfiles)")
    p.add_argument("--json", default=None, help="write the results here")
    p.add_argument("--plot", default=None,
                   help="write a PNG bar chart of CPU per unit here "
                   "(installs gnuplot-nox if missing)")
    p.add_argument("--print-configs", action="store_true",
                   help="print every proxy and backend configuration and "
                   "command line, then exit")
    p.add_argument("--markdown", action="store_true",
                   help="print the table in Markdown (for bench/README.md)")
    p.add_argument("--from-json", default=None, metavar="FILE",
                   help="measure nothing: print the table of an earlier "
                   "--json file (and --plot it)")
    p.add_argument("--keep-tmp", action="store_true",
                   help="keep the temporary directory (configs, logs)")
    p.add_argument("--no-install", action="store_true",
                   help="fail instead of installing missing packages")
    args = p.parse_args(argv)
    args.proxy_list = [x.strip() for x in args.proxies.split(",")
                       if x.strip()]
    unknown = [x for x in args.proxy_list if x not in PROXIES]
    if unknown or not args.proxy_list:
        p.error("--proxies: unknown %s; known: %s" %
                (",".join(unknown) or "(none given)", ",".join(PROXIES)))
    try:
        args.workload_list = workloads.select(args.workloads)
    except ValueError as e:
        p.error("--workloads: %s" % e)
    # Every load is bounded: at most 20 rounds of 5 minutes.
    if not (1 <= args.seconds <= 300 and 1 <= args.rounds <= 20 and
            0 <= args.warmup <= 60 and 1 <= args.passes <= 10):
        p.error("want 1 <= --seconds <= 300, 1 <= --rounds <= 20, "
                "0 <= --warmup <= 60, 1 <= --passes <= 10")
    if args.shards < 1 or args.connections < 1:
        p.error("--shards and --connections must be >= 1")
    return args


def choose_cpus(args):
    allowed = sorted(os.sched_getaffinity(0))
    proxy = (processes.parse_cpus(args.proxy_cpus) if args.proxy_cpus
             else allowed[:args.shards])
    load = (processes.parse_cpus(args.load_cpus) if args.load_cpus
            else [c for c in allowed if c not in proxy])
    if not load:
        log("warning: no CPU left for the load; backend and wrk share the "
            "proxy's CPU(s)")
        load = allowed
    return proxy, load


def output_path(path):
    """Relative paths are relative to the workspace under `bazel run`."""
    base = os.environ.get("BUILD_WORKSPACE_DIRECTORY", os.getcwd())
    return path if os.path.isabs(path) else os.path.join(base, path)


# --- one run -----------------------------------------------------------------


def make_tls(directory):
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    subprocess.run(
        [host.tool("openssl"), "req", "-x509", "-newkey", "ec", "-pkeyopt",
         "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=localhost",
         "-days", "30", "-keyout", key, "-out", cert],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pem = os.path.join(directory, "cert_and_key.pem")
    with open(pem, "w") as out:
        for path in (cert, key):
            with open(path) as f:
                out.write(f.read())
    return proxy_configs.TlsFiles(cert=cert, key=key, pem=pem)


def write_docroot(directory):
    os.makedirs(directory)
    chunk = bytes(range(256)) * 4096  # 1 MiB, not all zeros
    for path, size in ((workloads.BULK_PATH, workloads.BULK_BYTES),
                       (workloads.SMALL_PATH, workloads.SMALL_BYTES)):
        with open(os.path.join(directory, path.lstrip("/")), "wb") as f:
            f.write(chunk[:size])


def probe(workload, port):
    """One request through the proxy, before any load; None if it worked."""
    try:
        if workload.client_tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            conn = http.client.HTTPSConnection(
                proxy_configs.SERVER_NAME, port, timeout=5, context=ctx)
        else:
            conn = http.client.HTTPConnection(proxy_configs.HOST, port,
                                              timeout=5)
        conn.request("GET", workload.path)
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
    except (OSError, http.client.HTTPException) as e:
        return "probe request failed: %s" % (str(e) or type(e).__name__)
    if resp.status != 200 or len(body) != workload.response_body_bytes:
        return "probe request got status %d with %d body bytes" % (
            resp.status, len(body))
    return None


def first_error_line(text):
    for line in text.splitlines():
        if "error" in line.lower():
            return line.strip()
    lines = text.strip().splitlines()
    return lines[-1].strip() if lines else "(no output)"


class MetricsScraper:
    """Fetches ringway's /metrics once a second, as Prometheus would (at a
    shorter interval than its 15 s default), while ringway_observed runs."""

    def __init__(self, port):
        self.port, self.scrapes = port, 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.done.wait(1.0):
            try:
                conn = http.client.HTTPConnection(proxy_configs.HOST,
                                                  self.port, timeout=2)
                conn.request("GET", "/metrics")
                if conn.getresponse().read():
                    self.scrapes += 1
                conn.close()
            except OSError:
                pass  # not listening yet, or gone: the next second

    def stop(self):
        """Stops; returns how many scrapes succeeded."""
        self.done.set()
        self.thread.join(timeout=5)
        return self.scrapes


class Run:
    """The temporary directory, backend and settings of one invocation."""

    def __init__(self, args, tmp):
        self.args = args
        self.tmp = tmp
        self.proxy_cpus, self.load_cpus = choose_cpus(args)
        self.wrk_threads = max(1, min(len(self.load_cpus), args.connections))
        self.tls = make_tls(tmp)
        self.script = wrk_load.write_script(tmp)
        self.backend = proxy_configs.Backend(processes.free_port(),
                                             processes.free_port())
        self.backend_service = None
        self.serial = 0

    def instance_dir(self, name):
        self.serial += 1
        path = os.path.join(self.tmp, "%02d-%s" % (self.serial, name))
        os.makedirs(path)
        return path

    def start_backend(self):
        workdir = self.instance_dir("backend")
        docroot = os.path.join(self.tmp, "www")
        write_docroot(docroot)
        config = os.path.join(workdir, "nginx.conf")
        with open(config, "w") as f:
            f.write(proxy_configs.nginx_backend_config(
                self.backend, self.tls, workdir, docroot,
                len(self.load_cpus)))
        argv = proxy_configs.nginx_argv(workdir, config)
        argv[0] = host.tool("nginx")
        svc = processes.Service("backend", argv, self.load_cpus,
                                os.path.join(workdir, "stdout.log"))
        svc.start()
        self.backend_service = svc
        for port in (self.backend.http_port, self.backend.https_port):
            why = processes.wait_listening(svc, port)
            if why:
                sys.exit("compare: backend nginx %s:\n%s" %
                         (why, svc.log_text()))

    def proxy_service(self, proxy, workload, port, workdir):
        """(Service, its config file); raises Unsupported."""
        a, b = self.args, self.backend
        config = os.path.join(workdir, "proxy.conf")
        if proxy in RINGWAYS:
            text = proxy_configs.ringway_config(workload, port, b, self.tls)
            if proxy == OBSERVED:
                self.admin_port = processes.free_port()
                text = proxy_configs.ringway_observed(
                    text, a.observed_access_log or
                    os.path.join(workdir, "access.log"), self.admin_port)
            argv = proxy_configs.ringway_argv(a.ringway, config, a.shards)
        elif proxy == "nginx":
            text = proxy_configs.nginx_proxy_config(
                workload, port, b, self.tls, workdir, a.shards)
            argv = proxy_configs.nginx_argv(workdir, config)
            argv[0] = host.tool("nginx")
        elif proxy == FLOOR:
            text = proxy_configs.splice_floor_note(workload, port, b)
            argv = proxy_configs.splice_floor_argv(a.splice_relay, workload,
                                                   port, b)
        else:
            text = proxy_configs.haproxy_config(workload, port, b, self.tls,
                                                a.shards)
            argv = proxy_configs.haproxy_argv(config)
            argv[0] = host.tool("haproxy")
        with open(config, "w") as f:
            f.write(text)
        return processes.Service(proxy, argv, self.proxy_cpus,
                                 os.path.join(workdir, "stdout.log")), config

    def ringway_rejects(self, config):
        """ringway --validate's first error, or None if it accepts."""
        out = subprocess.run(
            [self.args.ringway, "--config=" + config, "--validate"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
        if out.returncode == 0:
            return None
        lines = out.stdout.decode("utf-8", "replace").strip().splitlines()
        # "ringway: FILE: N error(s):" then one error per line.
        if not lines:
            return "--validate exited %d" % out.returncode
        return lines[1] if len(lines) > 1 else lines[0]

    def wrk_argv(self, workload, port, seconds):
        url_host = (proxy_configs.SERVER_NAME if workload.client_tls
                    else proxy_configs.HOST)
        url = "%s://%s:%d%s" % (workload.url_scheme, url_host, port,
                                workload.path)
        argv = wrk_load.wrk_argv(url, seconds, self.args.connections,
                                 self.wrk_threads, workload.keepalive,
                                 self.script)
        argv[0] = host.tool("wrk")
        return argv

    def measure(self, proxy, workload):
        result = {"workload": workload.name, "proxy": proxy,
                  "reference_floor": proxy == FLOOR,
                  "status": figures.OK, "reason": None,
                  "unit": workload.unit,
                  "cpu_per_unit_figure": report.CPU_KEY[workload.unit]}
        port = processes.free_port()
        workdir = self.instance_dir("%s-%s" % (proxy, workload.name))
        try:
            svc, config = self.proxy_service(proxy, workload, port, workdir)
        except proxy_configs.Unsupported as e:
            return dict(result, status=figures.UNSUPPORTED, reason=str(e))
        result["command"] = svc.shell_command()
        if proxy in RINGWAYS:
            why = self.ringway_rejects(config)
            if why:
                return dict(result, status=figures.UNSUPPORTED, reason=why)
        svc.start()
        scraper = (MetricsScraper(self.admin_port) if proxy == OBSERVED
                   else None)
        try:
            return self.measure_running(svc, workload, port, result, workdir)
        finally:
            if scraper:
                result["metrics_scrapes"] = scraper.stop()
            svc.stop()
            closed_after = processes.wait_port_closed(port)
            if closed_after is None:
                log("warning: %s exited but port %d still accepts" %
                    (proxy, port))
            elif closed_after > 0.05:
                log("note: %s exited; port %d accepted for %.2f s more" %
                    (proxy, port, closed_after))

    def measure_running(self, svc, workload, port, result, workdir):
        marker = "ready:" if svc.name in RINGWAYS else None
        why = processes.wait_listening(svc, port, log_marker=marker)
        if why:
            text = svc.log_text()
            if svc.name in RINGWAYS and "ringway: error:" in text:
                return dict(result, status=figures.UNSUPPORTED,
                            reason=first_error_line(text))
            return dict(result, status=figures.FAILED, reason="%s: %s" % (
                why, first_error_line(text)))
        why = probe(workload, port)
        if why:
            return dict(result, status=figures.FAILED, reason=why)
        name = "%s / %s" % (workload.name, svc.name)
        if self.args.warmup:
            log("%s: warm-up %d s" % (name, self.args.warmup))
            wrk_load.run(self.wrk_argv(workload, port, self.args.warmup),
                         self.load_cpus, self.args.warmup)
        rounds = []
        for i in range(self.args.rounds):
            one, why = self.one_round(
                svc, workload, port,
                os.path.join(workdir, "wrk-round%d.txt" % (i + 1)))
            if one is None:
                return dict(result, status=figures.FAILED, reason=why)
            rounds.append(one)
            log("%s: round %d/%d: %.0f req/s, %.3f GiB/s, proxy CPU %.0f%%, "
                "%.2f us/req, %s s/GiB" % (
                    name, i + 1, self.args.rounds, one["requests_per_s"],
                    one["gib_per_s"], one["proxy_cpu_percent"],
                    one["proxy_cpu_us_per_request"] or 0,
                    report.sig(one["proxy_cpu_s_per_gib"])))
        result["rounds"] = rounds
        result["median"], result["min"], result["max"] = figures.summarize(
            rounds)
        return result

    def one_round(self, svc, workload, port, wrk_log):
        """(figures, None) or (None, why); wrk's output goes to wrk_log."""
        seconds = self.args.seconds
        argv = self.wrk_argv(workload, port, seconds)
        backend0 = self.backend_service.cpu_seconds()
        cpu0, t0 = svc.cpu_seconds(), time.monotonic()
        fig, out = wrk_load.run(argv, self.load_cpus, seconds)
        cpu1, t1 = svc.cpu_seconds(), time.monotonic()
        backend_cpu = self.backend_service.cpu_seconds() - backend0
        with open(wrk_log, "w") as f:
            f.write(shlex.join(argv) + "\n" + out)
        if svc.exit_code() is not None:
            return None, "%s exited during the load: %s" % (
                svc.name, first_error_line(svc.log_text()))
        if fig is None or not fig.get("duration_us"):
            tail = " | ".join(out.strip().splitlines()[-3:])
            return None, "wrk failed: " + tail
        if fig["requests"] == 0:
            return None, "no request completed (wrk: %d connect, %d read " \
                "errors)" % (fig["connect_errors"], fig["read_errors"])
        return figures.round_figures(fig, cpu1 - cpu0, t1 - t0,
                                     backend_cpu), None


def settings(args, run):
    return {
        "proxies": args.proxy_list,
        "workloads": [w.name for w in args.workload_list],
        "shards": args.shards,
        "seconds": args.seconds,
        "rounds": args.rounds,
        "passes": args.passes,
        "warmup": args.warmup,
        "connections": args.connections,
        "wrk_threads": run.wrk_threads,
        "proxy_cpus": processes.format_cpus(run.proxy_cpus),
        "load_cpus": processes.format_cpus(run.load_cpus),
        "observed_access_log": args.observed_access_log,
        "ringway_binary": args.ringway,
        "splice_relay_binary": args.splice_relay,
        "workload_descriptions": {w.name: w.description
                                  for w in args.workload_list},
    }


# --- --print-configs ---------------------------------------------------------


def print_configs(args):
    """Every configuration the run would write, with example ports/paths."""
    tmp = "/tmp/ringway-bench-XXXX"
    tls = proxy_configs.TlsFiles(tmp + "/cert.pem", tmp + "/key.pem",
                                 tmp + "/cert_and_key.pem")
    backend = proxy_configs.Backend(20001, 20002)
    proxy_cpus, load_cpus = choose_cpus(args)
    port = 20000
    print("# Ports and paths are examples: each run picks free ports and a "
          "new temporary directory.\n")
    print("## backend (nginx)\n# taskset -c %s nginx -p %s/backend -c "
          "%s/backend/nginx.conf\n" % (processes.format_cpus(load_cpus), tmp,
                                       tmp))
    print(proxy_configs.nginx_backend_config(
        backend, tls, tmp + "/backend", tmp + "/www", len(load_cpus)))
    for w in args.workload_list:
        for proxy in args.proxy_list:
            workdir = "%s/%s-%s" % (tmp, proxy, w.name)
            conf = workdir + "/proxy.conf"
            try:
                if proxy in RINGWAYS:
                    text = proxy_configs.ringway_config(w, port, backend, tls)
                    if proxy == OBSERVED:
                        text = proxy_configs.ringway_observed(
                            text, args.observed_access_log or
                            workdir + "/access.log", port + 1)
                    argv = proxy_configs.ringway_argv(
                        args.ringway or "ringway", conf, args.shards)
                elif proxy == "nginx":
                    text = proxy_configs.nginx_proxy_config(
                        w, port, backend, tls, workdir, args.shards)
                    argv = proxy_configs.nginx_argv(workdir, conf)
                elif proxy == FLOOR:
                    text = proxy_configs.splice_floor_note(w, port, backend)
                    argv = proxy_configs.splice_floor_argv(
                        args.splice_relay or "splice_relay", w, port,
                        backend)
                else:
                    text = proxy_configs.haproxy_config(w, port, backend, tls,
                                                        args.shards)
                    argv = proxy_configs.haproxy_argv(conf)
            except proxy_configs.Unsupported as e:
                print("## %s, %s: not supported by this build: %s\n" %
                      (w.name, proxy, e))
                continue
            print("## %s, %s\n# taskset -c %s %s\n" % (
                w.name, proxy, processes.format_cpus(proxy_cpus),
                shlex.join(argv)))
            print(text)


# --- main --------------------------------------------------------------------


def merge_pass(into, r):
    """One more pass of a proxy on a workload: its rounds join the earlier
    ones' (the figures are the median over all); a failure stands."""
    if into["status"] != figures.OK or r["status"] != figures.OK:
        return into if into["status"] != figures.OK else r
    into["rounds"] += r["rounds"]
    into["median"], into["min"], into["max"] = figures.summarize(
        into["rounds"])
    return into


def run_all(args, run):
    results = []
    for w in args.workload_list:
        by_proxy = {}
        # Passes alternate the proxies (A, B, A, B...), so a drift of the
        # machine during the run falls on all of them alike.
        for _ in range(args.passes):
            for proxy in args.proxy_list:
                try:
                    r = run.measure(proxy, w)
                except (OSError, subprocess.SubprocessError) as e:
                    r = {"workload": w.name, "proxy": proxy,
                         "reference_floor": proxy == FLOOR,
                         "status": figures.FAILED, "unit": w.unit,
                         "reason": "%s: %s" % (type(e).__name__, e)}
                if r["status"] != figures.OK:
                    log("%s / %s: %s: %s" % (w.name, proxy, r["status"],
                                             r["reason"]))
                by_proxy[proxy] = (merge_pass(by_proxy[proxy], r)
                                   if proxy in by_proxy else r)
        results += [by_proxy[p] for p in args.proxy_list]
    figures.add_ratios(results)
    return results


def main(argv):
    args = parse_args(argv)
    if args.ringway is None:
        args.ringway = default_binary("dataplane", "ringway")
    if args.splice_relay is None:
        args.splice_relay = default_binary("bench", "splice_relay")
    if args.splice_relay:
        args.splice_relay = os.path.abspath(args.splice_relay)
    if args.print_configs:
        print_configs(args)
        return 0
    if args.from_json:
        with open(output_path(args.from_json)) as f:
            doc = json.load(f)
        if args.plot:
            host.ensure_packages(host.PACKAGES["plot"], not args.no_install)
        return write_outputs(args, doc)
    if set(RINGWAYS) & set(args.proxy_list) and not args.ringway:
        sys.exit("compare: no ringway binary found; pass --ringway=PATH")
    if FLOOR in args.proxy_list and not args.splice_relay:
        sys.exit("compare: no splice_relay binary found; pass "
                 "--splice-relay=PATH or leave %s out of --proxies" % FLOOR)
    if args.ringway:
        args.ringway = os.path.abspath(args.ringway)
    packages = list(host.PACKAGES["base"])
    for proxy in ("nginx", "haproxy"):
        if proxy in args.proxy_list:
            packages += host.PACKAGES[proxy]
    if args.plot:
        packages += host.PACKAGES["plot"]
    host.ensure_packages(packages, not args.no_install)
    env = host.environment(args.ringway, args.proxy_list)

    tmp = tempfile.mkdtemp(prefix="ringway-bench-",
                           dir=os.environ.get("TEST_TMPDIR") or "/tmp")
    run = None
    try:
        run = Run(args, tmp)
        log("proxy on CPU %s, backend and wrk on CPU %s; files in %s" % (
            processes.format_cpus(run.proxy_cpus),
            processes.format_cpus(run.load_cpus), tmp))
        run.start_backend()
        results = run_all(args, run)
    finally:
        if run and run.backend_service:
            run.backend_service.stop()
        if args.keep_tmp:
            log("kept " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    doc = {"environment": env, "settings": settings(args, run),
           "results": results}
    code = write_outputs(args, doc)
    return 1 if any(r["status"] == figures.FAILED for r in results) else code


def write_outputs(args, doc):
    """The table on stdout, then --json and --plot; 1 if gnuplot failed."""
    print(report.markdown(doc) if args.markdown else report.table(doc))
    if args.json:
        report.write_json(output_path(args.json), doc)
        log("wrote " + output_path(args.json))
    if args.plot:
        try:
            report.plot(output_path(args.plot), doc, host.tool("gnuplot"))
            log("wrote " + output_path(args.plot))
        except subprocess.CalledProcessError as e:
            log("gnuplot failed:\n" + e.stdout.decode("utf-8", "replace"))
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
