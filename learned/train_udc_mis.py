"""Train the MIS node-scoring GNN of ``learned.udc_mis`` without labels.

The loss is the Erdős-goes-neural relaxation (Karalias & Loukas, NeurIPS 2020): with
``p = sigmoid(logits)``, ``-sum(p) + penalty * sum_edges p_u p_v`` per graph, divided by its
number of nodes. A 0/1 ``p`` scores minus the set's size plus ``penalty`` per violated edge,
so any ``penalty > 1`` makes every minimum of the 0/1 loss an independent set; the network
learns which nodes a large independent set takes. Graphs are Erdős–Rényi with 100–600
nodes and edge probabilities 0.02–0.3 from seeds ``seed * 10**6 + step`` (never the
benchmark's seeds 0..99, which ``bench/udc_mis_mdkp.py`` uses); validation graphs come from
seeds ``7 * 10**8 + i``.

Validation (printed every ``--every`` steps and at the end): the mean size of the greedy
decoding by the network's scores, by random scores and by minimum degree, on 16 graphs
(n = 300–800, p = 0.05–0.2).

    python -m learned.train_udc_mis --steps 3000 --seed 0
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from learned import mis_search
from learned.checkpoint_io import save_network
from learned.node_gnn import NodeScorer, undirected_index
from learned.udc_mis import CHECKPOINT, FEATURES, node_features
from problems import MIS

PENALTY = 1.5
TRAIN_SEED_STRIDE = 10**6
VALIDATION_SEED = 7 * 10**8


def relaxation_loss(logits: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
    """``(-sum(p) + PENALTY * sum over undirected edges p_u p_v) / n``.

    >>> index = torch.tensor([[0, 1], [1, 0]])
    >>> float(relaxation_loss(torch.tensor([10.0, -10.0]), index)) < -0.49
    True
    """
    p = torch.sigmoid(logits)
    src, dst = edge_index
    conflicts = (p[src] * p[dst]).sum() / 2
    return (-p.sum() + PENALTY * conflicts) / len(p)


def training_graph(rng: np.random.Generator, seed: int) -> MIS:
    n = int(rng.integers(100, 601))
    p = float(np.exp(rng.uniform(np.log(0.02), np.log(0.3))))
    return MIS.random(n, p=p, seed=seed)


def validation_graphs() -> list[MIS]:
    rng = np.random.default_rng(VALIDATION_SEED)
    return [MIS.random(int(rng.integers(300, 801)), p=float(rng.uniform(0.05, 0.2)),
                       seed=VALIDATION_SEED + i) for i in range(16)]


def greedy_size(graph: MIS, scores: np.ndarray) -> int:
    indptr, indices = mis_search.csr(graph.n, graph.edges)
    return int(mis_search.greedy(indptr, indices, np.argsort(-scores, kind="stable")).sum())


def validate(model: NodeScorer, graphs: list[MIS]) -> dict[str, float]:
    """Mean greedy size by GNN scores, random scores and minimum degree."""
    sizes = {"gnn": [], "random": [], "degree": []}
    model.eval()
    with torch.no_grad():
        for k, graph in enumerate(graphs):
            x = torch.from_numpy(node_features(graph.n, graph.edges))
            scores = model(x, undirected_index(graph.edges)).numpy()
            degree = np.bincount(graph.edges.ravel(), minlength=graph.n)
            sizes["gnn"].append(greedy_size(graph, scores))
            sizes["random"].append(greedy_size(graph, np.random.default_rng(k).random(graph.n)))
            sizes["degree"].append(greedy_size(graph, -degree.astype(float)))
    model.train()
    return {key: float(np.mean(value)) for key, value in sizes.items()}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--dim", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--every", type=int, default=500)
    parser.add_argument("--out", default=str(CHECKPOINT))
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    model = NodeScorer(FEATURES, layers=args.layers, dim=args.dim)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    graphs = validation_graphs()
    print(f"before training: {validate(model, graphs)}", flush=True)
    start, running = time.perf_counter(), []
    for step in range(1, args.steps + 1):
        graph = training_graph(rng, args.seed * TRAIN_SEED_STRIDE + step)
        index = undirected_index(graph.edges)
        logits = model(torch.from_numpy(node_features(graph.n, graph.edges)), index)
        loss = relaxation_loss(logits, index)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        running.append(loss.item())
        if step % args.every == 0 or step == args.steps:
            print(f"step {step} loss {np.mean(running):.4f} {time.perf_counter() - start:.0f}s "
                  f"validation greedy sizes {validate(model, graphs)}", flush=True)
            running = []
    save_network(model, args.out, command=f"python -m learned.train_udc_mis "
                 f"--steps {args.steps} --seed {args.seed} --layers {args.layers} "
                 f"--dim {args.dim} --lr {args.lr}")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
