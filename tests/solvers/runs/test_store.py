import json
import sqlite3
import zlib

import numpy as np
import pytest

from solvers.runs.store import FILE_ERROR_METHOD, Record, ResultStore, options_hash


def record(**changes) -> Record:
    fields = dict(instance_path="/data/g.col", instance_index=0, method="exact", seed=0,
                  time_limit=5.0, options={}, status="optimal", objective=4.0, feasible=True,
                  time_s=0.25, solution=np.array([1, 0, 1, 0]), trace=((0.1, 3.0), (0.2, 4.0)),
                  info={"nodes": np.int64(7)}, best_known=4.0, problem_type="MIS", sense="max",
                  size=4, instance_name="g")
    fields.update(changes)
    return Record(**fields)


def test_round_trip_keeps_every_field(tmp_path):
    with ResultStore(tmp_path / "r.sqlite") as store:
        store.add(record())
        (back,) = store.records(with_solutions=True)
    assert back.solution == [1, 0, 1, 0]
    assert back.trace == ((0.1, 3.0), (0.2, 4.0))
    assert back.info == {"nodes": 7}
    assert (back.objective, back.feasible, back.best_known, back.size) == (4.0, True, 4.0, 4)
    assert back.problem_type == "MIS" and back.instance_name == "g" and back.sense == "max"
    assert back.nqco_version and back.host and back.created_at


def test_solution_is_stored_compressed_and_loaded_only_on_request(tmp_path):
    tour = list(range(2000))
    with ResultStore(tmp_path / "r.sqlite") as store:
        store.add(record(solution=tour))
        assert store.records()[0].solution is None
        assert store.solution(record().key) == tour
    blob = sqlite3.connect(tmp_path / "r.sqlite").execute(
        "SELECT solution FROM results").fetchone()[0]
    text = zlib.decompress(blob)
    assert json.loads(text) == tour and len(blob) < len(text) / 2


def test_one_row_per_key_and_options_are_part_of_the_key(tmp_path):
    with ResultStore(tmp_path / "r.sqlite") as store:
        store.add(record(objective=3.0))
        store.add(record(objective=4.0))  # same key: replaces
        store.add(record(options={"iters": 3}))
        store.add(record(seed=1))
        assert len(store) == 3
        assert {r.objective for r in store.records() if r.options == {}} == {4.0}
        assert record(options={"iters": 3}).key in store.done_keys()


def test_failed_keys_and_delete(tmp_path):
    with ResultStore(tmp_path / "r.sqlite") as store:
        store.add(record())
        store.add(record(seed=1, status="timeout", objective=None, feasible=False,
                         solution=None, error="killed"))
        store.add(record(method=FILE_ERROR_METHOD, status="error", objective=None,
                         feasible=False, solution=None, error="bad file"))
        failed = store.failed_keys()
        assert len(failed) == 2 and record().key not in failed
        assert store.delete(failed) == 2
        assert len(store) == 1


def test_database_uses_wal_and_survives_reopening(tmp_path):
    path = tmp_path / "r.sqlite"
    with ResultStore(path) as store:
        store.add(record())
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with ResultStore(path) as store:
        assert len(store) == 1


def test_invalid_records_are_refused():
    with pytest.raises(ValueError, match="status must be one of"):
        record(status="great")
    with pytest.raises(ValueError, match="finite objective"):
        record(objective=float("nan"))


def test_a_file_that_is_not_a_store_is_reported(tmp_path):
    bogus = tmp_path / "notes.sqlite"
    bogus.write_text("hello, this is not SQLite\n" * 100)
    with pytest.raises(ValueError, match="not a usable nqco results store"):
        ResultStore(bogus)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        ResultStore(tmp_path / "missing.sqlite", create=False)


def test_options_hash_is_order_independent():
    assert options_hash({"a": 1, "b": [1, 2]}) == options_hash({"b": [1, 2], "a": 1})
    assert options_hash({"a": 1}) != options_hash({"a": 2})
