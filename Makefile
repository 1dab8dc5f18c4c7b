# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install clean instances bench

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	# Pin the CPU build of torch first: a bare `torch` requirement may pull a multi-GB CUDA build.
	$(BIN)/pip install -q "torch==2.13.0"
	$(BIN)/pip install -q -e ".[test,ray]"
	# Compile and cache the numba kernels now, so no first timed run pays for it.
	$(BIN)/python -m solvers.runs.warmup
	touch $(STAMP)

install: $(STAMP)

instances: $(STAMP)
	$(BIN)/python instances/generate.py

demo: $(STAMP)
	$(BIN)/nqco batch instances/ -m $$($(BIN)/python -c "import solvers; print(','.join(solvers.demo_methods()))") -t 5 --db demo-results.sqlite
	$(BIN)/nqco report demo-results.sqlite --baseline ortools -o report/

test: $(STAMP)
	$(BIN)/python -m pytest -q -x --durations=15

clean:
	rm -rf $(VENV) report demo-results.sqlite
