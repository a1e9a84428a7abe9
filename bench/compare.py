#!/usr/bin/env python3
"""nnc against every peer of ../shared/peers, measured in alternation in one run.

    bench/compare.py [--threads 1,2] [--workloads mlp,lenet,lstm,rnn,autoencoder,hopfield]
                     [--rounds 2] [--install] [--skip-compile] [--out raw.jsonl]
    bench/compare.py --base OLD_NNC ...   # "before and after": nnc against an older nnc binary

For each (round, threads, workload) it runs `nnc bench bench/W.yaml --format json`
before every peer (nnc, torch eager, nnc, torch.compile, nnc, JAX jit, nnc, ONNX Runtime;
NumPy for hopfield), so nnc and each peer share the machine's state of the moment.
Every line (nnc's and the peers') is kept as JSON in --out; the tables use the median
over all of a cell's measurements and print nnc / best peer per cell:
train (best of torch eager, torch.compile, JAX), infer at the training batch (nnc / ORT),
infer at batch 1 (nnc / ORT), hopfield recalls/s (nnc / numpy "field").
Only samples/s from the same run are compared. --install creates/updates the venv
given by --venv with the peers' packages (../shared/peers/README.md: what installs here).
"""
import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORKLOADS = ["mlp", "lenet", "lstm", "rnn", "autoencoder", "hopfield", "gemm"]
GEMM_SIZES = "256,512,1024"
# Peer packages; torch only as the CPU wheel (a plain `pip install torch` pulls 3 GB of CUDA).
# Dense-math MFLOP per sample (matmul/conv MACs x 2), (training step, inference). Inference is
# ../shared/peers/README.md's forward figure. Training is the work a step really does: its
# convention of 3 x forward, less the first layer's input gradient, which no framework computes
# (the input needs none): mlp 1.41 - 2*784*256e-6, lenet 2.50 - conv1's 0.235, lstm 24.58 -
# 50 steps' input projection 2*32*512*50e-6, rnn 6.15 - 2*32*128*50e-6, autoencoder 2.51 - 0.401.
# (3 x forward put the mlp's 1-thread training at 107 % of the FMA peak.)
MFLOP = {"mlp": (1.007, 0.47), "lenet": (2.264, 0.83), "lstm": (22.95, 8.19), "rnn": (5.74, 2.05),
         "autoencoder": (2.105, 0.84)}
PACKAGES = ["torch==2.13.0+cpu", "numpy", "jax[cpu]", "onnxruntime", "onnx", "onnxscript"]


def default_peers():
    """../shared/peers from the project root (or from a worktree one level deeper)."""
    for up in ("..", os.path.join("..", "..")):
        d = os.path.normpath(os.path.join(ROOT, up, "shared", "peers"))
        if os.path.isdir(d):
            return d
    return os.path.normpath(os.path.join(ROOT, "..", "shared", "peers"))


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run_json(cmd, tag=None, env=None):
    """Runs cmd, returns its stdout's JSON objects (other lines ignored); a failure is logged, not fatal."""
    log("  $ " + " ".join(cmd))
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=900, env=env)
    except subprocess.TimeoutExpired:
        log("    timed out")
        return []
    if p.returncode != 0:
        log("    exit %d: %s" % (p.returncode, p.stderr.strip().splitlines()[-1:] or ""))
    rows = []
    for line in p.stdout.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            r = json.loads(line)
        except ValueError:
            continue
        if tag:
            r["framework"] = tag
        rows.append(r)
    return rows


def nnc_rows(binary, workload, threads, framework="nnc"):
    if workload == "gemm":  # {"kind": "gemm", "n", "threads", "gflops"} in every version
        rows = run_json([binary, "bench", "--gemm", GEMM_SIZES, "--threads", str(threads), "--json"])
        for r in rows:
            r.update(framework=framework, workload="gemm", mode="gemm", batch=r.get("n"), samples_per_s=r.get("gflops"))
        return rows
    spec = os.path.join(ROOT, "bench", workload + ".yaml")
    rows = run_json([binary, "bench", spec, "--threads", str(threads), "--format", "json"])
    if not rows:  # an old binary: `--json` with {"kind": "bench", train_samples_per_s, infer_samples_per_s}
        rows = []
        for batch in (None, 1):
            extra = ["--batch", "1"] if batch == 1 else []
            for r in run_json([binary, "bench", spec, "--threads", str(threads), "--json"] + extra):
                if r.get("kind") != "bench":
                    continue
                if batch is None and r.get("train_samples_per_s") is not None:
                    rows.append({"mode": "train", "batch": r["batch"], "samples_per_s": r["train_samples_per_s"]})
                rows.append({"mode": "infer", "batch": r["batch"], "samples_per_s": r["infer_samples_per_s"]})
    for r in rows:
        r.update(framework=framework, workload=workload, threads=threads)
    return rows


def peer_cmds(args, workload, threads):
    """(framework tag, command) for each peer of a workload; the tag overrides the script's own."""
    py, peers = args.python, args.peers
    common = ["--threads", str(threads), "--reps", str(args.reps)]
    if workload == "gemm":
        return [("numpy", [py, os.path.join(peers, "matmul_peak.py"), "--framework", "numpy", "--threads", str(threads),
                           "--reps", str(args.reps), "--sizes", GEMM_SIZES])]
    if workload == "hopfield":
        return [("numpy-field", [py, os.path.join(peers, "bench_hopfield.py"), "--threads", str(threads),
                                 "--reps", str(args.reps), "--variants", "field"])]
    cmds = [("torch-eager", [py, os.path.join(peers, "bench_torch.py"), "--workloads", workload] + common)]
    if not args.skip_compile:
        cmds.append(("torch.compile", [py, os.path.join(peers, "bench_torch.py"), "--compile", "--modes", "train",
                                       "--workloads", workload] + common))
    cmds.append(("jax-jit", [py, os.path.join(peers, "bench_jax.py"), "--modes", "train", "--workloads", workload]
                 + common))
    cmds.append(("onnxruntime", [py, os.path.join(peers, "bench_onnxruntime.py"), "--export", "--onnx-dir",
                                 args.onnx_dir, "--workloads", workload] + common))
    return cmds


def install(args):
    if not os.path.exists(os.path.join(args.venv, "bin", "python")):
        subprocess.run([sys.executable, "-m", "venv", args.venv], check=True)
    subprocess.run([os.path.join(args.venv, "bin", "pip"), "install", "-q"] + PACKAGES, check=True)
    args.python = os.path.join(args.venv, "bin", "python")


def fma_peak(args, threads, wide=False):
    """The measured FMA peak (GFLOP/s, median of 3 runs of 1 s) at `threads`: bench/fma_peak.c
    built for AVX2 or, wide, AVX-512; None if it cannot run. (Not ../shared/peers/fma_peak.c:
    GCC merges its ten equal chains into one and it reports 1.25-2.5x the real peak; the header
    of bench/fma_peak.c says why.)"""
    src = os.path.join(ROOT, "bench", "fma_peak.c")
    name, flags = ("fma_peak512", ["-mavx512f"]) if wide else ("fma_peak", ["-mavx2", "-mfma"])
    # The executable's name carries the source's digest: an edited source is never timed stale.
    with open(src, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:12]
    exe = os.path.join(tempfile.gettempdir(), "nnc-compare-%s-%s" % (name, digest))
    if not os.path.exists(exe):
        if subprocess.run(["gcc", "-O2"] + flags + [src, "-o", exe, "-lpthread"]).returncode != 0:
            return None
    runs = [r["gflops"] for _ in range(3) for r in run_json([exe, str(threads), "1"]) if "gflops" in r]
    return statistics.median(runs) if runs else None


def median_cell(rows, framework, workload, threads, mode, batch):
    """Median samples/s over all matching rows; batch None = the largest (the training batch)."""
    match = [r for r in rows if r.get("framework") == framework and r.get("workload") == workload
             and r.get("threads") == threads and r.get("mode") == mode]
    if batch is None and match:
        batch = max(r.get("batch", 0) for r in match)
    vals = [r["samples_per_s"] for r in match if r.get("batch") == batch and r.get("samples_per_s")]
    return statistics.median(vals) if vals else None


def fmt(v):
    return "-" if v is None else "{:,.0f}".format(v)


def ratio(a, b):
    return "-" if a is None or not b else "%.2f" % (a / b)


def peak_table(rows, threads_list, workloads):
    """nnc's effective GFLOP/s per cell and its share of the measured FMA peak."""
    out = ["| workload | thr | train GFLOP/s, real (% of peak) | infer at batch GFLOP/s (% of peak) |", "|---|---|---|---|"]
    for t in threads_list:
        peaks = {}
        for kind in ("fma_peak", "fma_peak512"):
            v = [r["gflops"] for r in rows if r.get("kind") == kind and r.get("threads") == t]
            peaks[kind] = statistics.median(v) if v else None
        # The share is of the widest measured peak (AVX-512 where the CPU has it).
        peak = peaks["fma_peak512"] or peaks["fma_peak"]
        out.append("| measured FMA peak, AVX2 / AVX-512 | %d | %s / %s | |"
                   % (t, "-" if peaks["fma_peak"] is None else "%.1f" % peaks["fma_peak"],
                      "-" if peaks["fma_peak512"] is None else "%.1f" % peaks["fma_peak512"]))
        for w in workloads:
            if w not in MFLOP:
                continue
            cells = []
            for mode, mf in (("train", MFLOP[w][0]), ("infer", MFLOP[w][1])):
                v = median_cell(rows, "nnc", w, t, mode, None)
                g = None if v is None else v * mf / 1e3
                cells.append("-" if g is None else "%.1f (%s)" % (g, "-" if not peak else "%.0f %%" % (100 * g / peak)))
            out.append("| %s | %d | %s |" % (w, t, " | ".join(cells)))
    return "\n".join(out)


def table(rows, threads_list, workloads, base):
    out = []
    if base:
        out.append("| workload | thr | train base / now | ratio | infer at batch base / now | ratio "
                   "| infer batch 1 base / now | ratio |")
        out.append("|---|---|---|---|---|---|---|---|")
        for w in workloads:
            for t in threads_list:
                if w == "gemm":
                    for n in GEMM_SIZES.split(","):
                        old = median_cell(rows, "nnc-base", w, t, "gemm", int(n))
                        new = median_cell(rows, "nnc", w, t, "gemm", int(n))
                        out.append("| sgemm n=%s (GFLOP/s) | %d | %s | %s | | | | |" % (
                            n, t, "-" if old is None or new is None else "%.1f / %.1f" % (old, new), ratio(new, old)))
                    continue
                cells = []
                for mode, batch in (("train", None), ("infer", None), ("infer", 1)):
                    if w == "hopfield" and mode == "train":
                        cells += ["-", "-"]
                        continue
                    old = median_cell(rows, "nnc-base", w, t, mode, batch)
                    new = median_cell(rows, "nnc", w, t, mode, batch)
                    cells += ["%s / %s" % (fmt(old), fmt(new)), ratio(new, old)]
                out.append("| %s | %d | %s |" % (w, t, " | ".join(cells)))
        return "\n".join(out)
    out.append("| workload | thr | train nnc / best (best) | infer at batch nnc / ORT | infer batch 1 nnc / ORT |")
    out.append("|---|---|---|---|---|")
    for w in workloads:
        for t in threads_list:
            if w == "gemm":
                for n in GEMM_SIZES.split(","):
                    a = median_cell(rows, "nnc", w, t, "gemm", int(n))
                    b = median_cell(rows, "numpy", w, t, "gemm", int(n))
                    out.append("| sgemm n=%s (GFLOP/s vs numpy/OpenBLAS) | %d | - | - | %s = %s |"
                               % (n, t, "-" if a is None or b is None else "%.1f / %.1f" % (a, b), ratio(a, b)))
                continue
            if w == "hopfield":
                n = median_cell(rows, "nnc", w, t, "infer", 1) or median_cell(rows, "nnc", w, t, "infer", None)
                p = median_cell(rows, "numpy-field", w, t, "recall", 1)
                out.append("| hopfield (recalls/s vs numpy field) | %d | - | - | %s / %s = %s |"
                           % (t, fmt(n), fmt(p), ratio(n, p)))
                continue
            n = median_cell(rows, "nnc", w, t, "train", None)
            best = max(((median_cell(rows, f, w, t, "train", None), f)
                        for f in ("torch-eager", "torch.compile", "jax-jit")),
                       key=lambda x: x[0] or 0)
            cells = ["%s / %s %s = %s" % (fmt(n), fmt(best[0]), best[1], ratio(n, best[0]))]
            for batch in (None, 1):
                n = median_cell(rows, "nnc", w, t, "infer", batch)
                o = median_cell(rows, "onnxruntime", w, t, "infer", batch)
                cells.append("%s / %s = %s" % (fmt(n), fmt(o), ratio(n, o)))
            out.append("| %s | %d | %s |" % (w, t, " | ".join(cells)))
    return "\n".join(out)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", default="1,2")
    p.add_argument("--workloads", default=",".join(WORKLOADS))
    p.add_argument("--rounds", type=int, default=2, help="rounds over all cells (medians over rounds)")
    p.add_argument("--reps", type=int, default=5, help="the peers' timed repetitions")
    p.add_argument("--nnc", default=os.path.join(ROOT, ".build", "release", "nnc"))
    p.add_argument("--base", default=None, help="an older nnc binary: compare it with --nnc instead of the peers")
    p.add_argument("--peers", default=os.environ.get("PEERS", default_peers()))
    p.add_argument("--python", default=os.environ.get("PY", sys.executable), help="a Python with the peers' packages")
    p.add_argument("--venv", default=os.path.join(ROOT, ".venv-peers"), help="where --install puts the peers")
    p.add_argument("--install", action="store_true", help="pip-install the peers into --venv first")
    p.add_argument("--skip-compile", action="store_true", help="no torch.compile (its cold compile takes ~30 s)")
    p.add_argument("--onnx-dir", default=os.path.join(tempfile.gettempdir(), "nnc-compare-onnx"))
    p.add_argument("--out", default=None, help="append every raw JSON line to this file")
    p.add_argument("--table-only", metavar="JSONL", default=None, help="print the table of an earlier --out")
    args = p.parse_args()
    threads_list = [int(t) for t in args.threads.split(",") if t]
    workloads = [w for w in args.workloads.split(",") if w]
    unknown = [w for w in workloads if w not in WORKLOADS]
    if unknown:
        p.error("unknown workloads: %s (known: %s)" % (",".join(unknown), ",".join(WORKLOADS)))
    if args.table_only:
        rows = [json.loads(l) for l in open(args.table_only) if l.startswith("{")]
        base = any(r.get("framework") == "nnc-base" for r in rows)
        print(table(rows, threads_list, workloads, base))
        if not base:
            print()
            print(peak_table(rows, threads_list, workloads))
        return
    if args.install:
        install(args)
    rows = []
    sink = open(args.out, "a") if args.out else None

    def keep(new):
        rows.extend(new)
        for r in new:
            line = json.dumps(r, sort_keys=True)
            print(line, flush=True)
            if sink:
                sink.write(line + "\n")
                sink.flush()

    if not args.base:
        for t in threads_list:
            for wide in (False, True):
                peak = fma_peak(args, t, wide)   # an AVX-512 run on a CPU without it dies: no row
                if peak is not None:
                    keep([{"kind": "fma_peak512" if wide else "fma_peak", "threads": t, "gflops": peak}])
    for rnd in range(args.rounds):
        for t in threads_list:
            for w in workloads:
                log("round %d, %d thread(s), %s" % (rnd + 1, t, w))
                if args.base:
                    others = [("nnc-base", None)]
                else:
                    others = peer_cmds(args, w, t)
                for tag, cmd in others:
                    keep(nnc_rows(args.nnc, w, t))
                    if cmd is None:
                        keep(nnc_rows(args.base, w, t, framework="nnc-base"))
                    else:
                        for r in run_json(cmd, tag=tag):
                            r["workload"] = w  # the peers call it "hopfield"/"mlp" already; keep ours
                            if w == "gemm":
                                r.update(mode="gemm", batch=r.get("n"), samples_per_s=r.get("gflops"))
                            keep([r])
    print()
    print(table(rows, threads_list, workloads, bool(args.base)))
    if not args.base:
        print()
        print(peak_table(rows, threads_list, workloads))


if __name__ == "__main__":
    main()
