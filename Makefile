# The two commands a user needs: `make bases` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BASE := $(VENV)/.installed-base

.PHONY: test docs bases bench bench-cluster bench-emlp bench-escnn lint clean gallery

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# `make bases` needs only the package: no torch, no jax.
$(BASE): $(BIN)/python setup.cfg setup.py pyproject.toml intertwine/solvers/_modular.c
	$(BIN)/python -m pip install --quiet -e .
	touch $(BASE)

$(STAMP): $(BASE)
	$(BIN)/python -m pip install --quiet -e '.[test]' 'jax[cpu]==0.10.2' 'flax==0.12.8'
	@# PyTorch, for intertwine.torch's tests, only where a CPU build lies on local
	@# disk (never a multi-GB CUDA download); elsewhere those tests are skipped.
	@# e3nn, the reference for SO(3)/O(3) irreps in the tests, depends on torch: it goes in
	@# after the CPU build, so that pip finds torch satisfied and fetches no CUDA build.
	$(BIN)/python -m pip install --quiet --no-index --no-deps torch==2.13.0 2>/dev/null \
	  && $(BIN)/python -m pip install --quiet torch==2.13.0 \
	  && $(BIN)/python -m pip install --quiet e3nn==0.6.0 \
	  || echo "note: no local CPU build of torch 2.13.0; the PyTorch and e3nn tests are skipped"
	touch $(STAMP)

# pytest builds the manual too (tests/test_docs.py: html with warnings as errors, and
# its examples as doctests), so it cannot rot
test: $(STAMP)
	$(BIN)/ruff check intertwine tests examples
	$(BIN)/python -m pytest

# the manual, into docs/_build/html (warnings are errors; no network)
docs: $(STAMP)
	$(BIN)/sphinx-build -W -b html docs docs/_build/html

bases: $(BASE)
	$(BIN)/intertwine batch bases/catalog.toml --out-dir bases

gallery: $(STAMP)
	mkdir -p docs/gallery
	$(BIN)/python -m intertwine.show docs/gallery

bench: $(STAMP)
	$(BIN)/python bench/run.py
	$(BIN)/python bench/verify_bench.py
	$(BIN)/python bench/exact.py
	$(BIN)/python bench/anyn.py --json bench/anyn.json
	$(BIN)/python bench/wigner.py
	$(BIN)/python bench/robust.py
	$(BIN)/python bench/results.py

# batch --dask on a LocalCluster and --shard, against a local run (issue 14): ratios
bench-cluster: $(STAMP)
	$(BIN)/python bench/cluster.py
	$(BIN)/python bench/results.py

# Side by side with EMLP (issue 6). EMLP and jax (~900 MB) live in their own venv, never in
# `make test`; the pins are the versions this comparison was run with (six: objax imports it
# without declaring it).
EMLP_VENV := bench/.venv-emlp
$(EMLP_VENV)/.installed:
	$(PYTHON) -m venv $(EMLP_VENV)
	$(EMLP_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(EMLP_VENV)/bin/python -m pip install --quiet emlp==1.0.3 jax==0.10.2 jaxlib==0.10.2 \
	  objax==1.8.0 optax==0.2.8 plum-dispatch==2.10.1 six
	touch $@

bench-emlp: $(STAMP) $(EMLP_VENV)/.installed
	$(EMLP_VENV)/bin/python bench/emlp_compare.py --intertwine-venv $(VENV)
	$(BIN)/python bench/results.py

# Side by side with escnn (issue 12), in its own venv, never in `make test`.  torch is
# pinned first so that pip finds it satisfied (no CUDA download); escnn's py3nj needs a
# Fortran compiler and serves only SO(3), so escnn goes in without its dependencies and
# they follow (numpy<2: lie_learn's binary wheel is built against numpy 1).
ESCNN_VENV := bench/.venv-escnn
$(ESCNN_VENV)/.installed:
	$(PYTHON) -m venv $(ESCNN_VENV)
	$(ESCNN_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(ESCNN_VENV)/bin/python -m pip install --quiet torch==2.13.0
	$(ESCNN_VENV)/bin/python -m pip install --quiet --no-deps escnn==1.0.11 lie-learn==0.0.2 \
	  pymanopt==2.2.1
	$(ESCNN_VENV)/bin/python -m pip install --quiet numpy==1.26.4 scipy==1.13.1 autograd joblib \
	  requests
	touch $@

bench-escnn: $(STAMP) $(ESCNN_VENV)/.installed
	$(ESCNN_VENV)/bin/python bench/escnn_compare.py --intertwine-venv $(VENV)
	$(BIN)/python bench/results.py

lint: $(STAMP)
	$(BIN)/ruff check intertwine tests examples

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache .hypothesis
