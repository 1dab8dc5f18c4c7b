"""Solution files: each type's standard format where one exists, JSON for every type.

``write_solution(problem, solution, path)`` picks the format from the file's suffix and
``read_solution(problem, path)`` reads it back (checked by ``problem.check``):

========================  ==========================  =====================================
suffix                    problem types               content
========================  ==========================  =====================================
``.tour``                 TSP                         TSPLIB tour (1-based, ends with -1)
``.sln``                  QAP                         QAPLIB solution: ``n value`` then the
                                                      1-based location of each facility
``.txt`` / ``.sol``       MIS, MDKP, RobustKnapsack   the chosen nodes or items, 1-based, one
                                                      per line after ``#`` comment lines
``.json``                 every type                  type, name, objective, the solution,
                                                      and its labels when the problem has any
========================  ==========================  =====================================

``labelled(problem, solution)`` maps a solution back to the user's own names when the
problem carries ``labels`` (an MIS built from a networkx graph keeps its node names):
the chosen nodes or items of a 0/1 solution, or the visiting order of a permutation.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from problems.errors import ProblemFormatError

BINARY_TYPES = ("MIS", "MDKP", "RobustKnapsack")
_FORMATS = {".tour": ("TSP",), ".sln": ("QAP",), ".txt": BINARY_TYPES, ".sol": BINARY_TYPES,
            ".json": ("TSP", "QAP") + BINARY_TYPES}


def _format(problem, path: Path) -> str:
    kind = type(problem).__name__
    suffix = path.suffix.lower()
    if suffix not in _FORMATS:
        raise ValueError(f"{path.name}: unknown solution file suffix {suffix!r}; use one of "
                         f"{', '.join(s for s, kinds in _FORMATS.items() if kind in kinds)}")
    if kind not in _FORMATS[suffix]:
        raise ValueError(f"{path.name}: a {suffix} file cannot hold a {kind} solution; use one "
                         f"of {', '.join(s for s, kinds in _FORMATS.items() if kind in kinds)}")
    return suffix


def labelled(problem, solution) -> list:
    """The solution in the user's names: chosen nodes/items (0/1 types) or the visiting
    order (permutations), as ``problem.labels`` names them (0-based indices when it has none).

    >>> from problems import MDKP
    >>> labelled(MDKP([3, 4], [[1, 1]], [2]), [1, 1])
    [0, 1]
    """
    problem.check(solution)
    values = np.asarray(solution)
    labels = getattr(problem, "labels", None)
    indices = (np.flatnonzero(values) if problem.solution_kind == "binary" else values).tolist()
    return [labels[i] for i in indices] if labels is not None else indices


def write_solution(problem, solution, path: str | Path) -> Path:
    """Write ``solution`` (checked first) in the format named by ``path``'s suffix.

    >>> import tempfile, os
    >>> from problems import QAP
    >>> qap = QAP.random(4, seed=0)
    >>> path = write_solution(qap, [2, 0, 3, 1], os.path.join(tempfile.mkdtemp(), "a.sln"))
    >>> read_solution(qap, path).tolist()
    [2, 0, 3, 1]
    """
    path = Path(path)
    suffix = _format(problem, path)
    problem.check(solution)
    values = np.asarray(solution)
    value = problem.evaluate(solution)
    if suffix == ".tour":
        from problems.tsp import write_tour

        write_tour(path, values.astype(np.int64), name=problem.name)
    elif suffix == ".sln":
        path.write_text(f"{problem.size} {value:.10g}\n"
                        + " ".join(str(v + 1) for v in values.tolist()) + "\n")
    elif suffix in (".txt", ".sol"):
        what = "nodes" if type(problem).__name__ == "MIS" else "items"
        lines = [f"# {type(problem).__name__} {problem.name}: {int(values.sum())} of "
                 f"{problem.size} {what} chosen, value {value:.10g}",
                 f"# the chosen {what}, numbered 1..{problem.size}"]
        path.write_text("\n".join(lines + [str(i + 1) for i in np.flatnonzero(values)]) + "\n")
    else:
        document = {"problem_type": type(problem).__name__, "name": problem.name,
                    "size": int(problem.size), "sense": problem.sense,
                    "objective": float(value), "solution": values.tolist()}
        if getattr(problem, "labels", None) is not None:
            document["labelled"] = _json_ready(labelled(problem, solution))
        path.write_text(json.dumps(document, indent=1) + "\n")
    return path


def _json_ready(values: list) -> list:
    return [v if isinstance(v, (str, int, float, bool)) or v is None else str(v) for v in values]


def read_solution(problem, path: str | Path) -> np.ndarray:
    """Read a solution of ``problem`` written by ``write_solution`` (or by other tools in the
    same standard format); ``ProblemFormatError`` when it does not fit ``problem``.

    >>> import tempfile, os
    >>> from problems import MIS
    >>> mis = MIS(4, [[0, 1], [2, 3]])
    >>> path = write_solution(mis, [1, 0, 0, 1], os.path.join(tempfile.mkdtemp(), "s.txt"))
    >>> read_solution(mis, path).tolist()
    [1, 0, 0, 1]
    """
    path = Path(path)
    suffix = _format(problem, path)
    if not path.is_file():
        raise ProblemFormatError("no such file", path=path)
    if suffix == ".tour":
        from problems.tsp import read_tour

        solution = read_tour(path)
    elif suffix == ".sln":
        from problems.qap import _read_sln

        solution = _read_sln(path, problem.size)[1]
    elif suffix in (".txt", ".sol"):
        solution = _read_index_list(path, problem.size)
    else:
        solution = _read_json(path, problem)
    try:
        problem.check(solution)
    except ValueError as error:
        raise ProblemFormatError(f"the solution does not fit {problem.name}: {error}",
                                 path=path) from None
    return solution


def _read_index_list(path: Path, n: int) -> np.ndarray:
    chosen = np.zeros(n, dtype=np.int8)
    for lineno, text in enumerate(path.read_text().splitlines(), start=1):
        text = text.strip()
        if not text or text.startswith(("#", "c ")):
            continue
        for token in text.split():
            try:
                index = int(token)
            except ValueError:
                raise ProblemFormatError(f"expected a 1-based number, got {token!r}", path=path,
                                         line=lineno) from None
            if not 1 <= index <= n:
                raise ProblemFormatError(f"number {index} outside 1..{n}", path=path,
                                         line=lineno)
            chosen[index - 1] = 1
    return chosen


def _read_json(path: Path, problem) -> np.ndarray:
    try:
        document = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise ProblemFormatError(f"not JSON: {error.msg}", path=path, line=error.lineno) from None
    kind = type(problem).__name__
    if not isinstance(document, dict) or "solution" not in document:
        raise ProblemFormatError("expected a JSON object with a 'solution' entry", path=path)
    if document.get("problem_type", kind) != kind:
        raise ProblemFormatError(f"the file holds a {document['problem_type']} solution, not a "
                                 f"{kind} one", path=path)
    dtype = np.int64 if problem.solution_kind == "permutation" else np.int8
    try:
        return np.asarray(document["solution"], dtype=dtype)
    except (TypeError, ValueError):
        raise ProblemFormatError("'solution' must be a list of integers", path=path) from None
