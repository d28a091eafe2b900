# Developer shortcuts; `make check` is what to run before sending a change.
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: check lint test test-fast bench fixtures

check: lint test

lint: $(BIN)/python
	$(BIN)/ruff format --check voicemock tests bench scripts
	$(BIN)/ruff check voicemock tests bench scripts
	$(BIN)/mypy voicemock

test:
	bash scripts/dev.sh test

# The edit loop: no speech model, no real-time audio; three workers (most tests wait on I/O).
# On a fresh clone it first sets up what the tests need, as scripts/dev.sh test does.
test-fast: $(BIN)/python
	$(BIN)/python -m pytest -q -p no:cacheprovider -m "not slow" -n 3

$(BIN)/python:
	bash scripts/dev.sh setup

bench:
	bash scripts/dev.sh bench

fixtures:
	$(BIN)/python scripts/make_fixtures.py
