#!/usr/bin/env python3
"""Fails when ringway's Bazel packages depend on each other in a cycle, or
break one of the layering rules in the tables below.

A package depends on another when its BUILD file names one of the other's
labels ("//pkg:target", "//pkg"), or when one of its .h/.cc files has
`#include "path"` resolving to a file the other package owns (the nearest
ancestor directory with a BUILD file). Both kinds of edge count: a cycle
through headers alone links fine today and tangles the layers all the same.

    python3 test/layering/check_layering.py [--root /path/to/workspace]

Without --root, the workspace is found from this file's real path (under
`bazel test` with local spawns its runfile is a symlink into the source tree).
"""

import argparse
import ast
import collections
import fnmatch
import io
import os
import re
import sys
import tokenize

# --- Rules: extend these tables. Package names are workspace-relative paths,
# "" being the root package. "Under p" means p itself or any p/... package.

# Top-level directories whose packages are checked (plus the root package).
SCANNED_DIRS = ("dataplane", "control", "tools", "test", "bench", "proto")

# Headers only the listed packages may include: io_uring stays behind the
# ring and buffer abstractions.
RESTRICTED_HEADERS = {
    # The ring wrapper and the buffer ring registered on it; test/smoke_test.cc
    # checks that the toolchain links liburing at all.
    "liburing.h": ("dataplane/ring", "dataplane/buffer", "test"),
}

# Packages whose ringway dependencies are an allow-list. Test-only files and
# targets (TEST_ONLY_* below) are exempt: tests may pull in test utilities.
ALLOWED_DEPS = {
    # Pure parsers/writers: nothing from the I/O or routing layers.
    "dataplane/codec": ("dataplane/address", "dataplane/common"),
}

# (packages under, may not depend on packages under, exempt packages).
FORBIDDEN_DEPS = (
    # The data plane never reaches up into control or tools; only the
    # process package //dataplane (the composition root) wires them together.
    ("dataplane", ("control", "tools"), ("dataplane",)),
)

# Files and BUILD targets that only tests, fuzzers and benchmarks build.
TEST_ONLY_FILES = ("*_test.cc", "*_fuzz.cc", "*_benchmark.cc",
                   "*_test_util.*", "write_fuzz_seeds.cc")
TEST_ONLY_TARGETS = ("*_test", "*_benchmark", "*_test_util",
                     "write_fuzz_seeds")

# Generated headers that exist only in bazel-out: path pattern -> package.
GENERATED_HEADERS = ((re.compile(r"proto/[^/]+\.pb\.h$"), "proto"),)

BUILD_FILE_NAMES = ("BUILD.bazel", "BUILD")
SOURCE_EXTENSIONS = (".h", ".cc")

# "//pkg/path:target" or "//pkg/path" not preceded by "@repo" (external).
LABEL_RE = re.compile(r"(?:^|[\s(=])(//([A-Za-z0-9_.+/-]*)(:[^\s\")]*)?)")
INCLUDE_RE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')

# One reason for an edge: where it is written and whether only tests use it.
Evidence = collections.namedtuple("Evidence", "path line what test_only")
Include = collections.namedtuple("Include",
                                 "path line header quoted package")
# cycles: (SCC members, one concrete cycle through them) per SCC of 2+.
Report = collections.namedtuple("Report",
                                "packages edges cycles violations notes")


def show(package):
    return "//" + package


def under(package, prefix):
    return prefix == "" or package == prefix or \
        package.startswith(prefix + "/")


def has_build_file(directory):
    return any(os.path.isfile(os.path.join(directory, name))
               for name in BUILD_FILE_NAMES)


def find_packages(root):
    """Every directory with a BUILD file under SCANNED_DIRS, plus root."""
    packages = {""} if has_build_file(root) else set()
    for top in SCANNED_DIRS:
        for dirpath, dirnames, _ in os.walk(os.path.join(root, top)):
            # Skip hidden and bazel-* trees; os.walk never follows symlinks.
            dirnames[:] = sorted(d for d in dirnames
                                 if not d.startswith((".", "bazel-")))
            if has_build_file(dirpath):
                packages.add(os.path.relpath(dirpath, root).replace(
                    os.sep, "/"))
    return packages


def owner_package(root, relpath, packages):
    """The package owning a workspace file, if it is a checked package."""
    directory = os.path.dirname(relpath)
    while True:
        if has_build_file(os.path.join(root, directory)):
            return directory if directory in packages else None
        if not directory:
            return None
        directory = os.path.dirname(directory)


def build_labels(path):
    """Yields (line, label, package, test-only?) per label in a BUILD file.

    Starlark tokenizes as Python, so comments and strings are never confused.
    load() statements are skipped: a .bzl macro is build tooling, not a code
    dependency (//dataplane/codec loads //test/fuzz:fuzz.bzl).
    """
    with open(path, encoding="utf-8") as f:
        tokens = list(tokenize.generate_tokens(io.StringIO(f.read()).readline))
    statement, depth = [], 0
    for tok in tokens:
        if tok.type == tokenize.OP and tok.string in "([{":
            depth += 1
        elif tok.type == tokenize.OP and tok.string in ")]}":
            depth -= 1
        if tok.type == tokenize.NEWLINE or tok.type == tokenize.ENDMARKER:
            yield from _statement_labels(statement)
            statement = []
        elif tok.type not in (tokenize.NL, tokenize.COMMENT, tokenize.INDENT,
                              tokenize.DEDENT):
            statement.append((tok, depth))


def _statement_labels(statement):
    if not statement or statement[0][0].string == "load":
        return
    kind, name, testonly = statement[0][0].string, "", False
    for i in range(len(statement) - 2):
        (key, depth), (eq, _), (value, _) = statement[i:i + 3]
        if depth != 1 or eq.string != "=":
            continue  # Only the call's own keyword arguments.
        if key.string == "name" and value.type == tokenize.STRING:
            name = ast.literal_eval(value.string)
        elif key.string == "testonly" and value.string in ("True", "1"):
            testonly = True
    test_only = (testonly or kind.endswith("_test") or
                 any(fnmatch.fnmatch(name, p) for p in TEST_ONLY_TARGETS))
    for tok, _ in statement:
        if tok.type == tokenize.STRING:
            for match in LABEL_RE.finditer(ast.literal_eval(tok.string)):
                yield (tok.start[0], match.group(1),
                       match.group(2).rstrip("/"), test_only)


def source_includes(root, relpath, packages):
    """Yields an Include per #include line; package is None when external."""
    path = os.path.join(root, relpath)
    with open(path, encoding="utf-8", errors="replace") as f:
        for number, text in enumerate(f, 1):
            match = INCLUDE_RE.match(text)
            if not match:
                continue
            delim, header = match.groups()
            package = None
            if delim == '"':
                # Workspace-relative (the repo's style), then file-relative.
                for candidate in (header, os.path.join(
                        os.path.dirname(relpath), header)):
                    candidate = os.path.normpath(candidate)
                    if not candidate.startswith("..") and os.path.isfile(
                            os.path.join(root, candidate)):
                        package = owner_package(root, candidate, packages)
                        break
                else:
                    for pattern, generated in GENERATED_HEADERS:
                        if pattern.match(header) and generated in packages:
                            package = generated
            yield Include(relpath, number, header, delim == '"', package)


def source_files(root, package):
    """Sources owned by a package (not by a nested package)."""
    base = os.path.join(root, package)
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith((".", "bazel-")) and
            not has_build_file(os.path.join(dirpath, d)))
        if package == "":
            dirnames[:] = []  # Root: only its own files; the rest is scanned.
        for name in sorted(filenames):
            if name.endswith(SOURCE_EXTENSIONS):
                yield os.path.relpath(os.path.join(dirpath, name),
                                      root).replace(os.sep, "/")


def tarjan_scc(nodes, adjacency):
    """Strongly connected components (Tarjan), each a sorted list."""
    index, low, on_stack, stack, components = {}, {}, set(), [], []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(adjacency.get(node, ())):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            components.append(sorted(component))

    for node in sorted(nodes):
        if node not in index:
            visit(node)
    return components


def shortest_cycle(component, adjacency):
    """One concrete cycle through the component's first package (BFS)."""
    start, members = component[0], set(component)
    parent, queue = {}, collections.deque([start])
    while queue:
        node = queue.popleft()
        for succ in sorted(adjacency.get(node, ())):
            if succ not in members or succ in parent:
                continue
            parent[succ] = node
            if succ == start:
                path = [start]
                while path[-1] != start or len(path) == 1:
                    path.append(parent[path[-1]])
                return path[::-1]
            queue.append(succ)
    return [start, start]  # Unreachable for a real component.


def analyze(root):
    """Builds the package graph and evaluates the cycle check and rules."""
    packages = find_packages(root)
    edges = collections.defaultdict(list)  # (from, to) -> [Evidence]
    includes = []
    for package in sorted(packages):
        # BUILD.bazel wins over BUILD, as in Bazel.
        build = next(os.path.join(package, name) for name in BUILD_FILE_NAMES
                     if os.path.isfile(os.path.join(root, package, name)))
        for line, label, target, test_only in build_labels(
                os.path.join(root, build)):
            if target in packages and target != package:
                edges[(package, target)].append(Evidence(
                    build, line, '"%s"' % label, test_only))
        for relpath in source_files(root, package):
            test_only = any(fnmatch.fnmatch(os.path.basename(relpath), p)
                            for p in TEST_ONLY_FILES)
            for inc in source_includes(root, relpath, packages):
                includes.append((package, inc))
                if inc.package is not None and inc.package != package:
                    edges[(package, inc.package)].append(Evidence(
                        relpath, inc.line, '#include "%s"' % inc.header,
                        test_only))
    adjacency = collections.defaultdict(set)
    for source, target in edges:
        adjacency[source].add(target)
    cycles = [(c, shortest_cycle(c, adjacency))
              for c in tarjan_scc(packages, adjacency) if len(c) > 1]
    # A quoted include that looks like ours but names no file (moved or
    # deleted) adds no edge; say so, since the graph is then incomplete.
    notes = ["%s:%d: #include \"%s\" names no file in the tree" % (
        inc.path, inc.line, inc.header) for _, inc in includes
        if inc.quoted and inc.package is None and
        inc.header.split("/")[0] in SCANNED_DIRS and
        not any(p.match(inc.header) for p, _ in GENERATED_HEADERS)]
    return Report(packages, dict(edges), cycles,
                  check_rules(edges, includes), notes)


def check_rules(edges, includes):
    """Returns "file:line: message" strings, one per offending line."""
    violations = []
    for package, inc in includes:
        allowed = RESTRICTED_HEADERS.get(inc.header)
        if allowed is not None and package not in allowed:
            violations.append("%s:%d: <%s> may only be included in %s" % (
                inc.path, inc.line, inc.header,
                ", ".join(show(p) for p in allowed)))
    for (source, target), evidence in sorted(edges.items()):
        allowed = ALLOWED_DEPS.get(source)
        if allowed is not None and target not in allowed:
            violations.extend(
                "%s:%d: %s: %s may depend only on %s, not %s" % (
                    e.path, e.line, e.what, show(source),
                    ", ".join(show(p) for p in allowed), show(target))
                for e in evidence if not e.test_only)
        for scope, forbidden, exempt in FORBIDDEN_DEPS:
            if (under(source, scope) and source not in exempt and
                    any(under(target, f) for f in forbidden)):
                violations.extend(
                    "%s:%d: %s: %s may not depend on %s" % (
                        e.path, e.line, e.what, show(source), show(target))
                    for e in evidence)
    return violations


def run(root, out=sys.stdout, max_evidence=5):
    """Prints the findings; returns the exit status (0 clean, 1 failing)."""
    report = analyze(root)
    for note in report.notes:
        print("NOTE " + note, file=out)
    for members, cycle in report.cycles:
        print("CYCLE between packages: %s" % ", ".join(
            show(p) for p in members), file=out)
        for source, target in zip(cycle, cycle[1:]):
            evidence = report.edges[(source, target)]
            print("  %s -> %s" % (show(source), show(target)), file=out)
            for e in evidence[:max_evidence]:
                print("    %s:%d: %s" % (e.path, e.line, e.what), file=out)
            if len(evidence) > max_evidence:
                print("    ... and %d more" % (len(evidence) - max_evidence),
                      file=out)
    for violation in report.violations:
        print("LAYERING " + violation, file=out)
    counts = "%d packages, %d edges" % (len(report.packages),
                                        len(report.edges))
    if report.cycles or report.violations:
        print("check_layering: FAILED: %d cycle(s), %d rule violation(s) "
              "(%s)" % (len(report.cycles), len(report.violations), counts),
              file=out)
        return 1
    print("check_layering: %s, no cycles, no rule violations" % counts,
          file=out)
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    here = os.path.dirname(os.path.realpath(__file__))
    parser.add_argument("--root", default=os.path.dirname(os.path.dirname(
        here)), help="workspace root (default: found from this file)")
    root = os.path.abspath(parser.parse_args(argv).root)
    if not any(os.path.isfile(os.path.join(root, name))
               for name in ("WORKSPACE", "WORKSPACE.bazel")):
        print("check_layering: %s is not a workspace root (no WORKSPACE); "
              "pass --root" % root, file=sys.stderr)
        return 2
    return run(root)


if __name__ == "__main__":
    sys.exit(main())
