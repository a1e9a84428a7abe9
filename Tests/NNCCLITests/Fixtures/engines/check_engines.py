"""Checks nnc's exports with the real engines (onnx, onnxruntime, torch).

Usage: python check_engines.py MANIFEST.json  ->  one JSON object on stdout,
{case name: {check: number}}; the Swift test (ModelExportEngineTests) asserts
the numbers. Each case may hold:
  onnx:      {model, inputs, expected}   onnx.checker full_check, then max |onnxruntime - nnc predict|
  forward:   {py, weights, inputs, expected}   max |exported Model (strict load) - nnc predict|
  one_step:  {py, start, inputs, targets, lengths, mask, expected}   max |model.py train 1 epoch - nnc 1 step| over all tensors
  ddp:       {py, weights, inputs, targets, one, two}   2-process torchrun vs 1 process, max over tensors
  metrics:   {predicted, targets, model, names}   accuracy / mse of nnc predict's outputs on the test part
"""
import importlib.util
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort
import torch
from safetensors.numpy import load_file
from safetensors import safe_open


def module(path):
    spec = importlib.util.spec_from_file_location("exported_" + str(abs(hash(path))), path)
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


def max_diff(a, b):
    if a.shape != b.shape:
        return float("inf")
    return float(np.abs(a.astype(np.float64) - b.astype(np.float64)).max()) if a.size else 0.0


def tensors_diff(a_path, b_path):
    a, b = load_file(a_path), load_file(b_path)
    if set(a) != set(b):
        return float("inf")
    return max(max_diff(a[k], b[k]) for k in a)


def check_onnx(c):
    model = onnx.load(c["model"])
    onnx.checker.check_model(model, full_check=True)
    session = ort.InferenceSession(c["model"], providers=["CPUExecutionProvider"])
    y = session.run(None, {"input": np.load(c["inputs"]).astype(np.float32)})[0]
    return {"onnx_vs_predict": max_diff(y, np.load(c["expected"])), "opset": model.opset_import[0].version}


def check_forward(c):
    m = module(c["py"])
    model = m.load(c["weights"])
    keys_equal = sorted(model.state_dict().keys()) == sorted(load_file(c["weights"]).keys())
    with torch.no_grad():
        y = model(torch.from_numpy(np.load(c["inputs"]))).numpy()
    return {"pytorch_vs_predict": max_diff(y, np.load(c["expected"])), "state_dict_keys_equal": int(keys_equal)}


def check_one_step(c):
    m = module(c["py"])
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "step.safetensors")
        args = ["train", "--inputs", c["inputs"], "--weights", c["start"], "--epochs", "1", "--output", out]
        for key in ("targets", "lengths", "mask"):
            if c.get(key):
                args += ["--" + key, c[key]]
        m.main(args)
        return {"one_step_vs_nnc": tensors_diff(out, c["expected"]), "moved": tensors_diff(c["start"], c["expected"])}


def check_ddp(c):
    args = ["train", "--inputs", c["inputs"], "--weights", c["weights"], "--epochs", "1"]
    if c.get("targets"):
        args += ["--targets", c["targets"]]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    module(c["py"]).main(args + ["--output", c["one"]])   # one process: in this one
    run = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", c["py"]]
                         + args + ["--output", c["two"]], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if run.returncode != 0:
        raise RuntimeError(f"torchrun exited {run.returncode}: " + " | ".join(run.stderr.strip().splitlines()[-12:]))
    return {"two_vs_one_process": tensors_diff(c["one"], c["two"])}


def check_metrics(c):
    y = np.load(c["predicted"]).astype(np.float64)
    t = np.load(c["targets"])
    out = {}
    truth = t if t.dtype.kind in "iu" else (t.argmax(1) if t.ndim == 2 and t.shape[1] > 1 else None)
    if "accuracy" in c["names"] and truth is not None:
        predicted = (y[:, 0] >= c.get("threshold", 0.5)).astype(np.int64) if y.shape[1] == 1 else y.argmax(1)
        out["accuracy"] = float((predicted == truth).mean())
    if "mse" in c["names"]:
        target = t.astype(np.float64)
        with safe_open(c["model"], "np") as f:
            meta = f.metadata()
        if "normalization" in meta and c.get("target_is_input"):
            n = json.loads(meta["normalization"])
            target = (target - np.array(n["offsets"])) * np.array(n["factors"])
        if t.dtype.kind in "iu":
            target = np.eye(y.shape[1])[t] if y.shape[1] > 1 else t[:, None].astype(np.float64)
        out["mse"] = float(((y - target.reshape(y.shape)) ** 2).mean())
    return out


def main():
    import time
    manifest = json.load(open(sys.argv[1]))
    checks = {"onnx": check_onnx, "forward": check_forward, "one_step": check_one_step, "ddp": check_ddp,
              "metrics": check_metrics}
    results = {}
    for name, case in manifest.items():
        r = {}
        for key, fn in checks.items():
            if key in case:
                try:
                    started = time.monotonic()
                    r.update(fn(case[key]))
                    print(f"{name} {key}: {time.monotonic() - started:.2f} s", file=sys.stderr)
                except Exception as e:  # reported per check, so one failure does not hide the others
                    r[key + "_error"] = f"{type(e).__name__}: {e}"
        results[name] = r
    print(json.dumps(results))


if __name__ == "__main__":
    main()
