#!/usr/bin/env bash
# Contention test (issue 14): a busy loop pinned to the last CPU, then nnc and
# torch eager at 1 and 2 threads, alternated. nnc at 2 threads must not fall
# below its own 1-thread speed; OpenMP pools (torch) are known to collapse.
#   PY=/path/to/python-with-torch bench/contention.sh [workload...]   (default: mlp lstm)
# Prints the JSON lines (nnc's and torch's, "contended": true) and a table.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-python3}
PEERS=${PEERS:-$( [ -d ../shared/peers ] && echo ../shared/peers || echo ../../shared/peers )}   # from a worktree too
NNC=${NNC:-.build/release/nnc}
workloads=${*:-mlp lstm}
last=$(( $(nproc) - 1 ))
out=$(mktemp)
taskset -c "$last" sh -c 'while :; do :; done' &
busy=$!
trap 'kill "$busy" 2>/dev/null; rm -f "$out"' EXIT
sleep 0.5
for w in $workloads; do
    for t in 1 2; do
        "$NNC" bench "bench/$w.yaml" --threads "$t" --format json | sed 's/"framework": "nnc"/"framework": "nnc", "contended": true/' >> "$out"
        { "$PY" "$PEERS/bench_torch.py" --threads "$t" --workloads "$w" --reps 3 2>/dev/null || echo "torch failed" >&2; } \
            | sed 's/^{/{"contended": true, /' >> "$out"
    done
done
cat "$out"
python3 - "$out" "$workloads" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
def get(fw, w, t, mode, batch):
    for r in rows:
        if r["framework"].startswith(fw) and r["threads"] == t and r["mode"] == mode and r["batch"] == batch \
           and r["workload"].startswith(w):
            return r["samples_per_s"]
print("\n| workload | mode | batch | nnc 1t | nnc 2t | 2t/1t | torch 1t | torch 2t | 2t/1t |\n|---|---|---|---|---|---|---|---|---|")
for w in sys.argv[2].split():
    keys = sorted({(r["mode"], r["batch"]) for r in rows if r["workload"].startswith(w)}, key=lambda k: (k[0] != "train", -k[1]))
    for mode, batch in keys:
        v = [get(fw, w, t, mode, batch) for fw in ("nnc", "torch") for t in (1, 2)]
        r = lambda a, b: "%.2f" % (b / a) if a and b else "-"
        f = lambda x: "{:,.0f}".format(x) if x else "-"
        print("| %s | %s | %d | %s | %s | %s | %s | %s | %s |" % (w, mode, batch, f(v[0]), f(v[1]), r(v[0], v[1]), f(v[2]), f(v[3]), r(v[2], v[3])))
PY
