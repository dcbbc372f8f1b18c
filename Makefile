# Two commands set up and run everything: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
PACKAGES := core inventory payments routing logistics ledger errands shop
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test check lint install install-dev translations i18n-update migrate demo worker bench-routing bench-logistics bench-web bench-roads bench-ledger bench-outbound bench-outbound-day bench-quotes bench-errands lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps make a second `make run`/`make test` skip the install when nothing changed.
$(VENV)/.stamp-runtime: $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.stamp-dev: $(VENV)/.stamp-runtime
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

install: $(VENV)/.stamp-runtime translations
install-dev: $(VENV)/.stamp-dev translations

translations: $(VENV)/.stamp-runtime
	$(BIN)/pybabel compile --statistics -d shop/translations

# After adding interface strings: extract them, then translate the new empty msgstr.
i18n-update: install-dev
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location -o $(VENV)/messages.pot core shop inventory payments logistics ledger errands
	$(BIN)/pybabel update -i $(VENV)/messages.pot -d shop/translations --no-fuzzy-matching

migrate: install
	$(BIN)/alembic upgrade head

demo: migrate
	$(BIN)/flask --app shop.app demo load

run: demo
	@echo "村站 Cunzhan: http://127.0.0.1:$(PORT)"
	$(BIN)/flask --app shop.app run --host 127.0.0.1 --port $(PORT)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $(PACKAGES) tests benchmarks
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest

# Lint and the fast tests (markers applied in tests/conftest.py): the loop while working.
check: lint
	$(BIN)/pytest -q -m "not browser and not postgres and not slow"

worker: install
	$(BIN)/celery -A shop.worker worker --loglevel=info

bench-routing: install-dev
	$(BIN)/python -m benchmarks.routing

bench-web: install-dev  # needs Debian's wrk (apt-get install wrk)
	$(BIN)/python -m benchmarks.web

bench-logistics: install-dev
	$(BIN)/python -m benchmarks.logistics

bench-roads: install-dev
	$(BIN)/python -m benchmarks.roads

bench-ledger: install-dev  # PostgreSQL (CUNZHAN_BENCH_POSTGRES_URL)
	$(BIN)/python -m benchmarks.ledger

bench-outbound: install-dev
	$(BIN)/python -m benchmarks.outbound

bench-quotes: install-dev
	$(BIN)/python -m benchmarks.quotes

bench-outbound-day: install-dev  # PostgreSQL (CUNZHAN_BENCH_POSTGRES_URL)
	$(BIN)/python -m benchmarks.outbound_day

bench-errands: install-dev
	$(BIN)/python -m benchmarks.errands_month

# Refresh constraints.txt (the lock file) from what is installed and tested.
lock: install-dev
	$(BIN)/pip freeze --exclude-editable | grep -v '^cunzhan' > constraints.txt

clean:
	rm -rf $(VENV) instance .mypy_cache .ruff_cache
