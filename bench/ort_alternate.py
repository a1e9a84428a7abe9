#!/usr/bin/env python3
"""One workload's inference, nnc against ONNX Runtime alone, alternated (nnc, ORT, nnc, ...): a focused
rerun of one cell of compare.py's table. Prints medians [min-max] at the spec's batch and at batch 1.
  python3 bench/ort_alternate.py WORKLOAD NNC_BINARY THREADS ROUNDS [PYTHON]
e.g. python3 bench/ort_alternate.py lstm .build/release/nnc 2 6 /work/.venv-nnc/bin/python"""
import json, os, statistics, subprocess, sys, tempfile

here = os.path.dirname(os.path.abspath(__file__))
workload, nnc, threads, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
python = sys.argv[5] if len(sys.argv) > 5 else "python3"
peers = next((p for p in (os.path.join(here, "..", "..", "shared", "peers"), os.path.join(here, "..", "..", "..", "shared", "peers"))
              if os.path.isdir(p)), None)
if peers is None:
    sys.exit("../shared/peers not found")
onnx_dir = os.path.join(tempfile.gettempdir(), "nnc-compare-onnx")
rates = {}
for _ in range(rounds):
    out = subprocess.run([nnc, "bench", os.path.join(here, f"{workload}.yaml"), "--threads", threads, "--format", "json"],
                         capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        d = json.loads(line)
        if d["mode"] == "infer":
            rates.setdefault(("nnc", d["batch"]), []).append(d["samples_per_s"])
    out = subprocess.run([python, os.path.join(peers, "bench_onnxruntime.py"), "--export", "--onnx-dir", onnx_dir,
                          "--workloads", workload, "--threads", threads, "--reps", "5"],
                         capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        if line.startswith("{"):
            d = json.loads(line)
            if d.get("mode") == "infer":
                rates.setdefault(("ort", d["batch"]), []).append(d["samples_per_s"])
for batch in sorted({b for _, b in rates}, reverse=True):
    n, o = rates.get(("nnc", batch), []), rates.get(("ort", batch), [])
    if n and o:
        mn, mo = statistics.median(n), statistics.median(o)
        print(f"{workload} threads {threads} batch {batch}: nnc {mn:,.0f} [{min(n):,.0f}-{max(n):,.0f}]  "
              f"ort {mo:,.0f} [{min(o):,.0f}-{max(o):,.0f}]  nnc/ort {mn / mo:.2f}")
