# vigie: make run | make test | make bench | make lint
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench lint migrate demo clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/vigie migrate
	$(BIN)/vigie demo --if-empty
	$(BIN)/vigie serve

migrate: $(STAMP)
	$(BIN)/vigie migrate

demo: $(STAMP)
	$(BIN)/vigie demo --if-empty

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	@set -e; for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b; done

lint: $(STAMP)
	$(BIN)/ruff check app badge_readers camera_ingest tests bench migrations
	$(BIN)/ruff format --check app badge_readers camera_ingest tests bench migrations
	$(BIN)/mypy app badge_readers

clean:
	rm -rf $(VENV) var .pytest_cache
