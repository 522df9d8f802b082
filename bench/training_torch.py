"""PyTorch reference for bench/training.ts: the same MLP, optimiser, epochs and batches, 1 thread.

Usage: python3 training_torch.py --x X.f32 --y Y.i32 --rows N --features F --classes K
                                 --hidden 64,32 --epochs 3 --batches 256,1024 --lr 0.001 --repeat 2
Prints one JSON object: {"torch": version, "threads": 1, "runs": [{"batch", "seconds", "loss"}]}.
Timing covers the training loop only (data already in memory), as for the TypeScript runners.
"""

import argparse
import json
import sys
import time

import numpy as np
import torch
from torch import nn


def build(features, hidden, classes):
    layers = []
    width = features
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU()]
        width = h
    layers.append(nn.Linear(width, classes))
    return nn.Sequential(*layers)


def run(x, y, hidden, classes, epochs, batch, lr, seed=0):
    torch.manual_seed(seed)
    model = build(x.shape[1], hidden, classes)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    n = x.shape[0]
    started = time.perf_counter()
    total = 0.0
    for _ in range(epochs):
        order = torch.randperm(n)
        total = 0.0
        for start in range(0, n, batch):
            idx = order[start:start + batch]
            optimiser.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            optimiser.step()
            total += loss.item() * idx.shape[0]
    return time.perf_counter() - started, total / n


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--x", required=True)
    parser.add_argument("--y", required=True)
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--features", type=int, required=True)
    parser.add_argument("--classes", type=int, required=True)
    parser.add_argument("--hidden", default="64,32")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batches", default="256,1024")
    parser.add_argument("--lr", type=float, default=0.001)
    parser.add_argument("--repeat", type=int, default=1, help="runs per batch size; the fastest is reported")
    args = parser.parse_args()

    torch.set_num_threads(1)
    hidden = [int(h) for h in args.hidden.split(",") if h]
    x = torch.from_numpy(np.fromfile(args.x, dtype="<f4").reshape(args.rows, args.features).copy())
    y = torch.from_numpy(np.fromfile(args.y, dtype="<i4").astype(np.int64))
    # Warm-up so one-off allocator and dispatch set-up is not billed to the first batch size.
    run(x[:4096], y[:4096], hidden, args.classes, 1, 256, args.lr)
    runs = []
    for batch in [int(b) for b in args.batches.split(",")]:
        seconds, loss = min(run(x, y, hidden, args.classes, args.epochs, batch, args.lr) for _ in range(args.repeat))
        runs.append({"batch": batch, "seconds": seconds, "loss": loss})
    json.dump({"torch": torch.__version__, "threads": torch.get_num_threads(), "runs": runs}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
