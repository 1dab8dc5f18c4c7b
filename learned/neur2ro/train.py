"""Train the Neur2RO value network (reproducible from ``--seed``; one CPU thread).

    .venv/bin/python -m learned.neur2ro.train [--seed 0] [--instances 120] [--decisions 6]
        [--scenarios 10] [--epochs 150] [--out learned/checkpoints/neur2ro_rkp.pt]
        [--samples cache.npz]

Generates the samples (``learned.neur2ro.data.generate``), holds out the last 10 % of the
instances for validation, fits ``Q / Σ f`` with MSE (Adam, batch 256, cosine learning rate)
and prints one line per epoch: training MSE, validation MSE and the validation mean and 95th
percentile of ``|V - Q| / Q`` (samples with ``Q > 0``). The checkpoint keeps the weights of
the epoch with the lowest validation MSE, the data settings and that epoch's errors.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from learned.checkpoint_io import save_network
from learned.neur2ro.data import generate
from learned.neur2ro.network import CHECKPOINT, ValueNetwork


def relative_errors(model: ValueNetwork, data: dict[str, torch.Tensor]) -> np.ndarray:
    """``|V - Q| / Q`` on the samples with ``Q > 0``."""
    with torch.no_grad():
        predicted = model(data["features"], data["selection"]).numpy()
    target = data["target"].numpy()
    positive = target > 0
    return np.abs(predicted[positive] - target[positive]) / target[positive]


def fit(train: dict[str, torch.Tensor], valid: dict[str, torch.Tensor], epochs: int, seed: int,
        log=print) -> tuple[ValueNetwork, dict]:
    """Train a fresh ``ValueNetwork(seed=seed)``; returns it with its best-epoch weights."""
    torch.manual_seed(seed)
    model = ValueNetwork(seed=seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, epochs)
    loss_fn = torch.nn.MSELoss()
    size = len(train["target"])
    best = {"valid_mse": np.inf}
    for epoch in range(1, epochs + 1):
        model.train()
        order = torch.randperm(size)
        total = 0.0
        for start in range(0, size, 256):
            batch = order[start:start + 256]
            loss = loss_fn(model(train["features"][batch], train["selection"][batch]),
                           train["target"][batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += float(loss.detach()) * len(batch)
        schedule.step()
        model.eval()
        with torch.no_grad():
            valid_mse = float(loss_fn(model(valid["features"], valid["selection"]),
                                      valid["target"]))
        errors = relative_errors(model, valid)
        log(f"epoch {epoch:3d} train_mse {total / size:.3e} valid_mse {valid_mse:.3e} "
            f"valid_rel_err mean {errors.mean():.4f} p95 {np.quantile(errors, 0.95):.4f}")
        if valid_mse < best["valid_mse"]:
            best = {"valid_mse": valid_mse, "epoch": epoch,
                    "valid_rel_err_mean": float(errors.mean()),
                    "valid_rel_err_p95": float(np.quantile(errors, 0.95)),
                    "state": {k: v.clone() for k, v in model.state_dict().items()}}
    model.load_state_dict(best.pop("state"))
    return model.eval(), best


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--instances", type=int, default=120)
    parser.add_argument("--decisions", type=int, default=6)
    parser.add_argument("--scenarios", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=150)
    parser.add_argument("--out", default=str(CHECKPOINT))
    parser.add_argument("--samples", help="npz file: samples are read from it when it exists "
                                          "(same settings assumed), else written to it")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    start = time.perf_counter()
    if args.samples and Path(args.samples).is_file():
        samples = dict(np.load(args.samples))
    else:
        samples = generate(args.instances, args.decisions, args.scenarios, seed=args.seed)
        if args.samples:
            np.savez_compressed(args.samples, **samples)
    data_seconds = time.perf_counter() - start
    print(f"data: {len(samples['target'])} samples from {args.instances} instances in "
          f"{data_seconds:.0f} s", flush=True)
    held_out = samples["instance"] >= int(0.9 * args.instances)
    tensors = {key: torch.as_tensor(value) for key, value in samples.items() if key != "instance"}
    train = {key: value[torch.as_tensor(~held_out)] for key, value in tensors.items()}
    valid = {key: value[torch.as_tensor(held_out)] for key, value in tensors.items()}
    model, best = fit(train, valid, args.epochs, args.seed,
                      log=lambda line: print(line, flush=True))
    train_seconds = time.perf_counter() - start - data_seconds
    print(f"best epoch {best['epoch']}: valid_mse {best['valid_mse']:.3e}, relative error "
          f"mean {best['valid_rel_err_mean']:.4f}, p95 {best['valid_rel_err_p95']:.4f}; "
          f"data {data_seconds:.0f} s, training {train_seconds:.0f} s", flush=True)
    save_network(model, args.out, data={"seed": args.seed, "instances": args.instances,
                                        "decisions": args.decisions,
                                        "scenarios": args.scenarios, "epochs": args.epochs},
                 validation=best)


if __name__ == "__main__":
    main()
