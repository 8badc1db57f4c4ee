# make run  – install into .venv, migrate, load the demo content, serve on 127.0.0.1:$(PORT)
# make test – install the test extra and run every test (SQLite, then PostgreSQL if
#             TEST_DATABASE_URL is set), on PYTEST_WORKERS processes (PYTEST_WORKERS=0: one)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
# pytest-xdist workers for `make test`: one per core ("auto"), or a number; 0 runs the suite in
# one process. Each worker has its own PostgreSQL database (tests/conftest.py). With
# worksteal, a worker left idle takes tests queued for another: one route-walk test alone runs
# for over a minute. The 15 slowest tests are listed at the end, to show where the time goes.
PYTEST_WORKERS ?= auto
PYTEST := $(BIN)/pytest -n $(PYTEST_WORKERS) --dist worksteal --durations=15
# A local run: a development SECRET_KEY is generated into instance/, cookies work over http.
# The same setting is written into .env, so that `.venv/bin/flask --app app …` typed by hand
# (create-admin, sync-stripe, db migrate…) runs in development too.
FLASK := STORE_ENV=$${STORE_ENV:-development} $(BIN)/flask --app app

.PHONY: run test install install-test translations lint seed clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

translations: install
	$(BIN)/pybabel compile --use-fuzzy -d store/translations -f 2>&1 | grep -v '^compiling' || true

run: install translations .env
	@grep -Eqs '^[^#]*STORE_ENV.*development' .env || echo \
		'Note: .env does not set STORE_ENV=development: `.venv/bin/flask` typed by hand runs as production.'
	$(FLASK) db upgrade
	$(FLASK) store seed
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

seed: install .env
	$(FLASK) store seed

# Written once, when there is no .env yet: a .env of your own is never touched. It is not in
# git, so a clone deployed to production never has it.
.env:
	@printf '%s\n' \
		'# Local development settings, written by `make run` (it never overwrites this file).' \
		'# STORE_ENV=development generates a SECRET_KEY into instance/ and lets cookies travel' \
		'# over plain http: never use it in production (README.md, "Production").' \
		'STORE_ENV=development' > $@
	@echo 'Wrote .env (STORE_ENV=development) for the `.venv/bin/flask --app app` commands.'

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/bandit -q -r store

test: install-test translations lint
	@echo "== tests on SQLite"
	env -u TEST_DATABASE_URL $(PYTEST)
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== tests on PostgreSQL ($$TEST_DATABASE_URL)"; \
		$(PYTEST); \
	fi

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
