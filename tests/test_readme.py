"""Every ```python block of README.md runs as written (in a fresh interpreter, from a folder
laid out like the repository: ``instances/`` and ``../shared`` where present)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)


def test_the_readme_has_python_blocks():
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("number", range(len(BLOCKS)))
def test_readme_python_block_runs(number, tmp_path):
    code = BLOCKS[number]
    if "../shared" in code and not (SHARED / "benchmarks").is_dir():
        pytest.skip("needs ../shared/benchmarks, absent here")
    work = tmp_path / "repo"
    work.mkdir()
    (work / "instances").symlink_to(ROOT / "instances")
    if SHARED.is_dir():
        (tmp_path / "shared").symlink_to(SHARED)
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg")
    out = subprocess.run([sys.executable, "-c", code], cwd=work, capture_output=True,
                         text=True, timeout=600, env=env)
    assert out.returncode == 0, f"README block {number} failed:\n{code}\n{out.stderr[-3000:]}"
