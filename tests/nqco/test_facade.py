"""``import nqco`` exposes the documented names, and ``nqco --version`` prints the version."""

import subprocess
import sys
from pathlib import Path

import nqco

ROOT = Path(__file__).resolve().parents[2]


def test_import_nqco_exposes_the_documented_names():
    for name in ("solve", "prepare", "load", "load_all", "methods", "Result", "Improvement",
                 "TSP", "MDKP", "MIS", "QAP", "RobustKnapsack", "BQP", "MaxCut", "plot_solution", "plot_trace",
                 "write_solution", "read_solution", "labelled", "__version__"):
        assert hasattr(nqco, name), name
    assert set(nqco.__all__) <= set(dir(nqco))
    assert nqco.__version__.count(".") >= 1


def test_nqco_version_on_the_command_line():
    out = subprocess.run([sys.executable, "-c",
                          "import sys; from solvers.cli import main; sys.exit(main())",
                          "--version"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == f"nqco {nqco.__version__}"


def test_nothing_in_the_four_packages_imports_nqco():
    for package in ("problems", "solvers", "quantum", "learned"):
        for path in (ROOT / package).rglob("*.py"):
            text = path.read_text()
            assert "import nqco" not in text and "from nqco" not in text, path
