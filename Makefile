# Developer shortcuts; `make check` is what to run before sending a change.
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: check lint test test-fast bench fixtures

check: lint test

lint:
	$(BIN)/ruff format --check voicemock tests bench scripts
	$(BIN)/ruff check voicemock tests bench scripts
	$(BIN)/mypy voicemock

test:
	bash scripts/dev.sh test

# The edit loop: no speech model, no real-time audio; three workers (most tests wait on I/O).
test-fast:
	$(BIN)/python -m pytest -q -p no:cacheprovider -m "not slow" -n 3

bench:
	bash scripts/dev.sh bench

fixtures:
	$(BIN)/python scripts/make_fixtures.py
