# Reserva: every target builds its own virtual environment first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DATA   ?= sample-data
STORE  ?= $(DATA)/reserva.duckdb
# The last eight quarter ends of the sample programme, closed in order.
QUARTERS := 2024-03-31 2024-06-30 2024-09-30 2024-12-31 2025-03-31 2025-06-30 2025-09-30 2025-12-31

.PHONY: demo test lint bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,tables]'
	touch $@

## demo: sample programme -> period-end close of 8 quarter ends -> KPI table, in a DuckDB store
demo: $(BIN)/.installed
	$(BIN)/reserva sample $(DATA)
	$(BIN)/reserva validate $(DATA)
	$(BIN)/reserva close $(DATA) $(foreach q,$(QUARTERS),--valuation-date $(q)) --store $(STORE)
	$(BIN)/reserva runs --store $(STORE)

## test: the whole test suite
test: $(BIN)/.installed
	$(BIN)/python -m pytest -q

lint: $(BIN)/.installed
	$(BIN)/ruff check engine tests benchmarks

bench: $(BIN)/.installed
	$(BIN)/python benchmarks/bench_close.py

clean:
	rm -rf $(VENV) $(DATA) .pytest_cache
