#!/usr/bin/env bash
# nnc against PyTorch (and numpy for GEMM) on the same networks, measured
# back to back in one run, so the ratio holds even on a shared machine.
#   PY=/path/to/python-with-torch bench/compare.sh [threads...]
# Needs: a release build (swift build -c release) and a Python with torch and
# numpy (see ../shared/peers/README.md for the install). Prints JSON lines and
# a table: samples/s (GFLOP/s for gemm) for each side and nnc / peer.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-python3}
PEERS=${PEERS:-../shared/peers}
NNC=.build/release/nnc
threads=${*:-1 2}
out=$(mktemp)
sgd='train.optimizer={sgd: {lr: 0.01}}'
for t in $threads; do
    "$NNC" bench --gemm 256,512,1024 --threads "$t" --json | sed 's/^/nnc /' >> "$out"
    "$PY" "$PEERS/matmul_peak.py" --framework numpy --threads "$t" --sizes 256,512,1024 2>/dev/null | sed 's/^/peer /' >> "$out"
    "$NNC" bench specs/digits-mlp.yaml --threads "$t" --set "$sgd" --json | sed 's/^/nnc /' >> "$out"
    "$PY" "$PEERS/bench_torch.py" --threads "$t" --workloads mlp --modes train --mlp-sizes 64,32,10 --batch 32 2>/dev/null \
        | sed 's/"workload": "mlp"/"workload": "digits-mlp"/; s/^/peer /' >> "$out"
    "$NNC" bench specs/digits-cnn.yaml --threads "$t" --set "$sgd" --json | sed 's/^/nnc /' >> "$out"
    "$PY" bench/torch_digits_cnn.py --threads "$t" 2>/dev/null | sed 's/^/peer /' >> "$out"
    for w in mlp lenet lstm rnn autoencoder; do
        "$NNC" bench "bench/$w.yaml" --threads "$t" --json | sed 's/^/nnc /' >> "$out"
        "$PY" "$PEERS/bench_torch.py" --threads "$t" --workloads "$w" --modes train 2>/dev/null | sed 's/^/peer /' >> "$out"
    done
done
cat "$out"
python3 - "$out" <<'PY'
import json, sys
nnc, peer = {}, {}
for line in open(sys.argv[1]):
    side, _, text = line.partition(" ")
    try:
        r = json.loads(text)
    except ValueError:
        continue
    if r.get("kind") == "gemm":
        nnc[("gemm n=%d" % r["n"], r["threads"])] = r["gflops"]
    elif "gflops" in r and side == "peer":
        peer[("gemm n=%d" % r.get("n", r.get("size", 0)), r["threads"])] = r["gflops"]
    elif side == "nnc" and r.get("kind") == "bench":
        nnc[(r["spec"], r["threads"])] = r["train_samples_per_s"]
    elif side == "peer" and r.get("mode") == "train":
        peer[(r["workload"], r["threads"])] = r["samples_per_s"]
print("\n| workload | threads | nnc | peer | nnc / peer |\n|---|---|---|---|---|")
for key in sorted(nnc, key=lambda k: (k[1], k[0])):
    p = peer.get(key)
    ratio = "%.2f" % (nnc[key] / p) if p else "-"
    print("| %s | %d | %.1f | %s | %s |" % (key[0], key[1], nnc[key], "%.1f" % p if p else "-", ratio))
PY
rm -f "$out"
