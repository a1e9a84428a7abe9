/// The Python file `nnc export --to pytorch` writes: a fixed interpreter of
/// the embedded CONFIG (see `PyTorchExport`). @NAME@, @VERSION@, @CONFIG@ and
/// @METADATA@ are replaced (the last two by JSON string literals, which are
/// valid Python string literals). Every equation mirrors nnc's kernels:
/// dense/conv/pool/rnn/lstm forward (NNCKernels), the loss reduction (Loss.swift:
/// a row's sum over units, mse also over width, divided by the rows), penalties
/// (Penalty.swift: activation terms per example, weight terms as they are),
/// optimizers in PyTorch's formulation, the per-epoch schedule, global-norm clipping.
enum PyTorchTemplate {
    static let source = #"""
#!/usr/bin/env python3
"""@NAME@: a network trained by nnc @VERSION@, as a standalone PyTorch module.

    from model import load
    model = load("model.safetensors")       # strict: the keys are nnc's tensor names
    y = model(x)                             # x: raw inputs [N, ...]; normalization applied here

    python model.py train --inputs X.npy --targets Y.npy [--weights START.safetensors] [--epochs N] [--output model.safetensors]
    torchrun --nproc_per_node=K model.py train ...     # data-parallel: DDP, gloo on CPU, nccl on GPUs
    python model.py predict --weights model.safetensors --inputs X.npy --output Y.npy

Needs torch and safetensors only. The file `train` writes carries nnc's
metadata, so `nnc predict` and `nnc export` accept it.
"""
import argparse
import array
import ast
import json
import math
import os
import sys

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

CONFIG = json.loads(@CONFIG@)
METADATA = json.loads(@METADATA@)
EPS = 1e-7  # nnc's probability floor inside logs


def activation(name, x):
    if name == "linear":
        return x
    if name == "relu":
        return torch.relu(x)
    if name == "sigmoid":
        return torch.sigmoid(x)
    if name == "tanh":
        return torch.tanh(x)
    if name == "arctan":
        return torch.atan(x)
    if name == "softmax":
        return torch.softmax(x, dim=-1)
    if name == "step":
        return (x >= 0).to(x.dtype)
    if name == "sign":
        return torch.where(x >= 0, 1.0, -1.0).to(x.dtype)
    raise ValueError("unknown activation " + name)


class Model(torch.nn.Module):
    """state_dict keys: exactly the tensor names of nnc's model.safetensors."""

    def __init__(self):
        super().__init__()
        for p in CONFIG["parameters"]:
            layer, role = p["name"].rsplit(".", 1)
            if layer not in self._modules:
                self._modules[layer] = torch.nn.Module()  # not add_module: a layer may be named like a Module attribute
            self._modules[layer].register_parameter(role, torch.nn.Parameter(torch.zeros(p["shape"])))
        n = CONFIG["normalization"]
        if n is not None:
            self.register_buffer("norm_offsets", torch.tensor(n["offsets"]).reshape(n["shape"]), persistent=False)
            self.register_buffer("norm_factors", torch.tensor(n["factors"]).reshape(n["shape"]), persistent=False)

    def tensor(self, layer, role):
        module = self._modules.get(layer)
        return None if module is None else module._parameters.get(role)

    def initialize(self, seed):
        """A fresh start from the spec's initializers (nnc's rules; torch's random numbers)."""
        g = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            for p in CONFIG["parameters"]:
                layer, role = p["name"].rsplit(".", 1)
                t = self.tensor(layer, role)
                init, fan_in, fan_out = p["init"], p["fan_in"], p["fan_out"]
                kind = init["kind"]
                if kind == "xavier":
                    a = math.sqrt(6.0 / max(1, fan_in + fan_out))
                    t.copy_((2 * torch.rand(t.shape, generator=g) - 1) * a)
                elif kind == "he":
                    t.copy_(torch.randn(t.shape, generator=g) * math.sqrt(2.0 / max(1, fan_in)))
                elif kind == "uniform":
                    t.copy_((2 * torch.rand(t.shape, generator=g) - 1) * init["a"])
                elif kind == "normal":
                    t.copy_(torch.randn(t.shape, generator=g) * init["std"])
                else:
                    t.zero_()
                for start, count, value in p["fill"]:
                    t.view(-1)[start:start + count] = value

    def normalize(self, x):
        x = x.to(torch.float32)
        if CONFIG["normalization"] is None:
            return x
        return (x - self.norm_offsets) * self.norm_factors

    def forward(self, x, terms=False, lengths=None):
        """Outputs for raw inputs x. terms=True: (outputs, logits for the loss, activation penalties summed over the batch).
        lengths: [N] valid steps of padded sequences (recurrent layers carry their state past them and output 0)."""
        self.lengths = lengths
        values, pre = [self.normalize(x)], [None]
        penalty = values[0].new_zeros(())
        for spec in CONFIG["layers"]:
            y, z, p = self.layer(spec, [values[i] for i in spec["inputs"]])
            values.append(y)
            pre.append(z)
            penalty = penalty + p
        out = values[CONFIG["output"]]
        if not terms:
            return out
        logits = pre[CONFIG["output"]] if CONFIG["train"]["logits"] else out
        return out, logits, penalty

    def layer(self, s, inputs):
        """(output, pre-activation, activation penalty summed over the examples)."""
        x, name, kind = inputs[0], s["name"], s["kind"]
        zero = x.new_zeros(())
        w = lambda role: self.tensor(name, role)
        if kind == "dense":
            z = F.linear(x, w("weight"), w("bias"))
            y = activation(s["activation"], z)
            p = zero
            if s["l1"] > 0:
                p = p + s["l1"] * y.abs().sum()
            if s["contractive"] > 0:
                d = y * (1 - y) if s["activation"] == "sigmoid" else 1 - y * y
                p = p + s["contractive"] * (d * d * (w("weight") ** 2).sum(1)).sum()
            return y, z, p
        if kind == "conv2d":
            z = F.conv2d(x, w("weight"), w("bias"), stride=tuple(s["stride"]), padding=tuple(s["padding"]))
            return activation(s["activation"], z), z, zero
        if kind == "maxpool":
            y = F.max_pool2d(x, tuple(s["size"]), tuple(s["stride"]))
            return y, y, zero
        if kind == "avgpool":
            y = F.avg_pool2d(x, tuple(s["size"]), tuple(s["stride"]))
            return y, y, zero
        if kind == "flatten":
            y = x.flatten(1)
            return y, y, zero
        if kind == "activation":
            return activation(s["activation"], x), x, zero
        if kind == "dropout":
            y = F.dropout(x, s["rate"], True) if self.training else x
            return y, y, zero
        if kind == "noise":
            y = x
            if self.training:
                amount = s["amount"]
                if s["noise"] == "gaussian":
                    y = x + amount * torch.randn_like(x)
                elif s["noise"] == "mask":
                    y = x * (torch.rand_like(x) >= amount).to(x.dtype)
                else:
                    u = torch.rand_like(x)
                    low = -1.0 if bool((x < 0).any()) else 0.0
                    y = torch.where(u < amount / 2, low, torch.where(u < amount, 1.0, x))
            return y, y, zero
        if kind == "add":
            y = sum(inputs[1:], inputs[0])
            return y, y, zero
        if kind == "concat":
            y = torch.cat(inputs, dim=-1)
            return y, y, zero
        if kind == "rnn":
            return self.rnn(s, x) + (zero,)
        if kind == "lstm":
            y = self.lstm(s, x)
            return y, y, zero
        raise ValueError("layer kind not trained by backprop: " + kind)

    def rnn(self, s, x):
        # a(t) = U x(t) + b + W r(t-1) [+ W_skip h(t-d)]; z = act(a); h = leak h(t-1) + (1 - leak) z; o = V h + c
        name = s["name"]
        U, W = self.tensor(name, "input_weight"), self.tensor(name, "recurrent_weight")
        b = self.tensor(name, "bias")
        Ws, V, c = self.tensor(name, "skip_weight"), self.tensor(name, "output_weight"), self.tensor(name, "output_bias")
        n, steps = x.shape[0], x.shape[1]
        xu = x @ U.t()
        if b is not None:
            xu = xu + b
        h_prev = x.new_zeros(n, s["units"])
        fed, hs, outs, o_prev = None, [], [], None
        for t in range(steps):
            valid = self.valid(t, x)
            a = xu[:, t]
            if fed is not None:
                a = a + fed @ W.t()
            if s["skip"] > 0 and t >= s["skip"]:
                a = a + hs[t - s["skip"]] @ Ws.t()
            z = activation(s["activation"], a)
            h = z if s["leak"] == 0 else s["leak"] * h_prev + (1 - s["leak"]) * z
            if valid is not None:
                h = torch.where(valid, h, h_prev)
            hs.append(h)
            h_prev = h
            o = h
            if V is not None:
                o = h @ V.t() + (c if c is not None else 0)
                if valid is not None and o_prev is not None:
                    o = torch.where(valid, o, o_prev)
                o_prev = o
            fed = o if s["feedback_output"] else h
            outs.append(o if valid is None else torch.where(valid, o, 0.0))
        raw = torch.stack(outs, 1) if s["sequence"] else (o_prev if V is not None else h_prev)
        return activation(s["output_activation"] or "linear", raw), raw

    def lstm(self, s, x):
        # gates i, f, g, o (nnc's and PyTorch's order); C = f C + i g; h = o tanh(C)
        name = s["name"]
        Wx, Wh, b = self.tensor(name, "input_weight"), self.tensor(name, "recurrent_weight"), self.tensor(name, "bias")
        n, steps, units = x.shape[0], x.shape[1], s["units"]
        xg = x @ Wx.t() + b
        h = x.new_zeros(n, units)
        c = x.new_zeros(n, units)
        outs = []
        for t in range(steps):
            valid = self.valid(t, x)
            i, f, g, o = (xg[:, t] + h @ Wh.t()).chunk(4, dim=-1)
            c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h_new = torch.sigmoid(o) * torch.tanh(c_new)
            c = c_new if valid is None else torch.where(valid, c_new, c)
            h = h_new if valid is None else torch.where(valid, h_new, h)
            outs.append(h if valid is None else torch.where(valid, h, 0.0))
        return torch.stack(outs, 1) if s["sequence"] else h

    def valid(self, t, x):
        """[N, 1] True where step t is within the example's length (None: no lengths given)."""
        if self.lengths is None:
            return None
        return (t < self.lengths.to(x.device))[:, None]


def load(path):
    """A Model holding the weights of an nnc model file (strict)."""
    model = Model()
    model.load_state_dict(load_file(path), strict=True)
    model.eval()
    return model


# ---------------------------------------------------------------- training

def row_losses(logits, targets):
    """Per row (an example, or a time step of one), the loss summed over the units (nnc's Loss.swift)."""
    tc = CONFIG["train"]
    loss, fused, width = tc["loss"], tc["logits"], logits.shape[-1]
    y = logits.reshape(-1, width)
    if not targets.dtype.is_floating_point:
        labels = targets.reshape(-1).long()
        if loss == "cross_entropy" and width > 1:
            logp = F.log_softmax(y, -1) if fused else torch.log(y.clamp(EPS, 1 - EPS))
            return -logp.gather(1, labels[:, None])[:, 0]
        targets = F.one_hot(labels, width).to(y.dtype) if width > 1 else labels.to(y.dtype)[:, None]
    t = targets.reshape(-1, width).to(y.dtype)
    if loss == "sse":
        return 0.5 * ((y - t) ** 2).sum(1)
    if loss == "mse":
        return ((y - t) ** 2).sum(1) / width
    if loss == "cross_entropy":
        logp = F.log_softmax(y, -1) if fused else torch.log(y.clamp(EPS, 1 - EPS))
        return -(t * logp).sum(1)
    if fused:
        return F.binary_cross_entropy_with_logits(y, t, reduction="none").sum(1)
    p = y.clamp(EPS, 1 - EPS)
    return -(t * torch.log(p) + (1 - t) * torch.log(1 - p)).sum(1)


def weight_penalty(model):
    total = None
    for s in CONFIG["layers"]:
        if s["kind"] == "dense" and s["l2"] > 0:
            term = s["l2"] * (model.tensor(s["name"], "weight") ** 2).sum()
            total = term if total is None else total + term
    return total


def learning_rate(epoch, epochs):
    """The schedule's rate of a 0-based epoch (nnc's Schedule.swift)."""
    tc = CONFIG["train"]
    lr, s = tc["optimizer"]["lr"], tc["schedule"]
    kind = s["kind"]
    if kind == "step":
        return lr * s["factor"] ** (epoch // max(1, s["every"]))
    if kind == "exponential":
        return lr * s["decay"] ** epoch
    if kind == "cosine":
        p = max(1, s["period"] or epochs)
        return s["min_lr"] + (lr - s["min_lr"]) * (1 + math.cos(math.pi * (epoch % p) / p)) / 2
    if kind == "cyclic":
        p = max(1, s["period"])
        phase = (epoch % p) / p
        return s["min_lr"] + (s["max_lr"] - s["min_lr"]) * (1 - abs(2 * phase - 1))
    return lr


def load_npy(path):
    """A .npy file as a tensor, without numpy (C order; float, uint8 and integer dtypes)."""
    dtypes = {"<f4": torch.float32, "<f8": torch.float64, "|u1": torch.uint8, "<i4": torch.int32, "<i8": torch.int64}
    with open(path, "rb") as f:
        data = f.read()
    if data[:6] != b"\x93NUMPY" or len(data) < 10:
        sys.exit(f"error: {path}: not a .npy file")
    width = 2 if data[6] == 1 else 4
    length = int.from_bytes(data[8:8 + width], "little")
    start = 8 + width + length
    header = ast.literal_eval(data[8 + width:start].decode("latin1"))
    if header.get("fortran_order") or header.get("descr") not in dtypes:
        sys.exit(f"error: {path}: needs a C-order array of {', '.join(dtypes)}")
    return torch.frombuffer(bytearray(data[start:]), dtype=dtypes[header["descr"]]).reshape(header["shape"]).clone()


def save_npy(path, t):
    t = t.detach().to(torch.float32).contiguous().cpu()
    dims = ", ".join(str(d) for d in t.shape) + ("," if t.dim() == 1 else "")
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }" % dims
    header += " " * ((64 - (11 + len(header)) % 64) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode("latin1"))
        f.write(array.array("f", t.reshape(-1).tolist()).tobytes())  # little-endian hosts


def train(args):
    import torch.distributed as dist
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    device = torch.device("cpu")
    if world > 1:
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        dist.init_process_group(backend)
        if backend == "nccl":
            device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
            torch.cuda.set_device(device)
    tc = CONFIG["train"]
    X = load_npy(args.inputs).to(device)
    if X.dim() == 1:
        X = X[:, None]
    Y = None
    if not tc["target_is_input"]:
        if args.targets is None:
            sys.exit("error: --targets is required (the spec trains against targets)")
        Y = load_npy(args.targets).to(device)
        if Y.shape[0] != X.shape[0]:
            sys.exit(f"error: {args.targets}: {Y.shape[0]} targets for the {X.shape[0]} examples of {args.inputs}")
        if Y.dtype.is_floating_point:
            Y = Y.to(torch.float32)
    lengths = load_npy(args.lengths).long().to(device) if args.lengths else None
    mask = load_npy(args.mask).to(torch.float32).to(device) if args.mask else None
    model = Model().to(device)
    if args.weights:
        model.load_state_dict(load_file(args.weights), strict=True)
    else:
        model.initialize(CONFIG["seed"])
    model.train()
    net = torch.nn.parallel.DistributedDataParallel(model) if world > 1 else model
    o = tc["optimizer"]
    if o["kind"] == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=o["lr"], betas=(o["beta1"], o["beta2"]), eps=o["eps"])
    else:
        opt = torch.optim.SGD(model.parameters(), lr=o["lr"], momentum=o["momentum"], nesterov=o["nesterov"])
    epochs = tc["epochs"] if args.epochs is None else args.epochs
    count = X.shape[0]
    batch = max(1, min(tc["batch"], count))
    for epoch in range(epochs):
        for group in opt.param_groups:
            group["lr"] = learning_rate(epoch, epochs)
        # The same global batches on every process; each takes its share of each.
        order = torch.randperm(count, generator=torch.Generator().manual_seed(CONFIG["seed"] + epoch)) if tc["shuffle"] else torch.arange(count)
        total, seen = 0.0, 0
        for start in range(0, count, batch):
            idx = order[start:start + batch]
            share = torch.tensor_split(idx, world)[rank].to(device)
            x = X[share]
            out, logits, act_penalty = net(x, terms=True, lengths=None if lengths is None else lengths[share])
            t = model.normalize(x) if tc["target_is_input"] else Y[share]
            rows_per_example = math.prod(out.shape[1:-1]) if out.dim() > 2 else 1
            # Loss = mean over the global batch's rows (weighted by the mask: padded steps count 0)
            # + activation penalties per example + weight penalties. DDP averages gradients over
            # the processes, hence the factor `world` on the shared terms.
            losses = row_losses(logits, t)
            if mask is not None:
                losses = losses * mask[share].reshape(-1)
                rows = max(1.0, float(mask[idx.to(device)].sum()))
            else:
                rows = len(idx) * rows_per_example
            share_loss = losses.sum() / rows + act_penalty / len(idx)
            loss = world * share_loss
            wp = weight_penalty(model)
            if wp is not None:
                loss = loss + wp
            opt.zero_grad()
            loss.backward()
            if tc["clip"] is not None:
                grads = [p.grad for p in model.parameters() if p.grad is not None]
                norm = math.sqrt(sum(float((g.double() ** 2).sum()) for g in grads))
                if norm > tc["clip"]:
                    for g in grads:
                        g.mul_(tc["clip"] / (norm + 1e-6))
            opt.step()
            report = share_loss.detach().clone()
            if world > 1:
                dist.all_reduce(report)
            total += float(report) * len(idx) + (float(wp) * len(idx) if wp is not None else 0.0)
            seen += len(idx)
        if rank == 0:
            print(f"epoch {epoch + 1}/{epochs}  loss {total / max(1, seen):.6g}", flush=True)
    if rank == 0:
        state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
        save_file(state, args.output, metadata=METADATA)
        print(f"wrote {args.output}", flush=True)
    if world > 1:
        dist.barrier()  # rank 0 has written the file before any process leaves
        dist.destroy_process_group()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    t = commands.add_parser("train", help="train with the spec's loss, optimizer, schedule, batch, clipping and penalties")
    t.add_argument("--inputs", required=True, help="raw inputs .npy [N, ...input shape]")
    t.add_argument("--targets", help="targets .npy: class indices [N], vectors or sequences (not for target: input)")
    t.add_argument("--lengths", help="int .npy [N]: valid steps of padded sequences (nnc data writes *_lengths.npy)")
    t.add_argument("--mask", help=".npy [N, T]: 1 where a step has a target (nnc data writes *_mask.npy)")
    t.add_argument("--weights", help="start from this model.safetensors (default: a fresh start from the spec's seed)")
    t.add_argument("--epochs", type=int, help="epochs (default: the spec's)")
    t.add_argument("--output", default="model.safetensors", help="where to write the trained weights")
    p = commands.add_parser("predict", help="outputs for raw inputs, as float32 .npy")
    p.add_argument("--weights", required=True)
    p.add_argument("--inputs", required=True)
    p.add_argument("--output", required=True)
    args = parser.parse_args(argv)
    if args.command == "train":
        train(args)
    else:
        model = load(args.weights)
        with torch.no_grad():
            save_npy(args.output, model(load_npy(args.inputs)))


if __name__ == "__main__":
    main()
"""#
}
