# Two commands: `make run` (embedded mode on http://127.0.0.1:5000) and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
TRANSLATIONS := platform/aidbridge/translations
MO := $(TRANSLATIONS)/zh/LC_MESSAGES/messages.mo

.PHONY: run test test-sqlite test-postgres lint translations extract-messages worker scheduler clean

run: $(STAMP) translations
	$(FLASK) setup
	$(FLASK) serve

test: $(DEV_STAMP) translations
	$(MAKE) test-sqlite
ifneq ($(strip $(TEST_DATABASE_URL)),)
	$(MAKE) test-postgres
endif

# The whole suite on an embedded SQLite database.
test-sqlite:
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest $(PYTEST_ARGS)

# The whole suite again on PostgreSQL (and Redis when TEST_REDIS_URL is set).
test-postgres:
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

translations: $(MO)

$(MO): $(TRANSLATIONS)/zh/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile -d $(TRANSLATIONS)

extract-messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -k N_ -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS)

worker: $(STAMP)
	$(FLASK) worker

scheduler: $(STAMP)
	$(FLASK) scheduler

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): $(VENV)/bin/python pyproject.toml
	$(BIN)/python -m pip install -q -e .
	touch $@

$(DEV_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
