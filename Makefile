# The README's two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
# Links in mail and the calendar feed point where `make run` serves (PORT=5301 → :5301),
# unless KAKEHASHI_BASE_URL is set in the environment.
KAKEHASHI_BASE_URL ?= http://$(HOST):$(PORT)

.PHONY: run test install translations messages db lint bench fuzz clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP) translations

translations: $(STAMP)
	@$(BIN)/pybabel compile --use-fuzzy -d community/translations -D messages >/dev/null

# Re-extract UI strings after changing templates or code, then translate the new entries.
# --ignore-dirs: Babel skips folders starting with "_" by default, which hides templates/_macros.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs '.* __pycache__ .venv' -o /tmp/kakehashi-messages.pot .
	$(BIN)/pybabel update -i /tmp/kakehashi-messages.pot -d community/translations --no-fuzzy-matching

db: install
	@mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) seed reference
	$(FLASK) seed demo --if-empty
	$(FLASK) reference match-organisations
	$(FLASK) search reindex
	$(FLASK) markdown rerender

run: db
	@$(FLASK) seed logins
	@echo "Serving on http://$(HOST):$(PORT)/"
	KAKEHASHI_BASE_URL=$(KAKEHASHI_BASE_URL) $(FLASK) run --host $(HOST) --port $(PORT)

test: install
	$(BIN)/ruff check community tests bench
	bash scripts/test.sh

# Longer random fuzzing of every route and Socket.IO handler (tests/test_fuzz.py); the suite runs
# a small derandomised profile. FUZZ_EXAMPLES per route and role; add KAKEHASHI_TEST_DB=… for PostgreSQL.
FUZZ_EXAMPLES ?= 60
fuzz: install
	KAKEHASHI_FUZZ_PROFILE=fuzz KAKEHASHI_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -q tests/test_fuzz.py

lint: install
	$(BIN)/ruff check community tests bench
	$(BIN)/ruff format --check community tests bench

bench: install
	$(BIN)/python -m bench.people_directory
	$(BIN)/python -m bench.questions
	$(BIN)/python -m bench.registration

clean:
	rm -rf $(VENV) instance/*.db .pytest_cache
