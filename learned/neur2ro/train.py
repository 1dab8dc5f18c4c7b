"""Train the Neur2RO loss network (reproducible from ``--seed``; one torch thread).

    .venv/bin/python -m learned.neur2ro.train [--seed 0] [--instances 160] [--decisions 6]
        [--scenarios 8] [--epochs 150] [--dagger-instances 0] [--dagger-iterations 6]
        [--workers 2] [--out learned/checkpoints/neur2ro_rkp.pt] [--samples cache.npz]
        [--dagger-samples cache2.npz]

Round 1 generates the samples (``learned.neur2ro.data.generate``; ``--workers`` processes label
them, the samples do not depend on how many), holds out the last 10 % of the instances for
validation and fits ``Δ / loss_scale`` with MSE (Adam, batch 256, cosine learning rate).
Round 2 (DAgger, with ``--dagger-instances N > 0``; not used for the shipped checkpoint)
replays the surrogate CCG with the round-1 network on fresh instances (``generate_visited``),
labels the selections it visits, and fits a fresh network (same seed) on both sample sets,
validation again on held-out instances of each.
Every epoch prints training MSE, validation MSE, the validation mean and 95th percentile of
``|V - Q| / Q`` for the surrogate ``V = Q(x, 0) - Δ̂`` (samples with ``Q > 0``), and the mean
absolute loss error relative to the mean loss. The checkpoint keeps the weights of the epoch
with the lowest validation MSE, the data settings, that epoch's errors and both rounds' errors
on the held-out visited samples.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from learned.checkpoint_io import save_network
from learned.neur2ro.data import generate, generate_visited
from learned.neur2ro.network import CHECKPOINT, ValueNetwork


def relative_errors(model: ValueNetwork, data: dict[str, torch.Tensor]) -> np.ndarray:
    """``|V - Q| / Q`` on the samples with ``Q > 0``, ``V = Q(x, 0) - Δ̂``, ``Q = Q(x, 0) - Δ``
    (``|Δ̂ - Δ| / Q``)."""
    with torch.no_grad():
        predicted = model(data["features"], data["selection"]).numpy()
    target = data["target"].numpy()
    value = data["nominal"].numpy() - target
    positive = value > 0
    return np.abs(predicted[positive] - target[positive]) / value[positive]


def loss_error(model: ValueNetwork, data: dict[str, torch.Tensor]) -> float:
    """``mean |Δ̂ - Δ| / mean Δ``: how well the loss itself is learned."""
    with torch.no_grad():
        predicted = model(data["features"], data["selection"]).numpy()
    target = data["target"].numpy()
    return float(np.abs(predicted - target).mean() / max(target.mean(), 1e-12))


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
        errors, delta_error = relative_errors(model, valid), loss_error(model, valid)
        log(f"epoch {epoch:3d} train_mse {total / size:.3e} valid_mse {valid_mse:.3e} "
            f"valid_rel_err mean {errors.mean():.4f} p95 {np.quantile(errors, 0.95):.4f} "
            f"loss_err {delta_error:.4f}")
        if valid_mse < best["valid_mse"]:
            best = {"valid_mse": valid_mse, "epoch": epoch,
                    "valid_rel_err_mean": float(errors.mean()),
                    "valid_rel_err_p95": float(np.quantile(errors, 0.95)),
                    "valid_loss_err": delta_error,
                    "state": {k: v.clone() for k, v in model.state_dict().items()}}
    model.load_state_dict(best.pop("state"))
    return model.eval(), best


def _cached(path: str | None, make) -> dict[str, np.ndarray]:
    """``make()``, or the npz at ``path`` when it exists (written there otherwise)."""
    if path and Path(path).is_file():
        return dict(np.load(path))
    samples = make()
    if path:
        np.savez_compressed(path, **samples)
    return samples


def _split(samples: dict[str, np.ndarray], instances: int):
    """Tensors of the training and the validation part (the last 10 % of the instances)."""
    held_out = torch.as_tensor(samples["instance"] >= int(0.9 * instances))
    tensors = {key: torch.as_tensor(value) for key, value in samples.items() if key != "instance"}
    return ({key: value[~held_out] for key, value in tensors.items()},
            {key: value[held_out] for key, value in tensors.items()})


def _joined(first: dict, second: dict) -> dict:
    return {key: torch.cat([first[key], second[key]]) for key in first}


def _report(label: str, best: dict, seconds: float) -> None:
    print(f"{label}: best epoch {best['epoch']}: valid_mse {best['valid_mse']:.3e}, relative "
          f"error mean {best['valid_rel_err_mean']:.4f}, p95 {best['valid_rel_err_p95']:.4f}, "
          f"loss error {best['valid_loss_err']:.4f}; {seconds:.0f} s", flush=True)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--instances", type=int, default=160)
    parser.add_argument("--decisions", type=int, default=6)
    parser.add_argument("--scenarios", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=150)
    parser.add_argument("--dagger-instances", type=int, default=0,
                        help="instances of the DAgger round (0: no second round)")
    parser.add_argument("--dagger-iterations", type=int, default=6)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default=str(CHECKPOINT))
    parser.add_argument("--samples", help="npz file: samples are read from it when it exists "
                                          "(same settings assumed), else written to it")
    parser.add_argument("--dagger-samples", help="the same for the DAgger round's samples")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    log = lambda line: print(line, flush=True)  # noqa: E731
    start = time.perf_counter()
    samples = _cached(args.samples, lambda: generate(
        args.instances, args.decisions, args.scenarios, seed=args.seed, workers=args.workers))
    print(f"data: {len(samples['target'])} samples from {args.instances} instances in "
          f"{time.perf_counter() - start:.0f} s", flush=True)
    train, valid = _split(samples, args.instances)
    tick = time.perf_counter()
    model, best = fit(train, valid, args.epochs, args.seed, log=log)
    _report("round 1", best, time.perf_counter() - tick)
    rounds = {"round1": {key: value for key, value in best.items()}}
    if args.dagger_instances:
        tick = time.perf_counter()
        visited = _cached(args.dagger_samples, lambda: generate_visited(
            model, args.dagger_instances, args.dagger_iterations, seed=args.seed,
            workers=args.workers))
        print(f"DAgger data: {len(visited['target'])} samples of the selections the surrogate "
              f"CCG visits on {args.dagger_instances} instances in "
              f"{time.perf_counter() - tick:.0f} s", flush=True)
        visited_train, visited_valid = _split(visited, args.dagger_instances)
        with torch.no_grad():
            errors = relative_errors(model, visited_valid)
        rounds["round1_on_visited"] = {"valid_rel_err_mean": float(errors.mean()),
                                       "valid_loss_err": loss_error(model, visited_valid)}
        print(f"round-1 network on the held-out visited samples: relative error mean "
              f"{errors.mean():.4f}, loss error {rounds['round1_on_visited']['valid_loss_err']:.4f}",
              flush=True)
        tick = time.perf_counter()
        model, best = fit(_joined(train, visited_train), _joined(valid, visited_valid),
                          args.epochs, args.seed, log=log)
        _report("round 2", best, time.perf_counter() - tick)
        rounds["round2_on_visited"] = {
            "valid_rel_err_mean": float(relative_errors(model, visited_valid).mean()),
            "valid_loss_err": loss_error(model, visited_valid)}
        print(f"round-2 network on the held-out visited samples: relative error mean "
              f"{rounds['round2_on_visited']['valid_rel_err_mean']:.4f}, loss error "
              f"{rounds['round2_on_visited']['valid_loss_err']:.4f}", flush=True)
    print(f"total {time.perf_counter() - start:.0f} s", flush=True)
    save_network(model, args.out, data={key: getattr(args, key) for key in (
        "seed", "instances", "decisions", "scenarios", "epochs", "dagger_instances",
        "dagger_iterations")}, validation=best, rounds=rounds)


if __name__ == "__main__":
    main()
