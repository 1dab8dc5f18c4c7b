import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from problems import MDKP, MIS, ProblemFormatError
from solvers.registry import UnknownMethod
from solvers.runs.batch import (BestKnown, make_plan, parse_seeds, read_manifest,
                                resolve_methods, run_batch)
from solvers.runs.store import FILE_ERROR_METHOD, ResultStore

ROOT = Path(__file__).resolve().parents[3]
NQCO = [sys.executable, "-m", "solvers.cli"]  # the console script's target
PLUGINS = ["tests.solvers.fake_methods"]


@pytest.fixture(scope="module", autouse=True)
def fake_methods():
    import tests.solvers.fake_methods  # noqa: F401  registers test-* methods in this process


@pytest.fixture
def folder(tmp_path):
    """Three small MIS graphs (one in a sub-folder), one MDKP file, a README."""
    root = tmp_path / "instances"
    (root / "more").mkdir(parents=True)
    for k, path in enumerate([root / "a.col", root / "b.col", root / "more" / "c.col"]):
        MIS.random(9, p=0.3, seed=k).write_dimacs(path)
    MDKP.random(8, 2, seed=0).write_orlib(root / "more" / "mknap_small.txt")
    (root / "README.md").write_text("# not an instance\n")
    return root


def rows(db) -> list[tuple]:
    with ResultStore(db) as store:
        return store.records()


def test_parse_seeds():
    assert parse_seeds("3") == [3]
    assert parse_seeds("0-2,7,1") == [0, 1, 2, 7]
    for bad in ("", "a", "1,,2", "-1", "3-1", "0.5"):
        with pytest.raises(ValueError, match="seed"):
            parse_seeds(bad)


def test_resolve_methods():
    assert resolve_methods(["exact", "exact"]) == ["exact"]
    assert set(resolve_methods(["all"])) >= {"exact", "ortools"}
    assert "ortools" in resolve_methods(["demo"])
    with pytest.raises(UnknownMethod, match="unknown method 'simulated-magic'; available"):
        resolve_methods(["exact", "simulated-magic"])


def test_manifest_errors_name_the_file_and_line(tmp_path):
    manifest = tmp_path / "best_known.csv"
    manifest.write_text("name,value\na,1\n")
    with pytest.raises(ProblemFormatError, match="best_known.csv line 1: expected a header"):
        read_manifest(manifest)
    manifest.write_text("instance,value\na,1\nb,lots\n")
    with pytest.raises(ProblemFormatError, match="line 3: value 'lots' of instance 'b'"):
        read_manifest(manifest)
    manifest.write_text("instance,value,proven\na,1.5,1\nb,,0\n")
    assert read_manifest(manifest) == {"a": 1.5}


def test_best_known_nearest_manifest_wins(folder):
    (folder / "best_known.csv").write_text("instance,value\nmore/c.col,10\na.col,7\n")
    (folder / "more" / "best_known.csv").write_text("instance,value\nc,11\n")
    (folder / "more" / "mknap_small.txt").rename(folder / "more" / "mknap_two.txt")
    known = BestKnown()
    assert known.lookup(folder / "a.col", 0, 1, "a") == 7
    assert known.lookup(folder / "more" / "c.col", 0, 1, "c") == 11
    assert known.lookup(folder / "b.col", 0, 1, "b") is None
    (folder / "more" / "best_known.csv").write_text("instance,value\nmknap_two.txt#1,99\n")
    known = BestKnown()
    assert known.lookup(folder / "more" / "mknap_two.txt", 1, 2, None) == 99
    assert known.lookup(folder / "more" / "mknap_two.txt", 0, 2, None) is None


def test_plan_expands_instances_methods_and_seeds(folder):
    plan = make_plan(folder, ["exact", "test-fail", "milp"], [0, 1], 5.0)
    assert (plan.files, plan.instances, plan.ignored_files) == (4, 4, 1)
    # exact and milp run everything; test-fail runs MIS and MDKP: 4 instances x 3 x 2 seeds
    assert len(plan.tasks) == 24 and plan.unsupported == 0
    plan = make_plan(folder, ["exact", "ccg"], [0], 5.0)  # ccg only runs RobustKnapsack
    assert len(plan.tasks) == 4 and plan.unsupported == 4


def test_plan_and_run_on_the_public_orlibrary_files(tmp_path, benchmark_file):
    mknap = benchmark_file("mknap/mknap1.txt").parent
    plan = make_plan(mknap, ["ortools"], [0], 10.0)
    # mknap1 holds 7 problems, mknap2 48, mknapcb1..9 30 each; mkcbres.txt is a results table
    assert plan.instances == len(plan.tasks) == 7 + 48 + 9 * 30
    assert plan.ignored_files == 1 and not plan.file_errors
    (tmp_path / "mknap1.txt").symlink_to(mknap / "mknap1.txt")
    db = tmp_path / "r.sqlite"
    run_batch(tmp_path, ["ortools"], db=db, time_limit=5, workers=2, progress=False)
    found = rows(db)
    assert sorted(r.instance_index for r in found) == list(range(7))
    for r in found:  # every mknap1 problem carries its optimum, and CP-SAT proves it
        assert r.best_known is not None and r.objective == r.best_known, r


def test_failures_are_recorded_and_the_batch_goes_on(folder):
    (folder / "broken.col").write_text("p edge 5 2\ne 1 9\n")  # node 9 does not exist
    (folder / "mknap_broken.txt").write_text("this is no knapsack\n")
    (folder / "more" / "mknap_small.txt").unlink()
    methods = ["exact", "test-crash", "test-exit-hard", "test-hang", "test-fail"]
    db = folder.parent / "r.sqlite"
    started = time.monotonic()
    summary = run_batch(folder, methods, db=db, time_limit=1.0, grace=1.0, workers=2,
                        plugins=PLUGINS, progress=False)
    assert time.monotonic() - started < 60
    found = {(Path(r.instance_path).name, r.method): r for r in rows(db)}
    assert len(found) == 4 * len(methods) + 1 == summary.ran + 1
    for name in ("a.col", "b.col", "c.col"):
        assert found[name, "exact"].status == "optimal" and found[name, "exact"].feasible
        assert found[name, "test-crash"].status == "error"
        assert "worker process died: killed by signal SIGSEGV" in found[name, "test-crash"].error
        assert "exit code 3" in found[name, "test-exit-hard"].error
        hang = found[name, "test-hang"]
        assert hang.status == "timeout" and 2.0 <= hang.time_s < 10
        assert "after the method started: past the time limit (1 s) plus grace (1 s)" \
            in hang.error
        stem = Path(name).stem
        assert found[name, "test-fail"].error.startswith(
            f"RuntimeError: deliberate failure on {stem} (raised at tests/solvers/fake_methods.py:")
        assert found[name, "test-hang"].instance_name == stem  # facts of a killed task
    for method in methods:
        assert "broken.col line 2: node 9" in found["broken.col", method].error
    unreadable = found["mknap_broken.txt", FILE_ERROR_METHOD]
    assert unreadable.status == "error" and "mknap_broken.txt" in unreadable.error
    assert summary.statuses["timeout"] == 3


def test_a_method_that_never_finishes_loading_is_stopped_by_the_startup_allowance(folder):
    db = folder.parent / "r.sqlite"
    (folder / "more" / "mknap_small.txt").unlink()
    started = time.monotonic()
    run_batch(folder / "more", ["test-slow-to-load", "exact"], db=db, time_limit=60,
              startup=2.0, workers=2, plugins=PLUGINS, progress=False)
    assert time.monotonic() - started < 30
    found = {r.method: r for r in rows(db)}
    assert found["exact"].status == "optimal"
    slow = found["test-slow-to-load"]
    assert slow.status == "timeout" and 2.0 <= slow.time_s < 10
    assert "still loading the instance or importing the method (startup allowance 2 s)" \
        in slow.error


def test_resume_runs_only_what_is_missing_and_retry_failed(folder):
    db = folder.parent / "r.sqlite"
    first = run_batch(folder, ["exact"], db=db, time_limit=5, progress=False)
    assert (first.ran, first.already_done) == (4, 0)
    before = {r.key: r.created_at for r in rows(db)}
    second = run_batch(folder, ["exact"], db=db, time_limit=5, seeds=[0, 1], progress=False)
    assert (second.ran, second.already_done) == (4, 4)
    after = {r.key: r.created_at for r in rows(db)}
    assert len(after) == 8 and all(after[k] == v for k, v in before.items())
    run_batch(folder, ["test-fail"], db=db, time_limit=5, plugins=PLUGINS, progress=False)
    again = run_batch(folder, ["test-fail"], db=db, time_limit=5, plugins=PLUGINS,
                      progress=False)
    assert again.ran == 0
    retried = run_batch(folder, ["test-fail"], db=db, time_limit=5, plugins=PLUGINS,
                        retry_failed=True, progress=False)
    assert retried.ran == 4 and len(rows(db)) == 12


def test_best_known_comes_from_the_manifest(folder):
    (folder / "best_known.csv").write_text("instance,value\na.col,4\nmore/c.col,5\n")
    db = folder.parent / "r.sqlite"
    run_batch(folder, ["exact"], db=db, time_limit=5, progress=False)
    best = {Path(r.instance_path).name: r.best_known for r in rows(db)}
    assert best["a.col"] == 4 and best["c.col"] == 5 and best["b.col"] is None


def test_bad_arguments_are_refused_before_any_work(folder):
    db = folder.parent / "r.sqlite"
    for kwargs, message in (({"time_limit": -1}, "time limit"), ({"seeds": []}, "seeds"),
                            ({"seeds": [-2]}, "seeds"), ({"executor": "slurm"}, "executor"),
                            ({"workers": 0}, "workers"), ({"grace": -1.0}, "grace"),
                            ({"options": {"milp": {"x": 1}}}, "not in this batch"),
                            ({"gpus_per_task": 1}, "need --executor ray")):
        with pytest.raises(ValueError, match=message):
            run_batch(folder, ["exact"], db=db, progress=False, **kwargs)
    with pytest.raises(ValueError, match="is not a folder"):
        run_batch(folder / "a.col", ["exact"], db=db, progress=False)
    assert not db.exists() or len(rows(db)) == 0


def _count(db: Path) -> int:
    if not db.exists():
        return 0
    connection = sqlite3.connect(db, timeout=10)
    try:
        return connection.execute("SELECT COUNT(*) FROM results").fetchone()[0]
    except sqlite3.OperationalError:  # created, the table not yet
        return 0
    finally:
        connection.close()


def _descendants(pid: int) -> set[int]:
    found, todo = set(), [pid]
    while todo:
        current = todo.pop()
        for children in Path(f"/proc/{current}/task").glob("*/children"):
            for child in children.read_text().split():
                found.add(int(child))
                todo.append(int(child))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_killed_batch_resumes_without_losing_or_repeating_work(folder):
    db = folder.parent / "r.sqlite"
    command = [*NQCO, "batch", str(folder), "-m", "test-slow-exact", "--seeds", "0-3",
               "-t", "5", "--workers", "2", "--db", str(db), "-q", "-O", "delay=0.4",
               "--plugins", PLUGINS[0]]
    batch = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    done = 0
    while done < 3 and time.monotonic() < deadline and batch.poll() is None:
        time.sleep(0.2)
        done = _count(db)
    assert batch.poll() is None, batch.communicate()
    workers = _descendants(batch.pid)
    assert workers
    batch.send_signal(signal.SIGKILL)
    batch.communicate()
    kept = len(rows(db))
    assert 3 <= kept < 16
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(p) for p in workers), "worker processes outlived the killed batch"

    resumed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert f"16 task(s): {kept} already in {db}, {16 - kept} run now" in resumed.stdout
    keys = [(r.instance_path, r.instance_index, r.method, r.seed) for r in rows(db)]
    assert len(keys) == len(set(keys)) == 16
    assert all(r.status == "optimal" for r in rows(db))


@pytest.mark.slow
def test_ray_executor_gives_the_same_rows_as_the_local_one(folder):
    pytest.importorskip("ray")
    (folder / "more" / "mknap_small.txt").unlink()
    methods = ["exact", "test-fail", "test-crash", "test-hang"]
    results = {}
    for executor in ("local", "ray"):
        db = folder.parent / f"{executor}.sqlite"
        summary = run_batch(folder, methods, db=db, time_limit=1, grace=1, seeds=[0],
                            workers=2, executor=executor, plugins=PLUGINS, progress=False)
        assert summary.ran == 12
        results[executor] = sorted(
            (r.instance_path, r.instance_index, r.method, r.seed, r.status, r.objective,
             r.feasible, r.size, r.instance_name, r.problem_type,
             r.error if r.method == "test-fail" else None)
            for r in rows(db))
    assert results["ray"] == results["local"]
    statuses = {(row[2], row[4]) for row in results["ray"]}
    assert statuses == {("exact", "optimal"), ("test-fail", "error"), ("test-crash", "error"),
                        ("test-hang", "timeout")}


def test_local_workers_split_the_cores_between_them(folder):
    from solvers.runs.executors import LocalExecutor, Task
    from solvers.threads import worker_share

    task = Task(str(folder / "a.col"), 0, "test-threads", 0, 5.0, plugins=tuple(PLUGINS))
    for workers in (1, 2):
        seen = []
        LocalExecutor(workers=workers).run([task, task], lambda t, o: seen.append(o))
        assert [o.status for o in seen] == ["optimal", "optimal"]
        assert {o.info["threads"] for o in seen} == {worker_share(workers)}
        assert {o.info["omp"] for o in seen} == {str(worker_share(workers))}


def test_a_reader_of_two_types_says_which_one_each_file_holds(tmp_path):
    from problems import BQP, MaxCut
    from solvers.runs.batch import problem_type_of

    MaxCut.random(6, seed=0).write_rudy(tmp_path / "g.rud")
    BQP.random(6, seed=0).write_bqp(tmp_path / "q.txt")
    assert problem_type_of(tmp_path / "g.rud") == "MaxCut"
    assert problem_type_of(tmp_path / "q.txt") == "BQP"
    plan = make_plan(tmp_path, ["tabu"], seeds=[0], time_limit=1.0)
    assert len(plan.tasks) == 2 and not plan.file_errors


def test_verbose_batch_prints_one_line_per_task_and_skips_exact_on_large_instances(tmp_path,
                                                                                  capsys):
    MIS.random(8, p=0.3, seed=0).write_dimacs(tmp_path / "small.col")
    MIS.random(40, p=0.1, seed=0).write_dimacs(tmp_path / "large.col")
    db = tmp_path / "r.sqlite"
    summary = run_batch(tmp_path, ["exact"], db=db, time_limit=5, progress=False, verbose=True,
                        workers=1)
    lines = [line for line in capsys.readouterr().err.splitlines() if "exact" in line]
    assert summary.statuses == {"optimal": 1, "skipped": 1}
    assert len(lines) == 2
    skipped = next(line for line in lines if "skipped" in line)
    assert "needs 40 size" in skipped and "the limit is 18" in skipped
    with ResultStore(db) as store:
        assert sorted(r.status for r in store.records()) == ["optimal", "skipped"]


def test_problem_types_of_files_read_by_packages_and_modules(tmp_path):
    from problems import QAP, TSP, RobustKnapsack
    from solvers.runs.batch import problem_type_of

    TSP.random(5, seed=0).write_tsplib(tmp_path / "t.tsp")
    RobustKnapsack.random(4, seed=0).write(tmp_path / "RKP_UN_n4")
    QAP.random(4, seed=0).write_qaplib(tmp_path / "q.dat")
    assert [problem_type_of(tmp_path / name) for name in ("t.tsp", "RKP_UN_n4", "q.dat")] == [
        "TSP", "RobustKnapsack", "QAP"]
