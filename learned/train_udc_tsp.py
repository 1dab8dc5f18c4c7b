"""Train the two UDC networks for the TSP on generated instances (CPU is enough).

Three commands, each seeded by ``--seed``:

``gnn``
    Supervised edge classification for the dividing GNN (``learned.gnn.EdgeGNN``). Instances
    of 50..200 cities (three quarters uniform in the unit square, one quarter Gaussian
    clusters) are labelled by LKH-3 (``elkai``); each directed kNN edge ``i -> j`` gets the
    target ``1/t_i`` when ``i - j`` is one of the ``t_i`` LKH tour edges of ``i`` inside its
    kNN row, and the loss is the cross-entropy of the row-wise softmax. Every epoch draws a
    fresh random rotation/reflection and a neighbour count k in {8, 12, 16, 20, 24} per
    instance; the learning rate follows a cosine over the CPU budget. Validation on 64
    held-out 200-city instances (k = 16): cross-entropy (which picks the checkpoint),
    precision of the two best-scored edges per city, and the gaps to LKH of both decoders
    of ``learned.udc`` (with random insertion and distance-greedy printed for reference).

``policy``
    The sub-path policy (``learned.subpath_policy``) on windows of 20..100 cities cut from
    tours of generated 1000-city instances (random-insertion tours, and greedy tours polished
    by 2-opt/Or-opt: the kinds of tour UDC conquers), normalised to the unit square.
    Stage 1, imitation: maximise the likelihood of the LKH-optimal path with the same end
    points (teacher forcing, every step in one pass; a random square symmetry and direction
    per window; learning rate decayed by a cosine over ``--imitation-minutes``). Stage 2,
    REINFORCE with a POMO-style shared baseline: ``--rollouts`` sampled rollouts per window,
    each rollout's advantage is its length minus their mean. Validation: mean gap to the
    LKH path on 64 held-out 100-city windows (one greedy and one sampled rollout under 4
    symmetries, as ``solve_subpaths`` does by default). The log's ``train_m`` column is the
    mean negative log-likelihood per step (imitation) or the mean rollout length per city
    (REINFORCE).

Budgets are CPU-minutes of the training process, so the amount of training does not depend
on how loaded the machine is (the data and the order of updates follow from ``--seed``; only
where the budget cuts training short can vary); the logs print CPU and wall minutes.

``threshold``
    Compares dividing thresholds of the trained GNN on generated 1000-city instances
    (tour length before and after the same 2-opt/Or-opt conquering).

Run (logs go to stdout; the checkpoint that validates best is kept)::

    python -m learned.train_udc_tsp gnn --seed 0 --minutes 14 --cache /tmp/udc-cache
    python -m learned.train_udc_tsp policy --seed 0 --minutes 20 --imitation-minutes 12
    python -m learned.train_udc_tsp threshold
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import elkai
import numpy as np
import torch
from torch_geometric.data import Batch, Data
from torch_geometric.utils import softmax as group_softmax

from learned import gnn, subpath_policy, udc
from learned.candidates import knn
from learned.checkpoint_io import save_network

K_CHOICES = (8, 12, 16, 20, 24)
LKH_SCALE = 1e5  # unit-square distances become integers with 5 decimals for LKH


def generate(count: int, sizes: tuple[int, int], rng: np.random.Generator) -> list[np.ndarray]:
    """``count`` instances with sizes in ``sizes`` (inclusive): 3/4 uniform, 1/4 clustered."""
    out = []
    for _ in range(count):
        n = int(rng.integers(sizes[0], sizes[1] + 1))
        if rng.random() < 0.75:
            out.append(rng.random((n, 2)))
        else:
            centres = rng.random((int(rng.integers(3, 9)), 2))
            pts = centres[rng.integers(len(centres), size=n)]
            pts = pts + rng.normal(scale=rng.uniform(0.02, 0.1), size=(n, 2))
            lo, hi = pts.min(axis=0), pts.max(axis=0)
            out.append((pts - lo) / (hi - lo).max())
    return out


def lkh_tour(coords: np.ndarray) -> np.ndarray:
    """A near-optimal tour by LKH-3 (elkai, one run)."""
    d = np.sqrt(((coords[:, None] - coords[None]) ** 2).sum(axis=2))
    tour = elkai.DistanceMatrix(np.rint(d * LKH_SCALE).astype(int).tolist()).solve_tsp(runs=1)
    return np.asarray(tour[:-1], dtype=np.int64)


def lkh_path(xy: np.ndarray) -> np.ndarray:
    """The LKH-optimal open path from city 0 to city ``L - 1`` of ``xy`` through all cities.

    A dummy city joined to both end cities at cost 0 and to all others at a prohibitive cost
    turns the path into a tour.
    """
    n = len(xy)
    d = np.rint(np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(axis=2)) * LKH_SCALE).astype(int)
    full = np.full((n + 1, n + 1), 10_000_000, dtype=int)
    full[:n, :n] = d
    full[n, 0] = full[0, n] = full[n, n - 1] = full[n - 1, n] = full[n, n] = 0
    tour = elkai.DistanceMatrix(full.tolist()).solve_tsp(runs=1)[:-1]
    cut = tour.index(n)
    path = np.array(tour[cut + 1:] + tour[:cut], dtype=np.int64)
    return path if path[0] == 0 else path[::-1].copy()


def gnn_sample(coords: np.ndarray, tour: np.ndarray, rng: np.random.Generator,
               k: int | None = None, augment: bool = True) -> Data:
    """One training graph: random symmetry and k (unless given), row-normalised targets."""
    xy = coords
    if augment:
        angle = rng.uniform(0, 2 * np.pi)
        rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        if rng.random() < 0.5:
            rot = rot @ np.diag([1.0, -1.0])
        xy = coords @ rot.T
    k = int(rng.choice(K_CHOICES)) if k is None else k
    neighbors = knn(xy, min(k, len(xy) - 1))
    node, feats = gnn.edge_features(xy, neighbors)
    succ, pred = np.empty_like(tour), np.empty_like(tour)
    succ[tour] = np.roll(tour, -1)
    pred[tour] = np.roll(tour, 1)
    target = ((neighbors == succ[:, None]) | (neighbors == pred[:, None])).astype(np.float32)
    target /= np.maximum(target.sum(axis=1, keepdims=True), 1.0)
    n, kk = neighbors.shape
    return Data(x=torch.from_numpy(node), edge_attr=torch.from_numpy(feats.reshape(n * kk, -1)),
                edge_index=gnn.edge_index_of(neighbors), y=torch.from_numpy(target.reshape(-1)),
                num_nodes=n)


def gnn_loss(model: gnn.EdgeGNN, batch: Batch) -> torch.Tensor:
    """Cross-entropy of the row-wise softmax against the tour-edge targets, per row."""
    logits = model(batch.x, batch.edge_attr, batch.edge_index)
    logp = torch.log(group_softmax(logits, batch.edge_index[0], num_nodes=batch.num_nodes) + 1e-12)
    return -(batch.y * logp).sum() / batch.num_nodes


def gnn_validation(model: gnn.EdgeGNN, val: list[tuple[np.ndarray, np.ndarray]],
                   k: int = 16) -> tuple[float, float, float, float]:
    """Validation cross-entropy, top-2 precision and the mean gaps (%) to LKH of the two
    decoders (``greedy_edge_tour``, ``fragment_insertion_tour``) on the model's scores."""
    model.eval()
    losses, precision, greedy, insertion = [], [], [], []
    with torch.inference_mode():
        for coords, tour in val:
            sample = gnn_sample(coords, tour, np.random.default_rng(0), k=k, augment=False)
            logits = model(sample.x, sample.edge_attr, sample.edge_index)
            scores = torch.softmax(logits.view(len(coords), k).double(), dim=1)
            target = sample.y.view(len(coords), k)
            losses.append(-(target * torch.log(scores + 1e-12)).sum(dim=1).mean().item())
            top2 = scores.argsort(dim=1, descending=True)[:, :2]
            precision.append((target.gather(1, top2) > 0).double().mean().item())
            neighbors, scores = sample.edge_index[1].view(len(coords), k).numpy(), scores.numpy()
            best = udc.tour_length(coords, tour)
            for out, decoded in ((greedy, udc.greedy_edge_tour(coords, neighbors, scores)),
                                 (insertion, udc.fragment_insertion_tour(
                                     coords, neighbors, scores, threshold=udc.DIVIDE_THRESHOLD))):
                out.append(100 * (udc.tour_length(coords, decoded) / best - 1))
    model.train()
    return (float(np.mean(losses)), float(np.mean(precision)), float(np.mean(greedy)),
            float(np.mean(insertion)))


def train_gnn(args) -> None:
    rng = np.random.default_rng(args.seed)
    torch.manual_seed(args.seed)
    start, cpu_start = time.perf_counter(), time.process_time()
    train = generate(args.instances, (50, 200), rng)
    val_coords = [rng.random((200, 2)) for _ in range(64)]
    tours = _cached(args.cache, f"gnn_lkh_seed{args.seed}_{args.instances}.npz",
                    lambda: [lkh_tour(c) for c in train + val_coords])
    labelled = list(zip(train, tours[:len(train)]))
    val = list(zip(val_coords, tours[len(train):]))
    print(f"labelled {len(train)} training and {len(val)} validation instances with LKH "
          f"({(time.process_time() - cpu_start) / 60:.1f} CPU-minutes)", flush=True)
    distance_scores = []
    for coords, tour in val:
        neighbors = knn(coords, 16)
        dist = np.sqrt(((coords[neighbors] - coords[:, None]) ** 2).sum(axis=2))
        best = udc.tour_length(coords, tour)
        distance_scores.append([100 * (udc.tour_length(coords, t) / best - 1) for t in (
            udc.greedy_edge_tour(coords, neighbors, 1.0 / (dist + 1e-9)),
            udc.random_insertion_tour(coords, seed=0))])
    greedy_ref, insertion_ref = np.mean(distance_scores, axis=0)
    print(f"references on the validation set: greedy decoding of inverse distances "
          f"{greedy_ref:.2f} %, random insertion {insertion_ref:.2f} %", flush=True)

    model = gnn.EdgeGNN(layers=args.layers, dim=args.dim)
    optimiser = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    best_loss = np.inf
    print("epoch  train_loss  val_loss  val_top2  greedy_gap_%  insertion_gap_%  cpu_min  "
          "wall_min", flush=True)
    for epoch in range(1, args.epochs + 1):
        order = rng.permutation(len(labelled))
        losses = []
        for lo in range(0, len(order), args.batch):
            done = (time.process_time() - cpu_start) / 60 / args.minutes
            for group in optimiser.param_groups:  # cosine decay over the CPU budget
                group["lr"] = args.lr * 0.5 * (1 + np.cos(np.pi * min(done, 1.0)))
            batch = Batch.from_data_list([gnn_sample(*labelled[i], rng)
                                          for i in order[lo:lo + args.batch]])
            loss = gnn_loss(model, batch)
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            losses.append(loss.item())
        val_loss, top2, greedy_gap, insertion_gap = gnn_validation(model, val)
        minutes = (time.process_time() - cpu_start) / 60
        print(f"{epoch:5d}  {np.mean(losses):10.4f}  {val_loss:8.4f}  {top2:8.3f}  "
              f"{greedy_gap:12.2f}  {insertion_gap:15.2f}  {minutes:7.1f}  "
              f"{(time.perf_counter() - start) / 60:8.1f}", flush=True)
        if val_loss < best_loss:
            best_loss = val_loss
            save_network(model, args.out or gnn.CHECKPOINT, epoch=epoch, val_loss=val_loss,
                  seed=args.seed)
        if minutes > args.minutes:
            print(f"stopping: {args.minutes} CPU-minute budget reached", flush=True)
            break
    print(f"best validation loss {best_loss:.4f} -> {args.out or gnn.CHECKPOINT}", flush=True)


def window_pool(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A generated instance and a tour of the kinds UDC conquers (random insertion, or greedy
    by distance then polished by 2-opt/Or-opt)."""
    coords = generate(1, (n, n), rng)[0]
    if rng.random() < 0.5:
        return coords, udc.random_insertion_tour(coords, seed=int(rng.integers(2**31)))
    neighbors = knn(coords, 10)
    dist = np.sqrt(((coords[neighbors] - coords[:, None]) ** 2).sum(axis=2))
    tour = udc.greedy_edge_tour(coords, neighbors, 1.0 / (dist + 1e-9))
    for offset in (0, 50):
        udc.polish_subpaths(coords, tour, *udc.cut_points(n, offset, 100))
    return coords, tour


def windows(coords: np.ndarray, tour: np.ndarray, count: int, length: int,
            rng: np.random.Generator) -> np.ndarray:
    """``count`` normalised sub-paths ``(count, length, 2)`` cut from ``tour`` at random places."""
    starts = rng.integers(len(tour), size=count)
    idx = tour[(starts[:, None] + np.arange(length)[None]) % len(tour)]
    return subpath_policy.normalise(coords[idx])


def labelled_windows(count_per_length: int, lengths: range, rng: np.random.Generator,
                     cache: Path | None = None, tag: str = "") -> dict:
    """Windows of each length in ``lengths`` with their LKH-optimal paths: {L: (xy, paths)}."""
    xys = [np.concatenate([windows(*window_pool(1000, rng), 16, length, rng)
                           for _ in range(-(-count_per_length // 16))])[:count_per_length]
           for length in lengths]
    paths = _cached(cache, f"policy_lkh_{tag}_{count_per_length}x{len(lengths)}.npz",
                    lambda: [np.stack([lkh_path(w) for w in xy]) for xy in xys])
    return {length: (xy, p) for length, xy, p in zip(lengths, xys, paths)}


def augment(xy: torch.Tensor, paths: torch.Tensor, rng: np.random.Generator):
    """A random square symmetry per sub-path, and half of them travelled end to start."""
    xy = torch.stack([subpath_policy.symmetry(xy[b], int(s))
                      for b, s in enumerate(rng.integers(8, size=len(xy)))])
    flip = torch.as_tensor(rng.random(len(xy)) < 0.5)
    last = xy.shape[1] - 1
    xy = torch.where(flip[:, None, None], xy.flip(1), xy)
    paths = torch.where(flip[:, None], (last - paths).flip(1), paths)
    return xy, paths


def policy_validation(model: subpath_policy.SubpathPolicy, val: np.ndarray,
                      best: np.ndarray) -> float:
    model.eval()
    orders = subpath_policy.solve_subpaths(model, val, samples=8)
    lengths = subpath_policy.path_lengths(torch.as_tensor(val), torch.as_tensor(orders)).numpy()
    model.train()
    return float(np.mean(100 * (lengths / best - 1)))


def train_policy(args) -> None:
    rng = np.random.default_rng(args.seed)
    torch.manual_seed(args.seed)
    generator = subpath_policy.make_generator(args.seed)
    start, cpu_start = time.perf_counter(), time.process_time()
    val = np.concatenate([windows(*window_pool(1000, rng), 8, 100, rng) for _ in range(8)])
    val_paths = [lkh_path(xy) for xy in val]
    best = np.array([np.sqrt(((xy[p[1:]] - xy[p[:-1]]) ** 2).sum(axis=1)).sum()
                     for xy, p in zip(val, val_paths)])
    given = np.array([np.sqrt(((xy[1:] - xy[:-1]) ** 2).sum(axis=1)).sum() for xy in val])
    print(f"validation: {len(val)} windows of 100 cities; the windows as cut are "
          f"{np.mean(100 * (given / best - 1)):.2f} % above their LKH paths", flush=True)
    data = labelled_windows(args.labelled // 9, range(20, 101, 10), rng, args.cache,
                            tag=f"seed{args.seed}")
    print(f"labelled {sum(len(v[0]) for v in data.values())} training windows of 20..100 "
          f"cities with LKH paths ({(time.process_time() - cpu_start) / 60:.1f} CPU-minutes "
          "so far)", flush=True)

    model = subpath_policy.SubpathPolicy(dim=args.dim, layers=args.layers)
    best_gap = np.inf

    def log(stage, epoch, batches, loss):
        nonlocal best_gap
        gap = policy_validation(model, val, best)
        minutes = (time.process_time() - cpu_start) / 60
        print(f"{stage:9s}  {epoch:5d}  {batches:7d}  {loss:9.4f}  {gap:9.2f}  {minutes:7.1f}  "
              f"{(time.perf_counter() - start) / 60:8.1f}", flush=True)
        if gap < best_gap:
            best_gap = gap
            save_network(model, args.out or subpath_policy.CHECKPOINT, stage=stage, epoch=epoch,
                  val_gap=gap, seed=args.seed)
        return minutes

    print("stage      epoch  batches  train_m  val_gap_%  cpu_min  wall_min", flush=True)
    optimiser = torch.optim.Adam(model.parameters(), lr=args.imitation_lr)
    imitation_start = time.process_time()
    batches = 0
    for epoch in range(1, args.imitation_epochs + 1):
        losses = []
        for length in rng.permutation(list(data)):
            xy_all, paths_all = data[length]
            order = rng.permutation(len(xy_all))
            for lo in range(0, len(order), args.batch):
                pick = order[lo:lo + args.batch]
                xy, paths = augment(torch.as_tensor(xy_all[pick], dtype=torch.float32),
                                    torch.as_tensor(paths_all[pick]), rng)
                loss = -model.log_likelihood(xy, paths).mean() / (length - 2)
                done = (time.process_time() - imitation_start) / 60 / args.imitation_minutes
                for group in optimiser.param_groups:  # cosine decay over the CPU budget
                    group["lr"] = args.imitation_lr * 0.5 * (1 + np.cos(np.pi * min(done, 1.0)))
                optimiser.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimiser.step()
                losses.append(loss.item())
                batches += 1
        log("imitation", epoch, batches, float(np.mean(losses)))
        if (time.process_time() - imitation_start) / 60 > args.imitation_minutes:
            break

    optimiser = torch.optim.Adam(model.parameters(), lr=args.lr)
    pool = window_pool(1000, rng)
    for epoch in range(1, args.epochs + 1):
        costs = []
        for step in range(args.batches):
            if step % 20 == 0:
                pool = window_pool(1000, rng)
            length = int(rng.integers(20, 101))
            xy = torch.as_tensor(windows(*pool, args.batch, length, rng), dtype=torch.float32)
            xy = torch.stack([subpath_policy.symmetry(xy[b], int(s))
                              for b, s in enumerate(rng.integers(8, size=args.batch))])
            orders, logp = model.rollout(xy, rollouts=args.rollouts, generator=generator)
            cost = subpath_policy.path_lengths(
                xy.repeat_interleave(args.rollouts, dim=0), orders.reshape(-1, length)
            ).view(args.batch, args.rollouts)
            advantage = cost - cost.mean(dim=1, keepdim=True)
            loss = (advantage.detach() * logp).mean()
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            costs.append(cost.mean().item() / length)
            batches += 1
        if log("reinforce", epoch, batches, float(np.mean(costs))) > args.minutes:
            print(f"stopping: {args.minutes} CPU-minute budget reached", flush=True)
            break
    print(f"best validation gap {best_gap:.2f} % -> {args.out or subpath_policy.CHECKPOINT}",
          flush=True)


def choose_threshold(args) -> None:
    """Print, per dividing threshold, the mean tour length on generated instances before and
    after the same 2-opt/Or-opt conquering (so that global structure counts), to pick
    ``learned.udc.DIVIDE_THRESHOLD``; ``inf`` (no learned edge) is random insertion."""
    rng = np.random.default_rng(args.seed)
    instances = [rng.random((args.n, 2)) for _ in range(args.count)]
    thresholds = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.2, np.inf)
    results = {t: [] for t in thresholds}
    for coords in instances:
        neighbors = knn(coords, 16)
        scores = gnn.predict_edge_scores(coords, neighbors, device="cpu")
        for threshold in thresholds:
            tour = udc.fragment_insertion_tour(coords, neighbors, scores, threshold, seed=0)
            initial = udc.tour_length(coords, tour)
            for r in range(args.rounds):
                udc.polish_subpaths(coords, tour, *udc.cut_points(args.n, 50 * r + r, 100))
            results[threshold].append((initial, udc.tour_length(coords, tour)))
    print(f"{args.count} generated {args.n}-city instances (seed {args.seed}), "
          f"{args.rounds} rounds of 2-opt/Or-opt on 100-city sub-paths\n")
    print("| threshold | initial length | after conquering |\n|---:|---:|---:|")
    for threshold, values in results.items():
        initial, final = np.mean(values, axis=0)
        print(f"| {threshold:g} | {initial:.4f} | {final:.4f} |")


def _cached(folder: Path | None, name: str, compute) -> list[np.ndarray]:
    """``compute()`` (a list of integer arrays), kept in ``folder/name`` when a folder is given."""
    if folder is not None and (Path(folder) / name).is_file():
        with np.load(Path(folder) / name) as stored:
            return [stored[f"a{i}"] for i in range(len(stored.files))]
    values = compute()
    if folder is not None:
        Path(folder).mkdir(parents=True, exist_ok=True)
        np.savez(Path(folder) / name, **{f"a{i}": v for i, v in enumerate(values)})
    return values


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="stage", required=True)
    g = sub.add_parser("gnn", help="supervised dividing GNN on LKH-labelled instances")
    g.add_argument("--instances", type=int, default=1200)
    g.add_argument("--epochs", type=int, default=100)
    g.add_argument("--batch", type=int, default=4, help="graphs per batch")
    g.add_argument("--layers", type=int, default=8)
    g.add_argument("--dim", type=int, default=48)
    g.add_argument("--lr", type=float, default=1e-3)
    p = sub.add_parser("policy", help="REINFORCE sub-path policy with a shared baseline")
    p.add_argument("--labelled", type=int, default=9000, help="LKH-labelled windows")
    p.add_argument("--imitation-epochs", type=int, default=100)
    p.add_argument("--imitation-minutes", type=float, default=10.0,
                   help="CPU-minutes after which imitation hands over to REINFORCE")
    p.add_argument("--imitation-lr", type=float, default=1e-3)
    p.add_argument("--epochs", type=int, default=100, help="REINFORCE epochs")
    p.add_argument("--batches", type=int, default=50, help="REINFORCE batches per epoch")
    p.add_argument("--batch", type=int, default=32, help="sub-paths per batch")
    p.add_argument("--rollouts", type=int, default=8, help="rollouts per sub-path")
    p.add_argument("--layers", type=int, default=3)
    p.add_argument("--dim", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-4, help="REINFORCE learning rate")
    t = sub.add_parser("threshold", help="compare dividing thresholds of the shipped GNN")
    t.add_argument("--n", type=int, default=1000)
    t.add_argument("--count", type=int, default=4)
    t.add_argument("--rounds", type=int, default=30)
    t.add_argument("--seed", type=int, default=1)
    for stage in (g, p):
        stage.add_argument("--seed", type=int, default=0)
        stage.add_argument("--minutes", type=float, default=20.0,
                           help="budget in CPU-minutes of this process (reproducible under load)")
        stage.add_argument("--threads", type=int, default=1)
        stage.add_argument("--out", type=Path, default=None, help="checkpoint path")
        stage.add_argument("--cache", type=Path, default=None,
                           help="folder that keeps the LKH labels between runs")
    args = parser.parse_args(argv)
    torch.set_num_threads(getattr(args, "threads", 1))
    {"gnn": train_gnn, "policy": train_policy, "threshold": choose_threshold}[args.stage](args)


if __name__ == "__main__":
    main()
