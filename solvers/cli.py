"""The ``nqco`` command line: solve, batch, report, methods, generate, info.

Bad input (a missing file, an unknown method, a negative time limit, a bad seed
list) prints one line on stderr and exits with code 2; ``nqco solve`` exits with 1
when the method found no feasible solution.

Methods defined outside nqco are added with plugin modules: the comma-separated
module names in the environment variable ``NQCO_PLUGINS`` (or the ``--plugins``
option) are imported first; importing a module registers its methods with
``solvers.registry.register``. Batch workers import them too.
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import json
import math
import os
import sys
from pathlib import Path
from typing import Any, Sequence

from solvers.registry import PROBLEM_TYPES

PLUGINS_ENV = "NQCO_PLUGINS"


# Problem type -> (writer method, file suffix) used by `nqco generate`.
WRITERS = {"TSP": ("write_tsplib", ".tsp"), "MDKP": ("write_orlib", ".txt"),
           "MIS": ("write_dimacs", ".col"), "QAP": ("write_qaplib", ".dat"),
           "RobustKnapsack": ("write", ".txt"), "BQP": ("write_bqp", ".txt"),
           "MaxCut": ("write_rudy", ".rud")}


# Problem type -> suffix of its standard solution file, written beside `nqco solve -o`'s JSON.
STANDARD_SUFFIX = {"TSP": ".tour", "QAP": ".sln", "MIS": ".txt", "MDKP": ".txt",
                   "RobustKnapsack": ".txt"}


class UsageError(ValueError):
    """Bad command-line input."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def _non_negative_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(
            f"expected a non-negative number of seconds, got {text!r}")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}")
    return value


def _positive_int(text: str) -> int:
    value = _non_negative_int(text)
    if value == 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _non_negative_number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"expected a non-negative number, got {text!r}")
    return value


def _seeds(text: str) -> list[int]:
    from solvers.runs.batch import parse_seeds

    try:
        return parse_seeds(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def parse_options(items: Sequence[str], methods: Sequence[str]) -> dict[str, dict[str, Any]]:
    """``KEY=VALUE`` (every method) and ``METHOD.KEY=VALUE`` (one method) into per-method dicts.

    Values are read as JSON when they parse (``3``, ``0.5``, ``true``), else kept as text.

    >>> parse_options(["iters=3", "milp.solver=highs"], ["milp", "exact"])
    {'milp': {'iters': 3, 'solver': 'highs'}, 'exact': {'iters': 3}}
    """
    options: dict[str, dict[str, Any]] = {}
    for item in items:
        key, equals, text = item.partition("=")
        if not equals or not key:
            raise UsageError(f"option {item!r} is not KEY=VALUE or METHOD.KEY=VALUE")
        method, dot, name = key.rpartition(".")
        targets = [method] if dot else list(methods)
        if dot and method not in methods:
            raise UsageError(f"option {item!r} names method {method!r}, which is not among the "
                             f"methods run: {', '.join(methods)}")
        for target in targets:
            options.setdefault(target, {})[name] = _value(text)
    return options


def _problem_type(text: str) -> str:
    for kind in PROBLEM_TYPES:
        if text.replace("_", "").replace("-", "").lower() == kind.lower():
            return kind
    raise argparse.ArgumentTypeError(f"unknown problem type {text!r}; choose from "
                                     f"{', '.join(PROBLEM_TYPES)}")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``nqco`` (one sub-command per task)."""
    hidden = _Parser(add_help=False)
    hidden.add_argument("--plugins", default="", help=argparse.SUPPRESS)

    parser = _Parser(prog="nqco", description="Neural and quantum combinatorial optimization, "
                                              "measured against OR-Tools.",
                     epilog=f"Methods defined outside nqco: list their modules in "
                            f"{PLUGINS_ENV}=module1,module2 (importing a module registers "
                            "its methods).")
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = commands.add_parser("methods", parents=[hidden], help="list the registered methods")
    p.add_argument("type", nargs="?", type=_problem_type, help="only methods for this type")
    p.set_defaults(handler=_cmd_methods)

    p = commands.add_parser("solve", parents=[hidden], help="solve one instance file",
                            description="Solve one instance and print the verified result; "
                                        "the exit code is 1 when no feasible solution was found.")
    p.add_argument("file", type=Path)
    p.add_argument("-m", "--method", required=True)
    p.add_argument("-t", "--time-limit", type=_positive_seconds, default=None,
                   help="seconds (default: the method's own default)")
    p.add_argument("--seed", type=_non_negative_int, default=0)
    p.add_argument("--index", type=_non_negative_int, default=0,
                   help="which instance of a multi-instance file (0-based)")
    p.add_argument("-O", "--option", action="append", default=[], metavar="KEY=VALUE",
                   help="a method option (repeatable)")
    p.add_argument("-o", "--output", type=Path,
                   help="write the verified solution as JSON, and beside it in the type's "
                        "standard format (TSPLIB .tour, QAPLIB .sln, a .txt node/item list)")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="print each improving solution on stderr as it is found")
    p.add_argument("--plot", type=Path, metavar="FILE.png",
                   help="draw the solution and the objective over time into this image")
    p.set_defaults(handler=_cmd_solve)

    p = commands.add_parser("batch", parents=[hidden],
                            help="every instance in a folder x methods x seeds, into SQLite")
    p.add_argument("directory", type=Path, help="folder scanned recursively for instance files")
    p.add_argument("-m", "--methods", required=True,
                   help="comma-separated method names, or 'all', or 'demo'")
    p.add_argument("-t", "--time-limit", type=_positive_seconds, default=10.0,
                   help="seconds per task (default 10)")
    p.add_argument("--seeds", type=_seeds, default=[0], help="e.g. 0,1,2 or 0-4 (default 0)")
    p.add_argument("--workers", type=_positive_int, default=None,
                   help="parallel tasks (default: CPU count)")
    p.add_argument("--db", type=Path, default=Path("results.sqlite"),
                   help="results store (default results.sqlite); run again with the same "
                        "arguments, a batch runs only the tasks not stored yet")
    p.add_argument("--executor", choices=("local", "ray"), default="local",
                   help="worker processes on this machine (default) or Ray tasks")
    p.add_argument("--ray-address", default=None, help="Ray cluster to join (default: start "
                                                       "a local Ray instance)")
    p.add_argument("--gpus-per-task", type=_non_negative_number, default=0.0,
                   help="GPUs Ray reserves for each task (default 0)")
    p.add_argument("--grace", type=_non_negative_seconds, default=10.0,
                   help="seconds past the time limit before a task is killed (default 10)")
    p.add_argument("--startup", type=_non_negative_seconds, default=120.0,
                   help="seconds a task may spend loading its instance and importing its "
                        "method before its time limit starts (default 120)")
    p.add_argument("-O", "--option", action="append", default=[],
                   metavar="[METHOD.]KEY=VALUE", help="a method option (repeatable)")
    p.add_argument("--retry-failed", action="store_true",
                   help="run again the tasks stored as error or timeout")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="one line per finished task (status, objective, gap, reason)")
    p.set_defaults(handler=_cmd_batch)

    p = commands.add_parser("report", help="tables and plots from a results store")
    p.add_argument("db", type=Path, help="results store written by nqco batch")
    p.add_argument("--baseline", default="ortools",
                   help="method the others are compared with (default ortools)")
    p.add_argument("-o", "--output", type=Path, default=Path("report"),
                   help="folder for report.md, report.html and the plots (default report)")
    p.add_argument("--tour-instance", default=None,
                   help="TSP instance whose best tour is drawn (default: the largest)")
    p.set_defaults(handler=_cmd_report)

    p = commands.add_parser(
        "generate", help="write random instances",
        description="Write random instances. Options of the type's generator are passed as "
                    "--NAME VALUE, e.g. `nqco generate MIS --n 50 --count 3 -o g --p 0.2`; "
                    "`nqco generate TYPE --list-options` shows them.")
    p.add_argument("type", type=_problem_type, help=", ".join(PROBLEM_TYPES))
    p.add_argument("--n", type=_positive_int, help="size (cities, items, nodes, facilities)")
    p.add_argument("--count", type=_positive_int, default=1)
    p.add_argument("-o", "--output", type=Path, help="folder to write into")
    p.add_argument("--seed", type=_non_negative_int, default=0,
                   help="seed of the first instance; the k-th uses seed + k")
    p.add_argument("--generator", default="random",
                   help="which generator of the type (default random; see --list-options)")
    p.add_argument("--list-options", action="store_true",
                   help="print the type's generators and their options, then exit")
    p.set_defaults(handler=_cmd_generate)

    p = commands.add_parser("info", help="what an instance file holds")
    p.add_argument("file", type=Path)
    p.set_defaults(handler=_cmd_info)

    p = commands.add_parser("warmup", help="compile the numba kernels of mcts, udc, sa and the "
                                           "fast simulators now, not inside a first timed run")
    p.set_defaults(handler=_cmd_warmup)
    return parser


def version() -> str:
    """The installed nqco version, else the one in the source tree's ``pyproject.toml``.

    >>> version().count(".") >= 1
    True
    """
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("nqco")
    except PackageNotFoundError:
        import tomllib

        pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
        return tomllib.loads(pyproject.read_text())["project"]["version"]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``nqco`` console script; returns the exit code."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "generate":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.extra = extra
    try:
        from solvers.runs.executors import import_plugins

        args.plugins = _plugin_list(getattr(args, "plugins", ""))
        import_plugins(args.plugins)
        return args.handler(args) or 0
    except (ValueError, OSError) as error:
        print(f"nqco {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"nqco {args.command}: interrupted", file=sys.stderr)
        return 130


def _plugin_list(option: str) -> list[str]:
    names = os.environ.get(PLUGINS_ENV, "").split(",") + option.split(",")
    return [n.strip() for n in names if n.strip()]


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [list(map(str, headers))] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _cmd_methods(args) -> int:
    from solvers import registry

    rows = [(name, ", ".join(spec.types), spec.limit or "-", spec.description)
            for name, spec in registry.methods(args.type).items()]
    print(_table(("method", "problem types", "holds at most", "description"), rows))
    return 0


def _existing_file(path: Path) -> Path:
    if not path.exists():
        raise UsageError(f"{path}: no such file")
    if not path.is_file():
        raise UsageError(f"{path}: not a file")
    return path


def _best_known(path: Path, index: int, problem) -> float | None:
    from problems import count
    from solvers.runs.batch import BestKnown

    value = BestKnown().lookup(path, index, count(path), problem.name)
    if value is None:
        value = getattr(problem, "best_known", None)
    return value


def _cmd_solve(args) -> int:
    from problems import load
    from solvers import registry, solve

    path = _existing_file(args.file)
    registry.get(args.method)
    options = parse_options(args.option, [args.method]).get(args.method, {})
    problem = load(path, index=args.index)
    best = _best_known(path, args.index, problem)
    if best is not None:  # the gap of each improvement is then measured against it
        problem = dataclasses.replace(problem, best_known=best)
    result = solve(problem, args.method, time_limit=args.time_limit, seed=args.seed,
                   log=args.verbose, **options)
    kind = type(problem).__name__
    lines = [("instance", f"{problem.name} ({kind}, size {problem.size})"),
             ("method", f"{args.method}, seed {args.seed}, time limit "
                        + ("default" if args.time_limit is None else f"{args.time_limit:g} s")),
             ("status", result.status),
             ("objective", "-" if result.objective is None else f"{result.objective:.10g}")]
    if best is not None:
        gap = result.gap_to(best)
        lines.append(("best-known", f"{best:.10g}"
                      + ("" if gap is None else f" (gap {gap:.3f} %)")))
    lines.append(("time", f"{result.time_s:.2f} s"))
    if "violation" in result.info:
        lines.append(("violation", result.info["violation"]))
    for label, text in lines:
        print(f"{label:<11s}{text}")
    if args.output is not None:
        _write_solution(args.output, path, args.index, problem, result, best)
    if args.plot is not None:
        _plot(args.plot, problem, result)
    return 0 if result.feasible else 1


def _plot(output: Path, problem, result) -> None:
    """The solution (when there is one) beside the objective over time, into ``output``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from problems.plotting import plot_solution
    from solvers.report.trace import plot_trace

    drawn = result.solution is not None and result.feasible
    figure, axes = plt.subplots(1, 2 if drawn else 1, figsize=(12 if drawn else 6, 5),
                                squeeze=False)
    if drawn:
        plot_solution(problem, result.solution, ax=axes[0][0])
    plot_trace(result, ax=axes[0][-1], best_known=getattr(problem, "best_known", None))
    figure.tight_layout()
    output.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(output, dpi=110)
    plt.close(figure)
    print(f"{'written':<11s}{output}")


def _write_solution(output: Path, path: Path, index: int, problem, result, best) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    document = {"instance_path": str(path.resolve()), "instance_index": index,
                "problem_type": type(problem).__name__, "size": int(problem.size),
                "best_known": best, **result.to_dict()}
    output.write_text(json.dumps(document, indent=1) + "\n")
    print(f"{'written':<11s}{output}")
    if result.solution is not None and result.feasible:
        from problems.solution_io import write_solution

        standard = output.with_suffix(STANDARD_SUFFIX[type(problem).__name__])
        if standard != output:
            write_solution(problem, result.solution, standard)
            print(f"{'written':<11s}{standard}")


def _cmd_batch(args) -> int:
    from solvers.runs.batch import resolve_methods, run_batch

    if not args.directory.is_dir():
        raise UsageError(f"{args.directory}: no such folder")
    methods = resolve_methods(args.methods.split(","))
    summary = run_batch(args.directory, methods, db=args.db, time_limit=args.time_limit,
                        seeds=args.seeds, workers=args.workers, executor=args.executor,
                        grace=args.grace, startup=args.startup, ray_address=args.ray_address,
                        gpus_per_task=args.gpus_per_task,
                        options=parse_options(args.option, methods), plugins=args.plugins,
                        retry_failed=args.retry_failed, progress=not args.quiet,
                        verbose=args.verbose)
    print(summary.text())
    return 0


def _cmd_report(args) -> int:
    from solvers.report import write_report

    if not args.db.is_file():
        raise UsageError(f"{args.db}: no such results store")
    report = write_report(args.db, baseline=args.baseline, output=args.output,
                          tour_instance=args.tour_instance)
    print(report.tables_markdown)
    print(f"\nwritten: {', '.join(str(p) for p in report.files)}")
    return 0


def generators(kind: str) -> dict[str, Any]:
    """The generators of a problem type: classmethods ``(n, ..., seed)`` such as ``random``.

    >>> sorted(generators("TSP"))
    ['clustered', 'random']
    """
    import problems

    cls = getattr(problems, kind)
    found = {}
    for name in dir(cls):
        member = getattr(cls, name)
        if name.startswith("_") or not inspect.ismethod(member) or member.__self__ is not cls:
            continue
        parameters = list(inspect.signature(member).parameters)
        if parameters[:1] == ["n"] and "seed" in parameters:
            found[name] = member
    return found


def _generator_options(generator) -> dict[str, inspect.Parameter]:
    return {name: p for name, p in inspect.signature(generator).parameters.items()
            if name not in ("n", "seed") and p.kind in (p.POSITIONAL_OR_KEYWORD,
                                                         p.KEYWORD_ONLY)}


def _convert(text: str, default: Any, name: str) -> Any:
    if isinstance(default, bool):
        if text.lower() in ("true", "1", "yes", "false", "0", "no"):
            return text.lower() in ("true", "1", "yes")
        raise UsageError(f"--{name} expects true or false, got {text!r}")
    if isinstance(default, (int, float)):
        value = _value(text)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
        raise UsageError(f"--{name} expects a number, got {text!r}")
    return _value(text)


def _extra_options(extra: Sequence[str], accepted: dict[str, inspect.Parameter],
                   kind: str) -> dict[str, Any]:
    options: dict[str, Any] = {}
    items = list(extra)
    while items:
        item = items.pop(0)
        if not item.startswith("--"):
            raise UsageError(f"unexpected argument {item!r}")
        name, equals, text = item[2:].partition("=")
        name = name.replace("-", "_")
        if name not in accepted:
            raise UsageError(f"the {kind} generator has no option --{name}; it accepts: "
                             + (", ".join(f"--{n.replace('_', '-')}" for n in accepted)
                                or "none"))
        if not equals:
            if not items:
                raise UsageError(f"--{name} needs a value")
            text = items.pop(0)
        default = accepted[name].default
        options[name] = _convert(text, None if default is inspect.Parameter.empty else default,
                                 name)
    return options


def _cmd_generate(args) -> int:
    available = generators(args.type)
    if args.generator not in available:
        raise UsageError(f"{args.type} has no generator {args.generator!r}; choose from "
                         f"{', '.join(sorted(available))}")
    generator = available[args.generator]
    accepted = _generator_options(generator)
    if args.list_options:
        print(f"{args.type} generators: {', '.join(sorted(available))}")
        print(f"options of {args.generator}:" + ("" if accepted else " none"))
        for name, p in accepted.items():
            default = (" (required)" if p.default is inspect.Parameter.empty
                       else f" (default {p.default!r})")
            print(f"  --{name.replace('_', '-')}{default}")
        return 0
    if args.n is None or args.output is None:
        raise UsageError("generate needs --n N and -o FOLDER")
    options = _extra_options(args.extra, accepted, args.type)
    missing = [f"--{n.replace('_', '-')}" for n, p in accepted.items()
               if p.default is inspect.Parameter.empty and n not in options]
    if missing:
        raise UsageError(f"the {args.type} generator needs {', '.join(missing)} "
                         f"(see nqco generate {args.type} --list-options)")
    writer, suffix = WRITERS[args.type]
    prefix = args.type.lower() + ("" if args.generator == "random" else f"_{args.generator}")
    args.output.mkdir(parents=True, exist_ok=True)
    for k in range(args.count):
        seed = args.seed + k
        problem = generator(args.n, seed=seed, **options)
        path = args.output / f"{prefix}_n{args.n}_seed{seed}{suffix}"
        getattr(problem, writer)(path)
        print(path)
    return 0


def _cmd_warmup(args) -> int:
    from solvers.runs.warmup import warm_up

    seconds = warm_up(verbose=True)
    print(f"compiled and cached in {sum(seconds.values()):.1f} s; later runs load the cache")
    return 0


def _cmd_info(args) -> int:
    from problems import load
    from problems.load import count
    from solvers.runs.batch import problem_type_of

    path = _existing_file(args.file)
    kind = problem_type_of(path)
    total = count(path)
    print(f"file       {path}")
    print(f"type       {kind}")
    print(f"instances  {total}")
    rows = []
    for index in range(total):
        problem = load(path, index=index)
        best = _best_known(path, index, problem)
        rows.append((index, problem.name, problem.size, "-" if best is None else f"{best:.10g}",
                     problem.sense))
    print(_table(("index", "name", "size", "best-known", "sense"), rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
