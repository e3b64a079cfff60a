#!/usr/bin/env python3
"""Unit tests for check_layering.py on small synthetic workspaces.

Run directly (`python3 test/layering/check_layering_test.py`) or with
`python3 -m unittest discover -s test/layering -p '*_test.py'`; not as
`-m unittest test/layering/...`, which imports Python's own `test` package.
"""

import contextlib
import io
import os
import tempfile
import textwrap
import unittest

import check_layering


def cc_library(name, deps=(), extra=""):
    """A BUILD stanza; deps are written one per line, as in the repo."""
    lines = "".join('        "%s",\n' % d for d in deps)
    return 'cc_library(\n    name = "%s",\n%s    deps = [\n%s    ],\n)\n' % (
        name, extra, lines)


class CheckLayeringTest(unittest.TestCase):

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.root = self._tmp.name
        self.write("WORKSPACE", 'workspace(name = "synthetic")\n')
        self.write("BUILD.bazel", "# root package\n")

    def tearDown(self):
        self._tmp.cleanup()

    def write(self, path, text):
        full = os.path.join(self.root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8") as f:
            f.write(textwrap.dedent(text))

    def run_checker(self):
        out = io.StringIO()
        status = check_layering.run(self.root, out)
        return status, out.getvalue()

    def test_cycle_through_build_labels_is_reported(self):
        self.write("dataplane/a/BUILD.bazel",
                   cc_library("a", ["//dataplane/b:b"]))
        self.write("dataplane/b/BUILD.bazel",
                   cc_library("b", ["//dataplane/a"]))
        status, out = self.run_checker()
        self.assertEqual(status, 1, out)
        self.assertIn("CYCLE between packages: //dataplane/a, //dataplane/b",
                      out)
        # Each edge of the cycle names the BUILD line that causes it.
        self.assertIn('dataplane/a/BUILD.bazel:4: "//dataplane/b:b"', out)
        self.assertIn('dataplane/b/BUILD.bazel:4: "//dataplane/a"', out)

    def test_cycle_through_includes_is_reported(self):
        self.write("dataplane/a/BUILD.bazel", cc_library("a"))
        self.write("dataplane/b/BUILD.bazel", cc_library("b"))
        self.write("dataplane/a/a.h",
                   '#pragma once\n#include "dataplane/b/b.h"\n')
        # A subdirectory without a BUILD file belongs to its ancestor.
        self.write("dataplane/b/internal/b_impl.h",
                   '#include "dataplane/a/a.h"\n')
        self.write("dataplane/b/b.h", '#include "internal/b_impl.h"\n')
        report = check_layering.analyze(self.root)
        self.assertEqual([members for members, _ in report.cycles],
                         [["dataplane/a", "dataplane/b"]])
        status, out = self.run_checker()
        self.assertEqual(status, 1, out)
        self.assertIn('dataplane/a/a.h:2: #include "dataplane/b/b.h"', out)
        self.assertIn('dataplane/b/internal/b_impl.h:1: '
                      '#include "dataplane/a/a.h"', out)

    def test_three_package_cycle_names_every_edge(self):
        self.write("dataplane/a/BUILD.bazel",
                   cc_library("a", ["//dataplane/b"]))
        self.write("dataplane/b/BUILD.bazel",
                   cc_library("b", ["//dataplane/c"]))
        self.write("dataplane/c/BUILD.bazel", cc_library("c"))
        self.write("dataplane/c/c.cc", '#include "dataplane/a/a.h"\n')
        self.write("dataplane/a/a.h", "#pragma once\n")
        report = check_layering.analyze(self.root)
        self.assertEqual(report.cycles, [(
            ["dataplane/a", "dataplane/b", "dataplane/c"],
            ["dataplane/a", "dataplane/b", "dataplane/c", "dataplane/a"])])

    def test_acyclic_tree_passes(self):
        self.write("dataplane/common/BUILD.bazel", cc_library("log"))
        self.write("dataplane/common/log.h", "#pragma once\n")
        self.write("dataplane/ring/BUILD.bazel", cc_library(
            "ring", ["//dataplane/common:log", "@system_libs//:uring"]))
        self.write("dataplane/ring/ring.h", textwrap.dedent("""\
            #include <liburing.h>
            #include "absl/status/status.h"
            #include "dataplane/common/log.h"
            #include "proto/ringway_config.pb.h"
            """))
        self.write("proto/BUILD.bazel", "# generated headers only\n")
        # Comments, load() labels and //visibility are not dependencies.
        self.write("control/BUILD.bazel", textwrap.dedent("""\
            load("//dataplane/common:defs.bzl", "x")  # "//dataplane/common"
            package(default_visibility = ["//visibility:public"])
            """) + cc_library("c", ["//dataplane/ring", "//proto:cfg"]))
        self.write("control/c.cc", '#include "dataplane/ring/ring.h"\n')
        status, out = self.run_checker()
        self.assertEqual(status, 0, out)
        self.assertEqual(out, "check_layering: 5 packages, 4 edges, "
                              "no cycles, no rule violations\n")
        edges = check_layering.analyze(self.root).edges
        self.assertEqual(sorted(edges), [
            ("control", "dataplane/ring"), ("control", "proto"),
            ("dataplane/ring", "dataplane/common"),
            ("dataplane/ring", "proto")])

    def test_liburing_outside_allowed_packages_is_reported(self):
        self.write("dataplane/ring/BUILD.bazel", cc_library("ring"))
        self.write("dataplane/ring/ring.h", "#include <liburing.h>\n")
        self.write("dataplane/net/BUILD.bazel", cc_library("net"))
        self.write("dataplane/net/relay.cc",
                   "// io\n#include <stdint.h>\n#include <liburing.h>\n")
        status, out = self.run_checker()
        self.assertEqual(status, 1, out)
        self.assertEqual(check_layering.analyze(self.root).violations, [
            "dataplane/net/relay.cc:3: <liburing.h> may only be included in "
            "//dataplane/ring, //dataplane/buffer, //test"])

    def test_codec_allow_list_exempts_test_only_code(self):
        for package in ("address", "common", "route"):
            self.write("dataplane/%s/BUILD.bazel" % package, cc_library("x"))
            self.write("dataplane/%s/x.h" % package, "#pragma once\n")
        self.write("dataplane/codec/BUILD.bazel", cc_library(
            "parser", ["//dataplane/address:x", "//dataplane/common:x"]) +
            cc_library("parser_benchmark", ["//dataplane/route:x"]) +
            cc_library("util", ["//dataplane/route:x"],
                       extra="    testonly = True,\n"))
        self.write("dataplane/codec/parser.cc",
                   '#include "dataplane/route/x.h"\n')
        self.write("dataplane/codec/parser_test.cc",
                   '#include "dataplane/route/x.h"\n')
        self.write("dataplane/codec/parser_test_util.h",
                   '#include "dataplane/route/x.h"\n')
        violations = check_layering.analyze(self.root).violations
        self.assertEqual(len(violations), 1, violations)
        self.assertTrue(violations[0].startswith(
            'dataplane/codec/parser.cc:1: #include "dataplane/route/x.h": '
            "//dataplane/codec may depend only on"), violations)

    def test_dataplane_may_not_depend_on_control_except_the_root(self):
        self.write("control/BUILD.bazel", cc_library("server"))
        self.write("tools/BUILD.bazel", cc_library("ctl"))
        self.write("dataplane/BUILD.bazel",
                   cc_library("ringway", ["//control:server", "//tools:ctl"]))
        self.write("dataplane/shard/BUILD.bazel",
                   cc_library("shard", ["//control:server"]))
        self.assertEqual(check_layering.analyze(self.root).violations, [
            'dataplane/shard/BUILD.bazel:4: "//control:server": '
            "//dataplane/shard may not depend on //control"])

    def test_external_labels_and_same_package_labels_add_no_edge(self):
        self.write("dataplane/a/BUILD.bazel", cc_library(
            "a", [":b", "@repo//dataplane/b:x", "@system_libs//:absl"]))
        self.write("dataplane/b/BUILD.bazel",
                   cc_library("b", ["//dataplane/a"]))
        report = check_layering.analyze(self.root)
        self.assertEqual(sorted(report.edges),
                         [("dataplane/b", "dataplane/a")])
        self.assertEqual(report.cycles, [])

    def test_main_rejects_a_directory_without_workspace(self):
        err = io.StringIO()
        with tempfile.TemporaryDirectory() as empty, \
                contextlib.redirect_stderr(err):
            self.assertEqual(check_layering.main(["--root", empty]), 2)
        self.assertIn("not a workspace root", err.getvalue())


if __name__ == "__main__":
    unittest.main()
