#!/usr/bin/env bash
# Builds the pipeline fuzz target (check → plan → one epoch → evaluation) with
# -sanitize=fuzzer,address and runs it on fuzz/corpus-pipeline (seeded from specs/).
#   fuzz/run-pipeline.sh [seconds]        default 60; findings land in fuzz/findings/
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
out=.build-fuzz-pipeline
mkdir -p "$out" fuzz/corpus-pipeline fuzz/findings
flags=(-O -g -parse-as-library -sanitize=fuzzer,address -I Sources/CYAML -I "$out")
cpu=()
grep -q ' avx2' /proc/cpuinfo && grep -q ' fma' /proc/cpuinfo && cpu=(-target-cpu haswell)
source fuzz/modules.sh
for module in NNCKernels NNCData NNCSpec NNCIR; do build_module "$out" "$module"; done
build_module "$out" NNCRuntime fuzz/BundleShim.swift
swiftc "${flags[@]}" fuzz/FuzzRun.swift -L "$out" -lNNCRuntime -lNNCIR -lNNCSpec -lNNCData -lNNCKernels -lyaml -o "$out/nnc-fuzz-pipeline"
cp -n specs/*.yaml fuzz/corpus-pipeline/ 2>/dev/null || true
export LSAN_OPTIONS="suppressions=$PWD/fuzz/lsan.supp:print_suppressions=0"
"$out/nnc-fuzz-pipeline" fuzz/corpus-pipeline -dict=fuzz/yaml.dict -max_total_time="$seconds" -max_len=4096 -timeout=10 \
    -rss_limit_mb=4096 -artifact_prefix=fuzz/findings/ -print_final_stats=1 "${@:2}"
