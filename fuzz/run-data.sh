#!/usr/bin/env bash
# Builds and runs one libFuzzer target over a data-file reader:
#   fuzz/run-data.sh npy|idx|csv|safetensors [seconds] [libFuzzer flags...]
# Each target is compiled together with the reader's sources (one module, so
# the target reaches internal parsers) with -sanitize=fuzzer,address; seeds
# are written by fuzz/seeds.py into fuzz/corpus-TARGET/, findings land in
# fuzz/findings/. See docs/fuzzing.md.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: fuzz/run-data.sh npy|idx|csv|safetensors [seconds]}
seconds=${2:-60}
out=.build-fuzz
mkdir -p "$out" "fuzz/corpus-$target" fuzz/findings
flags=(-O -g -parse-as-library -sanitize=fuzzer,address)
data=Sources/NNCRuntime/Data
# The readers and the NNCData types they fill, compiled as one module; NNCKernels linked.
cpu=()
source fuzz/modules.sh
build_module "$out" NNCKernels
loaders=($(find Sources/NNCData -name '*.swift' | sort)
         "$data/Loaders/FileBytes.swift" "$data/Loaders/CSVLoader.swift" "$data/Loaders/IDXLoader.swift"
         "$data/Loaders/NPYArray.swift" Sources/NNCRuntime/Cancellation.swift fuzz/RunErrorShim.swift)
case "$target" in
    npy) sources=("${loaders[@]}" fuzz/FuzzNPY.swift); link=() ;;
    idx) sources=("${loaders[@]}" fuzz/FuzzIDX.swift); link=() ;;
    csv) sources=("${loaders[@]}" fuzz/FuzzCSV.swift); link=() ;;
    safetensors)
        # SafeTensors uses NNCSpec's JSON writer: build NNCSpec as a static library first.
        # (NNCSpec imports NNCData, which is compiled into the target here: build it as a library too.)
        build_module "$out" NNCData
        build_module "$out" NNCSpec
        sources=("${loaders[@]}" Sources/NNCRuntime/Output/SafeTensors.swift Sources/NNCRuntime/Output/OutputError.swift
                 Sources/NNCRuntime/Output/AtomicFile.swift fuzz/FuzzSafeTensors.swift)
        flags+=(-I Sources/CYAML); link=(-lNNCSpec -lNNCData -lyaml) ;;
    *) echo "unknown target $target" >&2; exit 2 ;;
esac
swiftc "${flags[@]}" -package-name nnc -I "$out" -module-name NNCRuntime "${sources[@]}" -L "$out" "${link[@]}" -lNNCKernels -o "$out/nnc-fuzz-$target"
python3 fuzz/seeds.py "$target" "fuzz/corpus-$target"
export LSAN_OPTIONS="suppressions=$PWD/fuzz/lsan.supp:print_suppressions=0"
"$out/nnc-fuzz-$target" "fuzz/corpus-$target" -max_total_time="$seconds" -max_len=65536 -timeout=5 \
    -rss_limit_mb=2048 -malloc_limit_mb=2048 -artifact_prefix="fuzz/findings/$target-" -print_final_stats=1 "${@:3}"
