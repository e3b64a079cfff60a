"""ringway_fuzz_test: one fuzz target, two uses.

Normally a cc_test that replays the named seed files through
LLVMFuzzerTestOneInput (a regression test in `bazel test //...`). Under
`--config=fuzz` (clang) it links libFuzzer instead, and
`bazel run //path:name_fuzzer -- -max_total_time=60 test/fuzz/corpus/x`
fuzzes from the same seeds.
"""

load("@rules_cc//cc:defs.bzl", "cc_binary", "cc_test")

def ringway_fuzz_test(name, srcs, deps, seeds):
    cc_test(
        name = name,
        srcs = srcs,
        deps = deps + select({
            "//test/fuzz:fuzzing": [],
            "//conditions:default": ["//test/fuzz:seed_replay_main"],
        }),
        data = seeds,
        args = ["$(location %s)" % s for s in seeds],
        linkopts = select({
            "//test/fuzz:fuzzing": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
    )
    cc_binary(
        name = name + "_fuzzer",
        srcs = srcs,
        deps = deps + select({
            "//test/fuzz:fuzzing": [],
            "//conditions:default": ["//test/fuzz:seed_replay_main"],
        }),
        linkopts = select({
            "//test/fuzz:fuzzing": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
        tags = ["manual"],
    )
