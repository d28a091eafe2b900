# Developer shortcuts; `make check` is what to run before sending a change.
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: check lint test bench fixtures

check: lint test

lint:
	$(BIN)/ruff format --check voicemock tests bench scripts
	$(BIN)/ruff check voicemock tests bench scripts
	$(BIN)/mypy voicemock

test:
	bash scripts/dev.sh test

bench:
	bash scripts/dev.sh bench

fixtures:
	$(BIN)/python scripts/make_fixtures.py
