# Two commands on a fresh machine: `make demo`, then `make test`. Each sets up .venv on its own.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SAMPLE := data/sample
DEMO   := data/demo
AS_OF  ?= 2026-11-20

.PHONY: demo test lab bench lock docs clean

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/tt-analytics demo --sample $(SAMPLE) --work $(DEMO) --as-of $(AS_OF)

test: $(STAMP)
	$(BIN)/python -m pytest -q

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

docs: $(STAMP)
	$(BIN)/tt-analytics docs

# Re-pin every dependency (run after editing pyproject.toml).
lock:
	$(BIN)/uv pip compile --quiet --python-version 3.11 --extra test pyproject.toml -o requirements.lock

clean:
	rm -rf $(VENV) $(DEMO) data/warehouse.duckdb
