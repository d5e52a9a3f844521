# Reserva: every target builds its own virtual environment first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DATA   ?= sample-data
STORE  ?= $(DATA)/reserva.duckdb
# The last eight quarter ends of the sample programme, closed in order.
QUARTERS := 2024-03-31 2024-06-30 2024-09-30 2024-12-31 2025-03-31 2025-06-30 2025-09-30 2025-12-31

.PHONY: demo test lint bench bench-env clean wheel-check

# The install says what it is doing: pip lists each package as it is collected and installed.
$(BIN)/.installed: pyproject.toml
	@echo "reserva: creating the virtual environment $(VENV) with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)
	@echo "reserva: upgrading pip in $(VENV)"
	$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "reserva: installing Reserva and its dependencies (numpy, pandas, numba, duckdb, ...): a minute or two the first time"
	$(BIN)/python -m pip install --progress-bar on -e '.[dev,tables]'
	@echo "reserva: installed in $(VENV)"
	touch $@

## demo: sample programme -> period-end close of 8 quarter ends -> KPI table, in a DuckDB store
##       -> stress check -> 5-year projection -> back-test of the 2024 year-end close
##       -> the EsSalud social health budget and its scenarios
##       -> model-point projections of the bundled microlife basis under 200 Hull-White paths
demo: $(BIN)/.installed
	$(BIN)/reserva sample $(DATA)
	$(BIN)/reserva validate $(DATA)
	$(BIN)/reserva close $(DATA) $(foreach q,$(QUARTERS),--valuation-date $(q)) --store $(STORE)
	$(BIN)/reserva runs --store $(STORE)
	$(BIN)/reserva stress --store $(STORE)
	$(BIN)/reserva project --store $(STORE) --years 5 --period year
	$(BIN)/reserva project --store $(STORE) --backtest --from-run 4 --to-run 8
	$(BIN)/reserva budget essalud --store $(STORE)
	$(BIN)/reserva project-points \
		"$$($(BIN)/python -c 'from reserva.points import sample_points; print(sample_points("microlife"))')" \
		--basis microlife --stochastic 200 --seed 1

## test: the whole test suite (hypothesis derandomised, as in CI: HYPOTHESIS_PROFILE=dev explores)
test: $(BIN)/.installed
	HYPOTHESIS_PROFILE=$${HYPOTHESIS_PROFILE:-ci} $(BIN)/python -m pytest -q

## wheel-check: a plain (non-editable) install works: build the wheel, install it into a fresh
## environment, and run sample, close, life, ibnr, budget (the bundled set) and project-points
## (a bundled basis and its sample points) from it in a folder of its own
WHEEL_DIR ?= build/wheel-check
wheel-check: $(BIN)/.installed
	rm -rf $(WHEEL_DIR)
	$(BIN)/python -m pip wheel --quiet --no-deps -w $(WHEEL_DIR)/dist .
	$(PYTHON) -m venv $(WHEEL_DIR)/venv
	$(WHEEL_DIR)/venv/bin/python -m pip install --quiet $(WHEEL_DIR)/dist/reserva-*.whl
	cd $(WHEEL_DIR) && venv/bin/reserva assumptions check default
	cd $(WHEEL_DIR) && venv/bin/reserva sample pack --policies 2000
	cd $(WHEEL_DIR) && venv/bin/reserva close pack --valuation-date 2025-12-31 --store runs.duckdb --quiet
	cd $(WHEEL_DIR) && venv/bin/reserva life --product endowment --age 40 --term 20
	cd $(WHEEL_DIR) && printf 'origin,12,24,36\n2023,100,150,165\n2024,110,165,\n2025,120,,\n' > tri.csv \
		&& venv/bin/reserva ibnr tri.csv --method mack
	cd $(WHEEL_DIR) && venv/bin/reserva budget essalud --years 2003-2005 --no-save
	cd $(WHEEL_DIR) && venv/bin/reserva project-points \
		"$$(venv/bin/python -c 'from reserva.points import sample_points; print(sample_points("basicterm_s"))')" \
		--basis basicterm_s --format csv > pv.csv && head -3 pv.csv

lint: $(BIN)/.installed
	$(BIN)/ruff check engine tests benchmarks

bench: $(BIN)/.installed
	$(BIN)/python benchmarks/bench_close.py

## bench-env: a separate environment with Reserva and lifelib (its basiclife library models) side
##            by side, for the comparison; benchmarks/lifelib_export.py runs in it
BENCH_VENV ?= .venv-bench
LIFELIB_VERSION ?= 0.17.2
MODELX_VERSION ?= 0.33.0
# modelx reads the models' tables from their .xlsx files with openpyxl
OPENPYXL_VERSION ?= 3.1.5
bench-env: $(BENCH_VENV)/bin/.installed

$(BENCH_VENV)/bin/.installed: pyproject.toml
	@echo "reserva: creating the benchmark environment $(BENCH_VENV) with $(PYTHON)"
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install --progress-bar on -e . \
		lifelib==$(LIFELIB_VERSION) modelx==$(MODELX_VERSION) openpyxl==$(OPENPYXL_VERSION)
	@echo "reserva: installed Reserva, lifelib $(LIFELIB_VERSION), modelx $(MODELX_VERSION) in $(BENCH_VENV)"
	touch $@

clean:
	rm -rf $(VENV) $(DATA) .pytest_cache
