"""bench/compare.py runs end to end on a one-second load.

Starts ringway, nginx and HAProxy in turn on l4_bulk (and on a TLS-
terminating workload, which ringway may report as not supported), then checks
the JSON holds numeric figures for each. No speed is asserted; nothing is
installed (tools/bazel installed nginx, haproxy, wrk and openssl).
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
NUMERIC = ("requests_per_s", "gib_per_s", "proxy_cpu_s", "proxy_cpu_percent",
           "proxy_cpu_us_per_request", "proxy_cpu_s_per_gib", "p50_ms",
           "p99_ms", "errors", "non_2xx")


def ringway_binary():
    root = os.environ.get("TEST_SRCDIR") or os.path.join(HERE, "..", "..")
    return os.path.join(root, "ringway", "dataplane", "ringway")


def compare(*args):
    proc = subprocess.run(
        [sys.executable, os.path.join(HERE, "compare.py"),
         "--ringway=" + ringway_binary(), "--no-install"] + list(args),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=240)
    return proc.returncode, proc.stdout.decode("utf-8", "replace")


class CompareSmokeTest(unittest.TestCase):

    def test_print_configs(self):
        code, out = compare("--print-configs")
        self.assertEqual(code, 0, out)
        for needle in ("tcp_proxy", "tls_passthrough", "stream {",
                       "ssl_preread on", "mode tcp", "req.ssl_sni",
                       "ssl crt", "ssl verify none"):
            self.assertIn(needle, out)

    def test_one_second_run(self):
        tmp = os.environ.get("TEST_TMPDIR") or tempfile.mkdtemp()
        path = os.path.join(tmp, "compare.json")
        code, out = compare("--proxies=ringway,nginx,haproxy,splice_floor",
                            "--workloads=l4_bulk,terminate_keepalive",
                            "--seconds=1", "--rounds=1", "--warmup=0",
                            "--json=" + path)
        self.assertEqual(code, 0, out)
        with open(path) as f:
            doc = json.load(f)
        results = {(r["workload"], r["proxy"]): r for r in doc["results"]}
        self.assertEqual(len(results), 8, out)
        for key, r in results.items():
            if key == ("terminate_keepalive", "splice_floor"):
                self.assertEqual(r["status"], "unsupported", r)
                continue
            if key == ("terminate_keepalive", "ringway"):
                self.assertIn(r["status"], ("ok", "unsupported"), r)
                if r["status"] == "unsupported":
                    self.assertTrue(r["reason"])
                    continue
            self.assertEqual(r["status"], "ok", "%s: %s\n%s" %
                             (key, r["reason"], out))
            for figure in NUMERIC:
                value = r["median"][figure]
                self.assertIsInstance(value, (int, float), (key, figure))
                self.assertGreaterEqual(value, 0, (key, figure))
            self.assertGreater(r["median"]["requests"], 0, key)
        ours = results[("l4_bulk", "ringway")]
        self.assertIn(ours["vs_best_peer"]["peer"], ("nginx", "haproxy"))
        self.assertGreater(ours["vs_splice_floor"]["cpu_per_unit_ratio"], 0)
        self.assertIn("l4_bulk", out)  # the table


if __name__ == "__main__":
    unittest.main()
