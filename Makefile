VENV ?= .venv
PY := $(VENV)/bin/python
PIPECHECK := $(VENV)/bin/pipecheck

.PHONY: demo test lint bench clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	@# an editable install leaves pipecheck uncompiled, where a wheel's is compiled: under
	@# PYTHONDONTWRITEBYTECODE every run would compile it again (bench/README.md: start-up)
	$(PY) -m compileall -q pipecheck
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

demo: $(VENV)/.installed
	@echo "== a file that holds its contract =="
	$(PIPECHECK) validate sample_data/orders.csv sample_data/orders.parquet
	@echo
	@echo "== a file that violates it (exit 1 expected) =="
	@$(PIPECHECK) validate sample_data/orders_bad.csv; code=$$?; \
	  if [ $$code -ne 1 ]; then echo "expected exit 1 (violations), got $$code"; exit 1; fi; \
	  echo "(exit 1: the file violates its contract, as expected)"
	@echo
	@echo "== a file that holds its contract but drifted from its baseline (exit 1 expected) =="
	@$(PIPECHECK) validate sample_data/orders_drifted.csv --baseline baselines/orders.json; code=$$?; \
	  if [ $$code -ne 1 ]; then echo "expected exit 1 (drift), got $$code"; exit 1; fi; \
	  echo "(exit 1: amounts, statuses and countries moved from baselines/orders.json, as expected)"

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check pipecheck tests bench
	$(VENV)/bin/ruff format --check pipecheck tests bench
	$(VENV)/bin/mypy pipecheck
	$(VENV)/bin/lint-imports

test: lint
	$(VENV)/bin/pytest -n 2 -q

bench: $(VENV)/.dev-installed
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
