#!/usr/bin/env python3
"""How nnc's lead over the best peer changes with the size of the work.

    PY=/work/.venv-nnc/bin/python bench/scaling.py [--threads 1] [--sweeps mlp,conv28,conv56,lstm_h,lstm_t,batch]
                                                   [--out bench/results/scaling-COMMIT.jsonl] [--svg docs/perf-scaling.svg]
    bench/scaling.py --table-only bench/results/scaling-COMMIT.jsonl --svg docs/perf-scaling.svg

For every point of every sweep it writes a spec (bench/W.yaml with the sizes changed), then
measures in alternation: `nnc bench`, torch eager (train), JAX jit (train), ONNX Runtime
(inference at the point's batch), `nnc bench` again (the peer runners of bench/compare.py;
torch.compile is left out: its cold compile per shape takes longer than the sweep).
nnc's cell is the median of its two measurements; "best" is the faster of torch and JAX
for training and ORT for inference. The sweeps:

  mlp      784-W-W-10, W = 256 .. 2048, batch 64
  conv28   LeNet with conv channels (6,16) .. (64,64) on 28x28 images, batch 64
  conv56   the same on 56x56 images
  lstm_h   LSTM hidden 128 .. 512 at T = 50, batch 32
  lstm_t   LSTM T = 50 .. 400 at hidden 128, batch 32
  batch    the mlp at batch 1 .. 256

At the end: sgemm GFLOP/s of nnc and NumPy/OpenBLAS at n = 512 .. 2048 and the measured
FMA peak (bench/fma_peak.c built for AVX-512, or for AVX2 without it), as
shares of that peak. Prints a markdown table and writes an SVG plot (no plotting library).
"""
import argparse
import json
import math
import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402  (the peer runners and the FMA peak)

ROOT = compare.ROOT
SWEEPS = ["mlp", "conv28", "conv56", "lstm_h", "lstm_t", "batch"]
GEMM_SIZES = "512,1024,2048"


def mlp_spec(width, batch):
    return {"workload": "mlp", "x": width, "batch": batch,
            "flags": ["--mlp-sizes", "784,%d,%d,10" % (width, width), "--batch", str(batch)],
            "yaml": ("nnc: 1\ndata: {source: random, count: %d, classes: 10}\nmodel:\n  input: [784]\n  layers:\n"
                     "    - dense: {units: %d, activation: relu}\n    - dense: {units: %d, activation: relu}\n"
                     "    - dense: {units: 10}\n    - softmax\n"
                     "train: {loss: cross_entropy, optimizer: {sgd: {lr: 0.01}}, batch: %d, epochs: 1}\n")
            % (max(256, batch), width, width, batch),
            # Dense MFLOP per sample (forward); training counts 3x.
            "mflop": 2e-6 * (784 * width + width * width + 10 * width)}


def lenet_spec(c1, c2, image):
    s = image                      # conv1 pad 2 keeps s, pool halves it, conv2 (valid 5x5) takes 4, pool halves
    p1 = s // 2
    s2 = p1 - 4
    p2 = s2 // 2
    flat = c2 * p2 * p2
    mflop = 2e-6 * (c1 * s * s * 25 + c2 * s2 * s2 * 25 * c1 + flat * 120 + 120 * 84 + 84 * 10)
    return {"workload": "lenet", "x": c1, "batch": 64,
            "flags": ["--lenet-channels", "%d,%d" % (c1, c2), "--lenet-image", str(image), "--batch", "64"],
            "yaml": ("nnc: 1\ndata: {source: random, count: 256, classes: 10}\nmodel:\n  input: [1, %d, %d]\n  layers:\n"
                     "    - conv2d: {filters: %d, kernel: 5, padding: 2, activation: relu}\n    - maxpool: {size: 2}\n"
                     "    - conv2d: {filters: %d, kernel: 5, activation: relu}\n    - maxpool: {size: 2}\n"
                     "    - flatten\n    - dense: {units: 120, activation: relu}\n"
                     "    - dense: {units: 84, activation: relu}\n    - dense: {units: 10}\n    - softmax\n"
                     "train: {loss: cross_entropy, optimizer: {sgd: {lr: 0.01}}, batch: 64, epochs: 1}\n")
            % (image, image, c1, c2),
            "mflop": mflop}


def lstm_spec(hidden, steps, x):
    return {"workload": "lstm", "x": x, "batch": 32,
            "flags": ["--seq-hidden", str(hidden), "--seq-len", str(steps), "--seq-batch", "32"],
            "yaml": ("nnc: 1\ndata: {source: random, count: 128, classes: 10}\nmodel:\n  input: [%d, 32]\n  layers:\n"
                     "    - lstm: {units: %d, return: last}\n    - dense: {units: 10}\n    - softmax\n"
                     "train: {loss: cross_entropy, optimizer: {sgd: {lr: 0.01}}, batch: 32, epochs: 1}\n")
            % (steps, hidden),
            "mflop": 2e-6 * steps * 4 * hidden * (32 + hidden)}


def points(sweep):
    if sweep == "mlp":
        return [mlp_spec(w, 64) for w in (256, 512, 1024, 2048)]
    if sweep in ("conv28", "conv56"):
        image = 28 if sweep == "conv28" else 56
        return [lenet_spec(c1, c2, image) for c1, c2 in ((6, 16), (16, 16), (32, 32), (64, 64))]
    if sweep == "lstm_h":
        return [lstm_spec(h, 50, h) for h in (128, 256, 512)]
    if sweep == "lstm_t":
        return [lstm_spec(128, t, t) for t in (50, 100, 200, 400)]
    if sweep == "batch":
        return [dict(mlp_spec(256, b), x=b) for b in (1, 16, 64, 256)]
    raise ValueError(sweep)


def nnc_point(args, point, spec_path):
    rows = compare.run_json([args.nnc, "bench", spec_path, "--threads", str(args.threads), "--format", "json"])
    return [r for r in rows if r.get("batch") == point["batch"]]


def peer_point(args, point, onnx_dir):
    py, peers, w = args.python, args.peers, point["workload"]
    common = ["--threads", str(args.threads), "--reps", str(args.reps), "--workloads", w] + point["flags"]
    cmds = [("torch-eager", [py, os.path.join(peers, "bench_torch.py"), "--modes", "train"] + common),
            ("jax-jit", [py, os.path.join(peers, "bench_jax.py"), "--modes", "train"] + common),
            ("onnxruntime", [py, os.path.join(peers, "bench_onnxruntime.py"), "--export", "--onnx-dir", onnx_dir,
                             "--infer-batches", str(point["batch"])] + common)]
    for tag, cmd in cmds:
        yield tag, [r for r in compare.run_json(cmd, tag=tag) if r.get("batch") == point["batch"]]


def measure(args):
    rows = []
    sink = open(args.out, "a") if args.out else None

    def keep(new, sweep, point):
        for r in new:
            r.update(sweep=sweep, x=point["x"], workload=point["workload"], mflop=point["mflop"], threads=args.threads)
            rows.append(r)
            if sink:
                sink.write(json.dumps(r, sort_keys=True) + "\n")
                sink.flush()

    work = tempfile.mkdtemp(prefix="nnc-scaling-")
    for sweep in args.sweeps:
        for i, point in enumerate(points(sweep)[:args.points]):
            compare.log("%s x=%s" % (sweep, point["x"]))
            spec_path = os.path.join(work, "%s-%d.yaml" % (sweep, i))
            with open(spec_path, "w") as f:
                f.write(point["yaml"])
            onnx_dir = os.path.join(work, "onnx-%s-%d" % (sweep, i))
            keep(nnc_point(args, point, spec_path), sweep, point)
            for tag, peer_rows in peer_point(args, point, onnx_dir):
                keep(peer_rows, sweep, point)
            keep(nnc_point(args, point, spec_path), sweep, point)
    # GEMM at the large end and the FMA peak.
    t = args.threads
    gemm = compare.run_json([args.nnc, "bench", "--gemm", GEMM_SIZES, "--threads", str(t), "--json"])
    for r in gemm:
        r.update(framework="nnc", kind="gemm", threads=t)
    numpy_rows = compare.run_json([args.python, os.path.join(args.peers, "matmul_peak.py"), "--framework", "numpy",
                                   "--threads", str(t), "--reps", str(args.reps), "--sizes", GEMM_SIZES], tag="numpy")
    for r in numpy_rows:
        r.update(kind="gemm", threads=t)
    peaks = []
    for wide in (False, True):
        g = compare.fma_peak(args, t, wide)
        if g is not None:
            peaks.append({"kind": "fma_peak512" if wide else "fma_peak", "threads": t, "gflops": g})
    for r in gemm + numpy_rows + peaks:
        rows.append(r)
        if sink:
            sink.write(json.dumps(r, sort_keys=True) + "\n")
    if sink:
        sink.close()
    return rows


def cell(rows, sweep, x, framework, mode):
    v = [r["samples_per_s"] for r in rows if r.get("sweep") == sweep and r.get("x") == x
         and r.get("framework") == framework and r.get("mode") == mode and r.get("samples_per_s")]
    return statistics.median(v) if v else None


def summarize(rows):
    """[(sweep, x, mflop, nnc train, best train, best train peer, nnc infer, ORT infer)]."""
    out = []
    for sweep in SWEEPS:
        xs = sorted({r["x"] for r in rows if r.get("sweep") == sweep})
        for x in xs:
            mflop = next(r["mflop"] for r in rows if r.get("sweep") == sweep and r.get("x") == x)
            nt = cell(rows, sweep, x, "nnc", "train")
            best = max(((cell(rows, sweep, x, f, "train"), f) for f in ("torch-eager", "jax-jit")),
                       key=lambda p: p[0] or 0)
            ni = cell(rows, sweep, x, "nnc", "infer")
            oi = cell(rows, sweep, x, "onnxruntime", "infer")
            out.append((sweep, x, mflop, nt, best[0], best[1], ni, oi))
    return out


LABELS = {"mlp": "mlp width W (784-W-W-10, batch 64)", "conv28": "LeNet conv1 channels, 28x28 (batch 64)",
          "conv56": "LeNet conv1 channels, 56x56 (batch 64)", "lstm_h": "LSTM hidden (T 50, batch 32)",
          "lstm_t": "LSTM T (hidden 128, batch 32)", "batch": "mlp 784-256-256-10 batch"}


def fmt(v):
    return "-" if v is None else "{:,.0f}".format(v)


def ratio(a, b):
    return None if a is None or not b else a / b


def table(rows):
    lines = ["| sweep | x | MFLOP/sample (fwd) | train nnc / best (peer) | ratio | nnc train GFLOP/s "
             "| infer nnc / ORT | ratio | nnc infer GFLOP/s |", "|---|---|---|---|---|---|---|---|---|"]
    for sweep, x, mflop, nt, bt, bp, ni, oi in summarize(rows):
        rt, ri = ratio(nt, bt), ratio(ni, oi)
        lines.append("| %s | %s | %.2f | %s / %s (%s) | %s | %s | %s / %s | %s | %s |" % (
            sweep, x, mflop, fmt(nt), fmt(bt), bp, "-" if rt is None else "%.2f" % rt,
            "-" if nt is None else "%.1f" % (3 * nt * mflop / 1e3), fmt(ni), fmt(oi),
            "-" if ri is None else "%.2f" % ri, "-" if ni is None else "%.1f" % (ni * mflop / 1e3)))
    peak = {r["kind"]: r["gflops"] for r in rows if r.get("kind") in ("fma_peak", "fma_peak512")}
    top = peak.get("fma_peak512") or peak.get("fma_peak")
    lines += ["", "| sgemm n | nnc GFLOP/s | NumPy/OpenBLAS GFLOP/s | nnc / NumPy | nnc % of FMA peak | NumPy % of FMA peak |",
              "|---|---|---|---|---|---|"]
    for n in GEMM_SIZES.split(","):
        a = [r["gflops"] for r in rows if r.get("kind") == "gemm" and r.get("framework") == "nnc" and r.get("n") == int(n)]
        b = [r["gflops"] for r in rows if r.get("kind") == "gemm" and r.get("framework") == "numpy" and r.get("n") == int(n)]
        a = statistics.median(a) if a else None
        b = statistics.median(b) if b else None
        share = lambda v: "-" if v is None or not top else "%.0f %%" % (100 * v / top)
        lines.append("| %s | %s | %s | %s | %s | %s |" % (n, "-" if a is None else "%.1f" % a, "-" if b is None else "%.1f" % b,
                                                         "-" if ratio(a, b) is None else "%.2f" % ratio(a, b), share(a), share(b)))
    lines.append("")
    lines.append("Measured FMA peak at this thread count: AVX2 %s, AVX-512 %s GFLOP/s." % (
        "%.1f" % peak["fma_peak"] if "fma_peak" in peak else "-",
        "%.1f" % peak["fma_peak512"] if "fma_peak512" in peak else "-"))
    return "\n".join(lines)


def svg(rows, path):
    """One panel per sweep: nnc / best peer (train, solid) and nnc / ORT (infer, dashed) against x, log2 x axis."""
    data = summarize(rows)
    panels = [s for s in SWEEPS if any(d[0] == s for d in data)]
    pw, ph, cols = 300, 210, 3
    nrows = (len(panels) + cols - 1) // cols
    width, height = cols * pw + 20, nrows * ph + 50
    ys = [r for d in data for r in (ratio(d[3], d[4]), ratio(d[6], d[7])) if r]
    ymax = max(2.0, math.ceil(max(ys or [2.0]) * 2) / 2)
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="11">'
           % (width, height), '<rect width="100%" height="100%" fill="white"/>',
           '<text x="10" y="18" font-size="13">nnc / best peer (samples/s ratio; solid: training vs best of torch eager '
           'and JAX jit, dashed: inference vs ONNX Runtime; grey line: 1)</text>']
    for i, sweep in enumerate(panels):
        ox, oy = 10 + (i % cols) * pw, 30 + (i // cols) * ph
        x0, y0, w, h = ox + 40, oy + 15, pw - 60, ph - 60
        pts = [d for d in data if d[0] == sweep]
        xs = [math.log2(d[1]) for d in pts]
        lo, hi = min(xs), max(xs)
        span = hi - lo or 1

        def px(v):
            return x0 + (math.log2(v) - lo) / span * w

        def py(r):
            return y0 + h - min(r, ymax) / ymax * h

        out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#999"/>' % (x0, y0, w, h))
        out.append('<text x="%d" y="%d">%s</text>' % (x0, oy + 8, LABELS[sweep]))
        out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#bbb"/>' % (x0, py(1), x0 + w, py(1)))
        for tick in range(0, int(ymax * 2) + 1):
            r = tick / 2
            out.append('<text x="%d" y="%.1f" text-anchor="end">%.1f</text>' % (x0 - 4, py(r) + 4, r))
        for d in pts:
            out.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>' % (px(d[1]), y0 + h + 14, d[1]))
        for idx, dash, colour in ((0, "", "#1f5fa8"), (1, ' stroke-dasharray="5,3"', "#c0392b")):
            line = [(px(d[1]), py(r)) for d in pts for r in [ratio(d[3], d[4]) if idx == 0 else ratio(d[6], d[7])] if r]
            if len(line) > 1:
                out.append('<polyline fill="none" stroke="%s" stroke-width="2"%s points="%s"/>'
                           % (colour, dash, " ".join("%.1f,%.1f" % p for p in line)))
            for x, y in line:
                out.append('<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>' % (x, y, colour))
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--sweeps", default=",".join(SWEEPS))
    p.add_argument("--reps", type=int, default=3, help="the peers' timed repetitions")
    p.add_argument("--points", type=int, default=None, help="only the first N points of each sweep (a smoke test)")
    p.add_argument("--nnc", default=os.path.join(ROOT, ".build", "release", "nnc"))
    p.add_argument("--peers", default=os.environ.get("PEERS", compare.default_peers()))
    p.add_argument("--python", default=os.environ.get("PY", sys.executable), help="a Python with the peers' packages")
    p.add_argument("--out", default=None, help="append every raw JSON line to this file")
    p.add_argument("--svg", default=None, help="write the plot here")
    p.add_argument("--table-only", metavar="JSONL", default=None, help="table (and --svg) from an earlier --out")
    args = p.parse_args()
    args.sweeps = [s for s in args.sweeps.split(",") if s]
    unknown = [s for s in args.sweeps if s not in SWEEPS]
    if unknown:
        p.error("unknown sweeps: %s (known: %s)" % (",".join(unknown), ",".join(SWEEPS)))
    if args.table_only:
        rows = [json.loads(l) for l in open(args.table_only) if l.startswith("{")]
    else:
        rows = measure(args)
    print(table(rows))
    if args.svg:
        svg(rows, args.svg)


if __name__ == "__main__":
    main()
