"""PyTorch twin of specs/digits-cnn.yaml for `bench/compare.sh`: the same
network (1x8x8, conv3x3x16 same + ReLU + maxpool2, conv3x3x32 same + ReLU +
maxpool2, fc 64 ReLU, fc 10, softmax cross-entropy) and step (plain SGD 0.01,
the same batch every step), timed with the peers' harness (../shared/peers)."""
import argparse
import os
import sys

sys.path.insert(0, os.environ.get("PEERS", os.path.join(os.path.dirname(__file__), "..", "..", "shared", "peers")))
import common  # noqa: E402

p = argparse.ArgumentParser()
common.add_common_args(p)
p.add_argument("--batch", type=int, default=32)
args = p.parse_args()
threads = common.configure_threads(args.threads)

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(threads)
torch.manual_seed(args.seed)
model = nn.Sequential(
    nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))
b = args.batch
x = torch.rand(b, 1, 8, 8)
y = torch.randint(0, 10, (b,))
opt = torch.optim.SGD(model.parameters(), lr=0.01)


def step():
    opt.zero_grad(set_to_none=True)
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    return loss


r = common.measure(step, b, args.reps, args.min_rep_time, args.warmup_time)
common.emit({"framework": "torch-eager", "version": torch.__version__, "threads": threads, "kind": "bench",
             "workload": "digits-cnn", "mode": "train", "batch": b, **r}, args.out)
