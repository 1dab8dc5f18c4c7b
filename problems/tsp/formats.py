"""TSP files: TSPLIB ``.tsp`` instances and ``.tour`` files, and the test-set ``.txt`` format.

TSPLIB ``.tsp``: the edge weight types of ``problems.tsp.model``; ``EXPLICIT`` in the formats
``FULL_MATRIX``, ``UPPER_ROW``, ``LOWER_ROW``, ``UPPER_DIAG_ROW``, ``LOWER_DIAG_ROW`` and their
``_COL`` twins. ``best_known`` comes from ``<stem>.opt.tour`` beside the file, else from
``bestSolutions.txt``. Tours: ``read_tour``/``write_tour``. Test sets: one instance per line,
``x1 y1 ... xn yn output t1 ... tn t1`` (1-based closed tour, ``EXACT`` distances).
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np

from problems.errors import InfeasibleSolution, ProblemFormatError, require_finite
from problems.parsing import (NumberedLines, format_number, is_number, parse_float, parse_int,
                              text_lines)
from problems.tsp.model import EDGE_WEIGHT_TYPES, TSP

EXPLICIT_FORMATS = ("FULL_MATRIX", "UPPER_ROW", "LOWER_ROW", "UPPER_DIAG_ROW", "LOWER_DIAG_ROW",
                    "UPPER_COL", "LOWER_COL", "UPPER_DIAG_COL", "LOWER_DIAG_COL")

# A symmetric matrix given "by columns" lists the same numbers as its transpose "by rows".
_COLUMN_TWINS = {"UPPER_COL": "LOWER_ROW", "LOWER_COL": "UPPER_ROW",
                 "UPPER_DIAG_COL": "LOWER_DIAG_ROW", "LOWER_DIAG_COL": "UPPER_DIAG_ROW"}


def write_tsplib(tsp: TSP, path: str | Path) -> None:
    """Write a TSPLIB ``.tsp`` file that ``read`` loads back.

    TSPLIB types are written as they are (``EXPLICIT`` as ``FULL_MATRIX``) and round-trip
    exactly. ``EXACT`` (float Euclidean) has no TSPLIB type: it is written as ``EUC_2D``
    with the coordinates multiplied by ``scale = 10**k`` (so the largest |coordinate|
    becomes at most 10⁶; 10⁶ for the unit square) and rounded to integers, the scale
    stated in the COMMENT. The loaded instance therefore has the distances
    ``nint(scale * d)`` up to that coordinate rounding: the same tours, scaled.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "r.tsp")
    >>> write_tsplib(TSP.random(5, seed=0), p)
    >>> read(p).edge_weight_type, read(p).size
    ('EUC_2D', 5)
    """
    kind, comment = tsp.edge_weight_type, "written by nqco"
    if kind == "EXPLICIT":
        body = ["EDGE_WEIGHT_FORMAT : FULL_MATRIX", "EDGE_WEIGHT_SECTION"]
        body += [" ".join(format_number(v) for v in row) for row in tsp.matrix.tolist()]
    elif kind == "EXACT":
        largest = float(np.abs(tsp.coords).max())
        scale = 10.0 ** (6 - math.ceil(math.log10(largest))) if largest > 0 else 1.0
        kind, comment = "EUC_2D", (f"float Euclidean (EXACT) coordinates scaled by "
                                   f"{scale:g} and rounded to integers")
        scaled = np.rint(tsp.coords * scale).astype(np.int64).tolist()
        body = ["NODE_COORD_SECTION"] + [f"{k + 1} {x} {y}" for k, (x, y) in enumerate(scaled)]
    else:
        body = ["NODE_COORD_SECTION"] + [f"{k + 1} {x!r} {y!r}"
                                         for k, (x, y) in enumerate(tsp.coords.tolist())]
    lines = [f"NAME : {tsp.name}", "TYPE : TSP", f"COMMENT : {comment}",
             f"DIMENSION : {tsp.size}", f"EDGE_WEIGHT_TYPE : {kind}", *body, "EOF"]
    Path(path).write_text("\n".join(lines) + "\n")


# --------------------------------------------------------------------- TSPLIB reading
def _numbered_lines(path: Path) -> NumberedLines:
    return NumberedLines(text_lines(path, errors="replace"))


def _dimension(value: str, path: Path, line: int) -> int:
    """The value of a ``DIMENSION`` keyword (instance and tour files)."""
    try:
        return int(value)
    except ValueError:
        raise ProblemFormatError(f"DIMENSION must be an integer, got {value!r}", path=path,
                                 line=line) from None


def _keyword(line: str) -> tuple[str, str]:
    """``"KEY : value"`` → ``("KEY", "value")``; a section line gives ``("X_SECTION", "")``."""
    if ":" in line:
        key, _, value = line.partition(":")
        return key.strip().upper(), value.strip()
    key, _, value = line.partition(" ")
    return key.strip().upper(), value.strip()


def _read_node_coords(lines: NumberedLines, n: int, path: Path, section_line: int) -> np.ndarray:
    coords = np.empty((n, 2))
    first_seen: dict[int, int] = {}
    for _ in range(n):
        if not _data_follows(lines):
            raise ProblemFormatError(f"DIMENSION is {n} but NODE_COORD_SECTION (line "
                                     f"{section_line}) lists only {len(first_seen)} nodes",
                                     path=path, line=lines.line_number)
        lineno, text = lines.next()
        tokens = text.split()
        if len(tokens) != 3:
            raise ProblemFormatError(f"expected 'id x y': a node id and 2 coordinates, got "
                                     f"{len(tokens) - 1} coordinate(s)", path=path, line=lineno)
        node = parse_int(tokens[0], "node id", path=path, line=lineno)
        if not 1 <= node <= n:
            raise ProblemFormatError(f"node id {node} outside 1..{n} (DIMENSION {n})",
                                     path=path, line=lineno)
        if node in first_seen:
            raise ProblemFormatError(f"duplicate node id {node} (first given on line "
                                     f"{first_seen[node]})", path=path, line=lineno)
        first_seen[node] = lineno
        coords[node - 1] = [parse_float(t, f"node {node}'s coordinate", path=path, line=lineno)
                            for t in tokens[1:]]
    return coords


def _edge_weight_count(fmt: str, n: int) -> int:
    if fmt == "FULL_MATRIX":
        return n * n
    return n * (n - 1) // 2 if fmt in ("UPPER_ROW", "LOWER_ROW") else n * (n + 1) // 2


def _read_edge_weights(lines: NumberedLines, n: int, fmt: str, path: Path,
                       section_line: int) -> np.ndarray:
    fmt = _COLUMN_TWINS.get(fmt, fmt)
    needed = _edge_weight_count(fmt, n)
    values: list[float] = []
    origin: list[int] = []
    while len(values) < needed:
        if not _data_follows(lines):
            raise ProblemFormatError(f"EDGE_WEIGHT_SECTION (line {section_line}) holds "
                                     f"{len(values)} numbers, but {fmt} with DIMENSION {n} "
                                     f"needs {needed}", path=path, line=lines.line_number)
        lineno, text = lines.next()
        for token in text.split():
            values.append(parse_float(token, "an edge weight", path=path, line=lineno))
            origin.append(lineno)
    if len(values) > needed:
        raise ProblemFormatError(f"EDGE_WEIGHT_SECTION holds more than the {needed} numbers "
                                 f"that {fmt} with DIMENSION {n} needs", path=path,
                                 line=origin[needed])
    flat = np.array(values)
    if np.any(flat < 0):
        k = int(np.flatnonzero(flat < 0)[0])
        raise ProblemFormatError(f"edge weights must be non-negative, got {values[k]:g}",
                                 path=path, line=origin[k])
    if fmt == "FULL_MATRIX":
        matrix = flat.reshape(n, n)
        asym = np.argwhere(matrix != matrix.T)
        if asym.size:
            i, j = sorted(asym[0])
            raise ProblemFormatError(f"FULL_MATRIX is not symmetric: d({i + 1},{j + 1}) = "
                                     f"{matrix[i, j]:g} but d({j + 1},{i + 1}) = {matrix[j, i]:g}"
                                     f" (TYPE TSP is symmetric)", path=path,
                                     line=origin[j * n + i])
        return matrix
    offset = {"UPPER_ROW": 1, "UPPER_DIAG_ROW": 0, "LOWER_ROW": -1, "LOWER_DIAG_ROW": 0}[fmt]
    rows, cols = (np.triu_indices(n, offset) if fmt.startswith("UPPER")
                  else np.tril_indices(n, offset))
    matrix = np.zeros((n, n))
    matrix[rows, cols] = flat
    matrix[cols, rows] = flat
    return matrix


def _data_follows(lines: NumberedLines) -> bool:
    """True when the next line starts with a number (a section's data, not a keyword)."""
    item = lines.peek()
    return item is not None and is_number(item[1].split()[0], finite=False)


def _skip_section(lines: NumberedLines) -> None:
    while _data_follows(lines):
        lines.next()


def _read_tsplib(path: Path) -> TSP:
    lines = _numbered_lines(path)
    header: dict[str, tuple[str, int]] = {}
    coords = matrix = None
    n = None
    while (item := lines.next()) is not None:
        lineno, text = item
        key, value = _keyword(text)
        if key == "EOF":
            break
        if is_number(key, finite=False):
            raise ProblemFormatError("unexpected data line: expected 'KEY : value', a section "
                                     "name or EOF (more entries than DIMENSION?)",
                                     path=path, line=lineno)
        if key.endswith("_SECTION") and n is None:
            raise ProblemFormatError(f"DIMENSION must be given before {key}", path=path,
                                     line=lineno)
        if key == "NODE_COORD_SECTION":
            coords = _read_node_coords(lines, n, path, lineno)
        elif key == "EDGE_WEIGHT_SECTION":
            if "EDGE_WEIGHT_FORMAT" not in header:
                raise ProblemFormatError("EDGE_WEIGHT_FORMAT must be given before "
                                         "EDGE_WEIGHT_SECTION", path=path, line=lineno)
            fmt = header["EDGE_WEIGHT_FORMAT"][0].upper()
            if fmt not in EXPLICIT_FORMATS:
                raise ProblemFormatError(f"unsupported EDGE_WEIGHT_FORMAT {fmt!r}; expected one "
                                         f"of {', '.join(EXPLICIT_FORMATS)}", path=path,
                                         line=header["EDGE_WEIGHT_FORMAT"][1])
            matrix = _read_edge_weights(lines, n, fmt, path, lineno)
        elif key in ("DISPLAY_DATA_SECTION", "TOUR_SECTION"):
            _skip_section(lines)
        elif key == "FIXED_EDGES_SECTION":
            raise ProblemFormatError("FIXED_EDGES_SECTION (edges every tour must use, as in "
                                     "Hamiltonian-path variants like linhp318) is not supported",
                                     path=path, line=lineno)
        elif key.endswith("_SECTION"):
            raise ProblemFormatError(f"{key} is not supported for a symmetric TSP", path=path,
                                     line=lineno)
        else:
            header[key] = (value, lineno)
            if key == "DIMENSION":
                n = _dimension(value, path, lineno)
                if n < 3:
                    raise ProblemFormatError(f"DIMENSION must be at least 3, got {n}",
                                             path=path, line=lineno)

    kind_value, kind_line = header.get("TYPE", ("TSP", None))
    if kind_value.upper().split()[:1] != ["TSP"]:
        raise ProblemFormatError(f"TYPE {kind_value!r} is not supported: only symmetric TSP "
                                 f"(TYPE : TSP)", path=path, line=kind_line)
    if "EDGE_WEIGHT_TYPE" not in header:
        raise ProblemFormatError("missing EDGE_WEIGHT_TYPE", path=path)
    weight_type, weight_line = header["EDGE_WEIGHT_TYPE"]
    weight_type = weight_type.upper()
    if weight_type not in EDGE_WEIGHT_TYPES or weight_type == "EXACT":
        raise ProblemFormatError(f"unsupported EDGE_WEIGHT_TYPE {weight_type!r}; expected one of "
                                 f"EUC_2D, CEIL_2D, ATT, GEO, EXPLICIT", path=path,
                                 line=weight_line)
    if n is None:
        raise ProblemFormatError("missing DIMENSION", path=path)
    name = header.get("NAME", (path.stem, None))[0] or path.stem
    if weight_type == "EXPLICIT":
        if matrix is None:
            raise ProblemFormatError("EDGE_WEIGHT_TYPE EXPLICIT needs an EDGE_WEIGHT_SECTION; "
                                     "none found", path=path)
        problem = TSP(name=name, matrix=matrix, edge_weight_type="EXPLICIT")
    else:
        if coords is None:
            raise ProblemFormatError(f"EDGE_WEIGHT_TYPE {weight_type} needs a NODE_COORD_SECTION;"
                                     f" none found", path=path)
        problem = TSP(name=name, coords=coords, edge_weight_type=weight_type)
    return replace(problem, best_known=_best_known(path, problem))


def _best_known(path: Path, problem: TSP) -> float | None:
    """Length of ``<stem>.opt.tour`` beside the file, else the ``bestSolutions.txt`` entry."""
    tour_path = path.with_name(path.stem + ".opt.tour")
    if tour_path.is_file():
        tour = read_tour(tour_path)
        if len(tour) != problem.size:
            raise ProblemFormatError(f"the tour has {len(tour)} cities but {path.name} has "
                                     f"{problem.size}", path=tour_path)
        return problem.evaluate(tour)
    table = path.with_name("bestSolutions.txt")
    if table.is_file():
        for lineno, text in _numbered_lines(table).items:
            key, value = _keyword(text)
            if key == path.stem.upper():
                return parse_float(value.split()[0] if value else "",
                                   f"the best-known value of {path.stem}", path=table, line=lineno)
    return None


def read_tour(path: str | Path) -> np.ndarray:
    """The first tour of a TSPLIB ``.tour``/``.opt.tour`` file, 0-based.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "t.tour")
    >>> write_tour(p, [2, 0, 1], name="t")
    >>> read_tour(p).tolist()
    [2, 0, 1]
    """
    path = Path(path)
    lines = _numbered_lines(path)
    dimension = None
    while (item := lines.next()) is not None:
        lineno, text = item
        key, value = _keyword(text)
        if key == "DIMENSION":
            dimension = _dimension(value, path, lineno)
        elif key == "TOUR_SECTION":
            break
        elif key == "EOF" or is_number(key, finite=False):
            raise ProblemFormatError("expected a TOUR_SECTION before the tour", path=path,
                                     line=lineno)
    else:
        raise ProblemFormatError("no TOUR_SECTION found", path=path)
    entries: list[tuple[str, int]] = []
    while _data_follows(lines):
        lineno, text = lines.next()
        entries += [(token, lineno) for token in text.split()]
    nodes: list[int] = []
    first_seen: dict[int, int] = {}
    for token, lineno in entries:
        node = parse_int(token, "node id in the tour", path=path, line=lineno)
        if node == -1:
            break
        if node < 1 or (dimension is not None and node > dimension):
            raise ProblemFormatError(f"node id {node} outside 1..{dimension or 'n'}",
                                     path=path, line=lineno)
        if node in first_seen:
            raise ProblemFormatError(f"node {node} appears twice in the tour (first on line "
                                     f"{first_seen[node]})", path=path, line=lineno)
        first_seen[node] = lineno
        nodes.append(node)
    count = dimension if dimension is not None else len(nodes)
    if len(nodes) != count or (nodes and max(nodes) != count):
        raise ProblemFormatError(f"the tour lists {len(nodes)} distinct nodes, expected a "
                                 f"permutation of 1..{count}", path=path)
    if count == 0:
        raise ProblemFormatError("the tour is empty", path=path)
    return np.array(nodes, dtype=np.int64) - 1


def write_tour(path: str | Path, tour, name: str) -> None:
    """Write ``tour`` (0-based permutation) as a TSPLIB tour file (1-based, ending with -1).

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "t.tour")
    >>> write_tour(p, [1, 0, 2], name="t")
    >>> open(p).read().split("TOUR_SECTION")[1].split()
    ['2', '1', '3', '-1', 'EOF']
    """
    arr = np.asarray(tour)
    if (arr.ndim != 1 or arr.dtype.kind not in "iu"
            or not np.array_equal(np.sort(arr), np.arange(len(arr)))):
        raise ValueError("write_tour: tour must be a permutation of the integers 0..n-1")
    lines = [f"NAME : {name}", "TYPE : TOUR", f"DIMENSION : {len(arr)}", "TOUR_SECTION"]
    lines += [str(v + 1) for v in arr.tolist()] + ["-1", "EOF"]
    Path(path).write_text("\n".join(lines) + "\n")


# --------------------------------------------------------------------- test-set files
def _test_set_line(path: Path, index: int) -> tuple[int, str]:
    seen = 0
    with open(path, encoding="utf-8", errors="replace") as handle:
        for lineno, raw in enumerate(handle, start=1):
            if raw.strip():
                if seen == index:
                    return lineno, raw
                seen += 1
    raise ProblemFormatError(f"instance index {index} out of range: the file holds {seen} "
                             f"instance(s)", path=path)


def _read_test_set(path: Path, index: int) -> TSP:
    lineno, text = _test_set_line(path, index)
    tokens = text.split()
    if "output" not in tokens:
        raise ProblemFormatError("expected 'x1 y1 ... xn yn output t1 ... tn t1': no 'output' "
                                 "token", path=path, line=lineno)
    split = tokens.index("output")
    if split % 2:
        raise ProblemFormatError(f"odd number of coordinates ({split}) before 'output': "
                                 f"expected x y pairs", path=path, line=lineno)
    n = split // 2
    try:
        coords = np.array(tokens[:split], dtype=float).reshape(n, 2)
    except ValueError:
        bad = next(t for t in tokens[:split] if not is_number(t, finite=False))
        raise ProblemFormatError(f"expected a coordinate, got {bad!r}", path=path,
                                 line=lineno) from None
    require_finite(coords, "coordinates", path=path, line=lineno)
    tour_tokens = tokens[split + 1:]
    if len(tour_tokens) != n + 1:
        raise ProblemFormatError(f"the tour after 'output' has {len(tour_tokens)} entries, "
                                 f"expected {n + 1} (n = {n} cities, closed by repeating the "
                                 f"first)", path=path, line=lineno)
    try:
        tour = np.array([int(t) for t in tour_tokens], dtype=np.int64)
    except ValueError:
        raise ProblemFormatError("tour entries after 'output' must be integers", path=path,
                                 line=lineno) from None
    if tour[0] != tour[-1]:
        raise ProblemFormatError(f"the tour must be closed (end with its first city "
                                 f"{tour[0]}), it ends with {tour[-1]}", path=path, line=lineno)
    problem = TSP(name=f"{path.stem}-{index}", coords=coords, edge_weight_type="EXACT")
    try:
        length = problem.evaluate(tour[:-1] - 1)
    except InfeasibleSolution as error:
        raise ProblemFormatError(f"the tour after 'output' (0-based here) is not a permutation: "
                                 f"{error}", path=path, line=lineno) from None
    placeholder = np.array_equal(tour[:-1], np.arange(1, n + 1))
    return replace(problem, best_known=None if placeholder else length)


# --------------------------------------------------------------------- module interface
def _first_line_has_output(path: Path, head: str) -> bool:
    first = head.split("\n", 1)[0]
    tokens = first.split()
    if not tokens or not is_number(tokens[0], finite=False):
        return False
    if "\n" not in head and len(head) >= 4096:
        with open(path, encoding="utf-8", errors="replace") as handle:
            tokens = handle.readline().split()
    return "output" in tokens


def sniff(path: str | Path, head: str) -> bool:
    """True for ``.tsp`` files and for ``.txt`` files whose first line holds the token ``output``.

    >>> sniff(Path("berlin52.tsp"), "NAME: berlin52")
    True
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".tsp":
        return True
    return suffix == ".txt" and _first_line_has_output(path, head)


def count(path: str | Path) -> int:
    """Instances in ``path``: 1 for ``.tsp``, the number of non-empty lines for a test set."""
    path = Path(path)
    if path.suffix.lower() == ".tsp":
        return 1
    with open(path, "rb") as handle:
        return sum(1 for raw in handle if raw.strip())


def read(path: str | Path, index: int | None = None) -> TSP:
    """Read a TSPLIB ``.tsp`` file or instance ``index`` (default 0) of a test-set ``.txt``.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "two.txt")
    >>> _ = open(p, "w").write("0 0 0 1 1 1 output 1 2 3 1\\n0 0 0 2 2 2 output 1 3 2 1\\n")
    >>> count(p), read(p, index=1).name, read(p, index=1).best_known
    (2, 'two-1', 6.82842712474619)
    """
    path = Path(path)
    if path.suffix.lower() == ".tsp":
        if index not in (None, 0):
            raise ProblemFormatError(f"a .tsp file holds one instance; index {index} is out of "
                                     f"range", path=path)
        return _read_tsplib(path)
    if index is not None and not (isinstance(index, (int, np.integer)) and index >= 0):
        raise ProblemFormatError(f"instance index must be a non-negative integer, got {index!r}",
                                 path=path)
    return _read_test_set(path, 0 if index is None else int(index))
