"""Compile the numba kernels before the first timed run.

numba compiles a kernel the first time it is called and keeps the machine code on disk
(``cache=True``), so in a fresh install the first ``mcts``, ``udc``, ``sa`` or fast-simulator
call of each process spends seconds compiling *inside its time limit* (9–15 s for ``udc``
on this 2-core machine, as ``python -m solvers.runs.warmup`` prints on a fresh clone): its
first answer is worse than it should be and overruns the limit.
``make install`` (hence ``make demo`` and ``make test``) runs this once; ``nqco warmup`` does
it by hand after an install by other means. Later processes load the cached code.

    python -m solvers.runs.warmup
"""

from __future__ import annotations

import time

from problems import MDKP, MIS, TSP, MaxCut
from solvers.solve import solve

#: method, problem, options: small runs that reach every numba kernel the methods use.
RUNS = (
    ("mcts", lambda: TSP.random(60, seed=0), {"max_iterations": 200}),
    ("mcts", lambda: TSP("matrix30", edge_weight_type="EXPLICIT",
                         matrix=TSP.random(30, seed=1).dense_matrix()), {"max_iterations": 100}),
    ("udc", lambda: TSP.random(150, seed=0), {"rounds": 2}),
    ("udc", lambda: MIS.random(100, p=0.1, seed=0), {"rounds": 1}),
    ("sa", lambda: MDKP.random(8, 2, seed=0), {}),
    ("qaoa", lambda: MIS.random(8, p=0.4, seed=0), {"maxiter": 5}),  # quadratic: the numba kernel
    ("cvar-vqe", lambda: MDKP.random(6, 2, seed=0),
     {"maxiter": 5, "ansatz": "real_amplitudes", "backend": "fast"}),
    ("tabu", lambda: MaxCut.random(30, p=0.3, seed=0), {"iterations": 2000}),
)


def warm_up(verbose: bool = False) -> dict[str, float]:
    """Solve tiny instances with every method that has numba kernels; seconds per method.

    Each answer is verified like any other (``solve``); a failure raises. ``nqco warmup``
    calls it (tested in ``tests/solvers/test_cli.py``); the methods it runs:

    >>> sorted({method for method, _, _ in RUNS})
    ['cvar-vqe', 'mcts', 'qaoa', 'sa', 'tabu', 'udc']
    """
    seconds: dict[str, float] = {}
    for method, make_problem, options in RUNS:
        start = time.perf_counter()
        problem = make_problem()
        result = solve(problem, method, seed=0, **options)
        if not result.feasible:
            raise RuntimeError(f"warm-up run of {method!r} returned an infeasible answer: "
                               f"{result.status}")
        spent = time.perf_counter() - start
        seconds[method] = seconds.get(method, 0.0) + spent
        if verbose:
            print(f"warm-up: {method} on {problem.name}: {spent:.1f} s", flush=True)
    return seconds


if __name__ == "__main__":
    warm_up(verbose=True)
