"""``make demo``: every method on the demo instances it applies to, a quantum-sized instance of
every type the quantum methods take, and a manifest of proved optima that holds."""

import csv
import importlib.util
from pathlib import Path

import pytest

from problems import load
from solvers import demo_methods, registry, solve
from solvers.algorithms.quantum import qaoa_qubits
from solvers.runs.batch import make_plan

ROOT = Path(__file__).resolve().parents[3]
INSTANCES = ROOT / "instances"


def generate_module():
    spec = importlib.util.spec_from_file_location("generate", INSTANCES / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def manifest() -> dict[str, dict]:
    with open(INSTANCES / "best_known.csv", newline="") as handle:
        return {row["instance"]: row for row in csv.DictReader(handle)}


def own_methods() -> list[str]:
    """The methods of ``solvers/registry.py`` (tests register test-* methods beside them)."""
    return [name for name, spec in registry.methods().items()
            if spec.target.startswith(("solvers.", "quantum.", "learned."))]


def test_the_demo_runs_every_method_on_some_demo_instance():
    assert set(own_methods()) <= set(demo_methods())
    plan = make_plan(INSTANCES, own_methods(), seeds=[0], time_limit=5.0)
    assert not plan.file_errors
    smallest_first = sorted(plan.tasks, key=lambda task: Path(task.path).stat().st_size)
    never = set(own_methods())
    for task in smallest_first:
        if task.method in never and registry.get(task.method).refusal(load(task.path)) is None:
            never.discard(task.method)
    assert not never, f"never run by the demo: {never}"


def test_every_quantum_type_has_a_demo_instance_of_10_to_16_qubits():
    sizes: dict[str, list[float]] = {}
    for path in sorted(INSTANCES.rglob("*")):
        if path.is_file() and path.name not in ("best_known.csv", "generate.py"):
            problem = load(path)
            kind = type(problem).__name__
            if kind in registry.QUBO_TYPES:
                sizes.setdefault(kind, []).append(qaoa_qubits(problem).amount)
    held = {kind for kind, qubits in sizes.items() if any(10 <= q <= 16 for q in qubits)}
    assert held >= {"MDKP", "MIS", "QAP", "MaxCut", "BQP"}, sizes


def test_the_instance_files_are_what_generate_writes(tmp_path, monkeypatch):
    generate = generate_module()
    monkeypatch.setattr(generate, "HERE", tmp_path)
    listed = [relative for relative, _ in generate.demo_instances()]
    on_disk = sorted(p.relative_to(INSTANCES).as_posix() for p in INSTANCES.rglob("*")
                     if p.is_file() and p.name not in ("best_known.csv", "generate.py"))
    assert sorted(listed) == on_disk
    assert sorted(manifest()) == sorted(listed)
    for relative, problem in generate.demo_instances():
        written = generate.write(relative, problem)
        assert written.read_bytes() == (INSTANCES / relative).read_bytes(), relative


def quantum_sized(problem) -> bool:
    return type(problem).__name__ in registry.QUBO_TYPES and qaoa_qubits(problem).amount <= 16


@pytest.mark.parametrize("relative", sorted(  # the quantum-sized ones: 2^16 candidates at most
    name for name, row in manifest().items()
    if row["proven"] == "1" and quantum_sized(load(INSTANCES / name))))
def test_proved_reference_values_equal_brute_force(relative):
    problem = load(INSTANCES / relative)
    result = solve(problem, "exact")
    assert result.status == "optimal"
    assert float(manifest()[relative]["value"]) == pytest.approx(result.objective, rel=1e-9)
