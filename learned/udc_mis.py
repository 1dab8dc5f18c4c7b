"""UDC for the maximum independent set: learned scores, solution-guided parts, reunion.

``udc_mis(n, edges, ...)`` follows UDC's divide–conquer–reunion scheme (NeurIPS 2024):

1. **Dividing.** A node-scoring GNN (``learned.node_gnn.NodeScorer`` on degree features,
   trained by ``learned.train_udc_mis``) gives each node a probability of belonging to a
   maximum independent set; greedy decoding by decreasing score gives the first solution.
   The graph is then partitioned around the selected nodes (``mis_search.solution_parts``):
   a part grows from its least confident selected node (lowest score) and holds the
   unselected nodes all of whose selected neighbours it holds, up to ``part_size`` nodes.
2. **Conquering.** Each part in turn is re-solved with the rest of the solution fixed: only
   its nodes with no selected neighbour outside it may be chosen (the border handling that
   keeps the union independent whatever the part's answer). Parts of up to ``exact_max`` such
   nodes go to CP-SAT (one worker, a deterministic time limit, the current nodes as hint);
   larger ones to the learned policy (greedy decoding by score) polished by iterated local
   search. A part's answer replaces the old one when it is not smaller.
3. **Reunion.** Each round partitions again in another order (scores plus noise), so the
   borders of one round lie inside the parts of the next; between rounds, and at the end
   until the time limit, ARW's iterated local search with (1,2)-swaps works on the whole
   solution (``mis_search.iterated_local_search``); its perturbation inserts high-score
   nodes more often (``bias``, ``perturbation_weights``).

Measured (``docs/benchmarks/udc_mis_mdkp.md``): on ER-700-800 graphs the local search erases
the scores' head start within about a thousand steps, and at 5–30 s the trained scores do
not beat random scores significantly; they matter for the construction alone.

>>> import numpy as np
>>> edges = np.array([[0, 1], [1, 2], [2, 3], [3, 4], [4, 0]])
>>> sol, trace, info = udc_mis(5, edges, rounds=1, seed=0)
>>> int(sol.sum())
2
"""

from __future__ import annotations

import functools
import time
from pathlib import Path

import numpy as np
import torch
from ortools.sat.python import cp_model

from learned import mis_search
from learned.checkpoint_io import load_network
from learned.node_gnn import NodeScorer, undirected_index

CHECKPOINT = Path(__file__).with_name("checkpoints") / "udc_mis_gnn.pt"
TRAIN_COMMAND = "python -m learned.train_udc_mis"
SCORE_MODES = ("gnn", "random", "degree")
FEATURES = 4
ILS_STEPS = 2000  # iterated local search steps between rounds (times n / 1000, at least 1x)
PART_REACH = 3  # a part stops growing once it touches PART_REACH * part_size nodes
EXACT_DETERMINISTIC_TIME = 0.5  # CP-SAT's deterministic time limit per part
CHUNK_SECONDS = 0.05  # local-search steps between two reads of the clock, in seconds
EXACT_SECONDS = 1.0  # and its wall limit per part
BIAS = 3.0  # the local search inserts the node of score rank r with weight exp(-BIAS r / n)


def node_features(n: int, edges: np.ndarray) -> np.ndarray:
    """Scale-free features per node: degree over the mean degree, its log, the mean
    neighbour degree over the mean degree, and the density-free degree rank (float32).

    >>> node_features(3, np.array([[0, 1], [1, 2]])).shape
    (3, 4)
    """
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    degree = np.bincount(edges.ravel(), minlength=n).astype(float)
    mean = max(degree.mean(), 1e-9)
    neighbour_sum = (np.bincount(edges[:, 0], weights=degree[edges[:, 1]], minlength=n)
                     + np.bincount(edges[:, 1], weights=degree[edges[:, 0]], minlength=n))
    neighbour_mean = neighbour_sum / np.maximum(degree, 1.0)
    rank = np.argsort(np.argsort(degree, kind="stable"), kind="stable") / max(n - 1, 1)
    features = np.stack([degree / mean, np.log1p(degree) - np.log1p(mean),
                         neighbour_mean / mean, rank], axis=1)
    return features.astype(np.float32)


@functools.lru_cache(maxsize=2)
def load_model(path: str = str(CHECKPOINT)) -> NodeScorer:
    """The trained MIS ``NodeScorer`` (cached)."""
    return load_network(NodeScorer, path, "cpu", TRAIN_COMMAND)


def predict_scores(n: int, edges: np.ndarray, model: NodeScorer | None = None) -> np.ndarray:
    """Probability per node of lying in a maximum independent set, by the GNN.

    >>> int(predict_scores(4, np.array([[0, 1], [0, 2], [0, 3]])).argmin())
    0
    """
    model = model or load_model()
    with torch.no_grad():
        logits = model(torch.from_numpy(node_features(n, edges)), undirected_index(edges))
    return torch.sigmoid(logits).numpy().astype(np.float64)


def scores_for(mode: str, n: int, edges: np.ndarray, seed: int) -> np.ndarray:
    """Node scores of a ``mode``: ``"gnn"``, ``"random"`` (the ablation) or ``"degree"``
    (minus the degree: the classic min-degree greedy order)."""
    if mode == "gnn":
        return predict_scores(n, edges)
    if mode == "random":
        return np.random.default_rng(seed).random(n)
    if mode == "degree":
        return -np.bincount(np.asarray(edges, dtype=np.int64).ravel(), minlength=n).astype(float)
    raise ValueError(f"scores must be one of {SCORE_MODES}, got {mode!r}")


def perturbation_weights(scores: np.ndarray, bias: float) -> np.ndarray:
    """Running sum of the local search's insertion weights: ``exp(-bias * rank / n)`` with
    rank 0 the highest score, so the weights depend on the scores' order alone (the same
    for the GNN, random and degree scores); empty (uniform insertion) when ``bias`` is 0.

    >>> perturbation_weights(np.array([0.1, 0.9]), 0.0).size
    0
    >>> np.round(np.diff(perturbation_weights(np.array([0.1, 0.9]), 2.0), prepend=0), 3)
    array([0.368, 1.   ])
    """
    n = len(scores)
    if bias == 0 or n == 0:
        return np.zeros(0)
    rank = np.empty(n)
    rank[np.argsort(-scores, kind="stable")] = np.arange(n)
    return np.cumsum(np.exp(-bias * rank / n))


def exact_part(indptr, indices, nodes: np.ndarray, hint: np.ndarray, seed: int,
               seconds: float) -> np.ndarray:
    """A maximum independent set of the subgraph induced by ``nodes`` by CP-SAT (one worker,
    deterministic time limit ``EXACT_DETERMINISTIC_TIME``, wall limit ``seconds`` and at
    most ``EXACT_SECONDS``), hinted
    with ``hint`` (0/1 per node of ``nodes``); returns the chosen nodes, at least as many as
    the hint holds."""
    position = {int(v): i for i, v in enumerate(nodes)}
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{v}") for v in nodes]
    for i, v in enumerate(nodes):
        for k in range(indptr[v], indptr[v + 1]):
            j = position.get(int(indices[k]))
            if j is not None and j > i:
                model.add_bool_or([x[i].Not(), x[j].Not()])
        model.add_hint(x[i], bool(hint[i]))
    model.maximize(sum(x))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = int(seed)
    solver.parameters.max_deterministic_time = EXACT_DETERMINISTIC_TIME
    solver.parameters.max_time_in_seconds = max(min(seconds, EXACT_SECONDS), 0.01)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return nodes[hint.astype(bool)]
    chosen = np.array([solver.value(v) for v in x], dtype=bool)
    if chosen.sum() < hint.sum():
        return nodes[hint.astype(bool)]
    return nodes[chosen]


def policy_part(indptr, indices, nodes: np.ndarray, hint: np.ndarray, scores: np.ndarray,
                state: np.ndarray, deadline: float, bias: float = BIAS) -> np.ndarray:
    """The learned policy on the subgraph induced by ``nodes``: greedy decoding by score,
    then iterated local search biased by the scores; the hint wins when it is larger."""
    n = len(indptr) - 1
    local = np.full(n, -1, dtype=np.int64)
    local[nodes] = np.arange(len(nodes))
    rows = np.repeat(np.arange(len(nodes)), np.diff(indptr)[nodes])
    cols = local[np.concatenate([indices[indptr[v]:indptr[v + 1]] for v in nodes])]
    sub = np.stack([rows, cols], axis=1)[cols > rows] if len(rows) else np.zeros((0, 2), int)
    sub_indptr, sub_indices = mis_search.csr(len(nodes), sub)
    sol = mis_search.greedy(sub_indptr, sub_indices, np.argsort(-scores[nodes], kind="stable"))
    tight = mis_search.tightness(sub_indptr, sub_indices, sol)
    best = sol.copy()
    run_local_search(sub_indptr, sub_indices, sol, tight, best, 20 * len(nodes), state,
                     deadline, perturbation_weights(scores[nodes], bias))
    if best.sum() < hint.sum():
        return nodes[hint.astype(bool)]
    return nodes[best.astype(bool)]


def conquer_round(indptr, indices, sol: np.ndarray, scores: np.ndarray, part_size: int,
                  exact_max: int, rng: np.random.Generator, state: np.ndarray,
                  deadline: float, bias: float = BIAS) -> dict:
    """One dividing + conquering pass over all parts; ``sol`` is updated in place and stays
    independent after every part. Returns counts of parts solved each way."""
    tight = mis_search.tightness(indptr, indices, sol)
    noise = rng.gumbel(size=len(sol)) * 0.5
    order = np.argsort(np.log(np.clip(scores, 1e-6, None)) + noise, kind="stable")
    part = mis_search.solution_parts(indptr, indices, sol, tight, order, part_size, PART_REACH,
                                     state)
    counts = {"parts": 0, "exact": 0, "policy": 0, "improved": 0}
    if (part < 0).all():
        return counts
    grouped = np.argsort(part, kind="stable")
    bounds = np.searchsorted(part[grouped], np.arange(part.max() + 2))
    in_part = np.zeros(len(sol), dtype=np.bool_)
    for g in range(part.max() + 1):
        if time.perf_counter() >= deadline:
            break
        nodes = grouped[bounds[g]:bounds[g + 1]]
        in_part[nodes] = True
        free = mis_search.free_in_part(indptr, indices, sol, nodes, in_part)
        in_part[nodes] = False
        hint = sol[free]
        counts["parts"] += 1
        if len(free) <= exact_max:
            chosen = exact_part(indptr, indices, free, hint, int(rng.integers(2**31)),
                                deadline - time.perf_counter())
            counts["exact"] += 1
        else:
            chosen = policy_part(indptr, indices, free, hint, scores, state, deadline, bias)
            counts["policy"] += 1
        counts["improved"] += int(len(chosen) > hint.sum())
        sol[nodes] = 0
        sol[chosen] = 1
    return counts


def udc_mis(n: int, edges: np.ndarray, *, time_limit: float | None = None, seed: int = 0,
            rounds: int | None = None, scores: str = "gnn", conquer: bool = True,
            part_size: int = 200, exact_max: int = 120, ils_steps: int | None = None,
            final_steps: int | None = None, bias: float = BIAS, threads: int | None = 1):
    """Maximum independent set of the graph ``(n, edges)`` by UDC; always independent.

    Parameters
    ----------
    n, edges : nodes and an ``(E, 2)`` edge array.
    time_limit : seconds for the whole call; ``None`` needs ``rounds``.
    seed : seeds scores' noise, CP-SAT and the local search; with ``rounds`` and no time
        limit the answer is reproducible.
    rounds : conquering rounds (``None``: until the time limit).
    scores : ``"gnn"`` (trained network), ``"random"`` (ablation) or ``"degree"``.
    conquer : ``False`` skips dividing and conquering: the greedy start plus the iterated
        local search alone (the ablation of UDC against its own local search).
    part_size : nodes per part; ``exact_max`` : free nodes up to which CP-SAT solves a part.
    ils_steps : local search steps after each round (default ``ILS_STEPS`` scaled by n/1000);
    final_steps : steps of the final local search when ``rounds`` is given (default the same).
    bias : how strongly the local search's perturbation inserts high-score nodes (weight
        ``exp(-bias * rank / n)``, see ``perturbation_weights``); 0: uniform, plain ARW.
    threads : torch CPU threads while the GNN runs (``None``: leave torch's setting).

    Returns
    -------
    (solution int8 vector, trace of (seconds, size), info dict).
    """
    start = time.perf_counter()
    if time_limit is None and rounds is None:
        raise ValueError("udc_mis needs a time_limit or a number of rounds")
    if not isinstance(bias, (int, float)) or not 0 <= bias < np.inf:
        raise ValueError(f"udc_mis: bias must be a finite number >= 0, got {bias!r}")
    for name, value, low in (("rounds", rounds, 0), ("part_size", part_size, 2),
                             ("exact_max", exact_max, 0), ("ils_steps", ils_steps, 0),
                             ("final_steps", final_steps, 0)):
        if value is not None and (not isinstance(value, (int, np.integer)) or value < low):
            raise ValueError(f"udc_mis: {name} must be an integer >= {low}, got {value!r}")
    deadline = start + time_limit if time_limit is not None else np.inf
    steps = ils_steps if ils_steps is not None else max(ILS_STEPS, ILS_STEPS * n // 1000)
    final_steps = steps if final_steps is None else final_steps
    previous_threads = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        node_scores = scores_for(scores, n, edges, seed)
    finally:
        torch.set_num_threads(previous_threads)
    indptr, indices = mis_search.csr(n, edges)
    weights = perturbation_weights(node_scores, bias)
    rng = np.random.default_rng(seed)
    state = mis_search.rng_state(seed)
    sol = mis_search.greedy(indptr, indices, np.argsort(-node_scores, kind="stable"))
    trace = [(time.perf_counter() - start, float(sol.sum()))]
    info = {"scores": scores, "initial_size": int(sol.sum()), "rounds": 0, "parts": 0,
            "exact_parts": 0, "policy_parts": 0, "improving_parts": 0,
            "divide_s": trace[0][0]}
    tight = mis_search.tightness(indptr, indices, sol)
    best = sol.copy()

    def record():
        if best.sum() > trace[-1][1]:
            trace.append((time.perf_counter() - start, float(best.sum())))

    done = 0
    while (rounds is None or done < rounds) and time.perf_counter() < deadline:
        if conquer:  # on the local search's current solution: its walk goes on from there
            counts = conquer_round(indptr, indices, sol, node_scores, part_size, exact_max,
                                   rng, state, deadline, bias)
            info["parts"] += counts["parts"]
            info["exact_parts"] += counts["exact"]
            info["policy_parts"] += counts["policy"]
            info["improving_parts"] += counts["improved"]
            if sol.sum() > best.sum():
                best[:] = sol
            tight = mis_search.tightness(indptr, indices, sol)
            record()
        run_local_search(indptr, indices, sol, tight, best, steps, state, deadline, weights)
        record()
        done += 1
    info["rounds"] = done
    if rounds is not None:
        run_local_search(indptr, indices, sol, tight, best, final_steps, state, deadline,
                         weights)
        record()
    if not mis_search.is_independent(indptr, indices, best):
        raise RuntimeError("udc_mis produced a dependent set; this is a bug")
    info["size"] = int(best.sum())
    return best, tuple(trace), info


def run_local_search(indptr, indices, sol, tight, best, steps: int, state,
                     deadline: float, weights: np.ndarray,
                     chunk_seconds: float = CHUNK_SECONDS) -> int:
    """``steps`` iterated-local-search steps, stopping at ``deadline``; ``weights`` from
    ``perturbation_weights``.

    The steps run in chunks of about ``chunk_seconds``, sized from the last chunk's speed
    (16 steps first): a step costs microseconds on a sparse graph and milliseconds on a dense
    one (a chunk of 500 steps overran a 5 s limit by 4 s on p_hat700-1's complement). The
    search keeps its whole state in ``sol``, ``tight``, ``best`` and ``state``, so where the
    chunks end does not change it.
    """
    done, todo = 0, 16
    while done < steps and (now := time.perf_counter()) < deadline:
        todo = min(todo, steps - done)
        mis_search.iterated_local_search(indptr, indices, sol, tight, best, todo, state,
                                          weights)
        done += todo
        elapsed = time.perf_counter() - now
        todo = max(1, min(4 * todo, int(todo * chunk_seconds / max(elapsed, 1e-9))))
    return int(best.sum())
