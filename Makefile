# The two commands a user needs: `make bases` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test bases bench lint clean gallery

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@# PyTorch, for the examples/torch_layer.py test, only where a CPU build lies on local
	@# disk (never a multi-GB CUDA download); elsewhere that test is skipped.
	$(BIN)/python -m pip install --quiet --no-index --no-deps torch==2.13.0 2>/dev/null \
	  && $(BIN)/python -m pip install --quiet torch==2.13.0 \
	  || echo "note: no local CPU build of torch 2.13.0; the PyTorch example test is skipped"
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/ruff check intertwine tests examples
	$(BIN)/python -m pytest

bases: $(STAMP)
	$(BIN)/intertwine batch bases/catalog.toml --out-dir bases

gallery: $(STAMP)
	mkdir -p docs/gallery
	$(BIN)/python -m intertwine.show docs/gallery

bench: $(STAMP)
	$(BIN)/python bench/run.py

lint: $(STAMP)
	$(BIN)/ruff check intertwine tests examples

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache .hypothesis
