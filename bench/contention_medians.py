"""Contention, medians: a busy loop pinned to the last CPU (BUSY=0: none), then `nnc bench SPEC` for
each BINARY:THREADS config in turn, ROUNDS rounds; prints each cell's median samples/s per config.
  python3 bench/contention_medians.py bench/rnn.yaml 5 /tmp/nnc-old:1 /tmp/nnc-old:2 /tmp/nnc-new:2 /tmp/nnc-new:1
(bench/contention.sh runs each config once, with torch beside; this one repeats nnc alone.)"""
import subprocess, json, sys, statistics, os
spec, rounds, configs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
busy = subprocess.Popen(["taskset", "-c", str((os.cpu_count() or 2) - 1), "sh", "-c", "while :; do :; done"]) if os.environ.get("BUSY", "1") == "1" else None
res = {}
try:
    for r in range(rounds):
        for c in configs:
            b, t = c.rsplit(":", 1)
            out = subprocess.run([b, "bench", spec, "--threads", t, "--format", "json"], capture_output=True, text=True).stdout
            for l in out.splitlines():
                d = json.loads(l)
                if "mode" in d:
                    res.setdefault((c, d["mode"], d["batch"]), []).append(d["samples_per_s"])
finally:
    if busy: busy.kill()
keys = sorted({(m, bt) for (_, m, bt) in res})
for m, bt in keys:
    print(f"{m}{bt}: " + "  ".join(f"{c}={statistics.median(res[(c, m, bt)]):,.0f}" for c in configs))
