# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install clean instances bench

$(STAMP): pyproject.toml
	@echo "==> [1/4] creating the virtual environment $(VENV)"
	$(PY) -m venv $(VENV)
	@echo "==> [2/4] installing torch (pinned first, see below)"
	# Pin the CPU build of torch first: a bare `torch` requirement may pull a multi-GB CUDA build.
	$(BIN)/pip install --progress-bar on "torch==2.13.0"
	@echo "==> [3/4] installing nqco and its dependencies (OR-Tools, Qiskit, torch-geometric, ...)"
	$(BIN)/pip install --progress-bar on -e ".[test,ray]"
	@echo "==> [4/4] compiling the numba kernels once (about a minute)"
	# Compile and cache the numba kernels now, so no first timed run pays for it.
	$(BIN)/python -m solvers.runs.warmup
	touch $(STAMP)
	@echo "==> installed $$($(BIN)/nqco --version)"

install: $(STAMP)

instances: $(STAMP)
	$(BIN)/python instances/generate.py

# Every method on the demo instances it applies to, 5 s each (about 2 minutes on 2 cores).
demo: $(STAMP)
	$(BIN)/nqco batch instances/ -m demo -t 5 -v --db demo-results.sqlite
	$(BIN)/nqco report demo-results.sqlite --baseline ortools -o report/

test: $(STAMP)
	$(BIN)/python -m pytest -q -x --durations=15

clean:
	rm -rf $(VENV) report demo-results.sqlite
