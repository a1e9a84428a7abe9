#!/usr/bin/env python3
"""A/B two nnc binaries: rounds of `nnc bench bench/W.yaml --threads T --format json`, the order swapped each
round (ABBA); prints medians [min-max] per (workload, mode, batch) and NEW/OLD, and each training run.
  python3 bench/ab.py ROUNDS THREADS W1,W2 OLD_BINARY NEW_BINARY"""
import json, os, subprocess, sys, statistics
rounds = int(sys.argv[1]); threads = sys.argv[2]; workloads = sys.argv[3].split(','); bins = sys.argv[4:]
res = {}
for r in range(rounds):
    order = bins if r % 2 == 0 else bins[::-1]
    for w in workloads:
        for b in order:
            out = subprocess.run([b, 'bench', os.path.join(os.path.dirname(os.path.abspath(__file__)), f'{w}.yaml'), '--threads', threads, '--format', 'json'],
                                 capture_output=True, text=True).stdout
            for line in out.splitlines():
                d = json.loads(line)
                res.setdefault((w, d['mode'], d['batch'], b), []).append(d['samples_per_s'])
for (w, mode, batch) in sorted({k[:3] for k in res}):
    vals = [res[(w, mode, batch, b)] for b in bins]
    meds = [statistics.median(v) for v in vals]
    print(f"{w:12} {mode:5} b{batch:<3} " + "  ".join(f"{m:10.0f} [{min(v):.0f}-{max(v):.0f}]" for m, v in zip(meds, vals))
          + f"  ratio {meds[1]/meds[0]:.3f}")
    if mode == 'train' and batch > 1:
        for b, v in zip(bins, vals): print("   ", b, " ".join(f"{x/1000:.0f}k" for x in v))
