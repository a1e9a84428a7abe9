#!/usr/bin/env bash
# Builds the libFuzzer target (the front end, NNCSpec + NNCIR and what they import, with -sanitize=fuzzer,address)
# and runs it on fuzz/corpus (seeded from specs/ and the bad-spec fixtures).
#   fuzz/run.sh [seconds]        default 60; findings land in fuzz/findings/
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
out=.build-fuzz
mkdir -p "$out" fuzz/corpus fuzz/findings
flags=(-O -g -parse-as-library -sanitize=fuzzer,address -I Sources/CYAML -I "$out")
cpu=()
source fuzz/modules.sh
for module in NNCKernels NNCData NNCSpec NNCIR; do build_module "$out" "$module"; done
swiftc "${flags[@]}" fuzz/FuzzCheck.swift -L "$out" -lNNCIR -lNNCSpec -lNNCData -lNNCKernels -lyaml -o "$out/nnc-fuzz"
cp -n specs/*.yaml Tests/NNCIRTests/Fixtures/bad/*.yaml fuzz/corpus/ 2>/dev/null || true
export LSAN_OPTIONS="suppressions=$PWD/fuzz/lsan.supp:print_suppressions=0"
"$out/nnc-fuzz" fuzz/corpus -dict=fuzz/yaml.dict -max_total_time="$seconds" -max_len=4096 -timeout=5 \
    -rss_limit_mb=4096 -artifact_prefix=fuzz/findings/ -print_final_stats=1 "${@:2}"
