.PHONY: test unit_test integration_test lint format bench

PY ?= .venv/bin/python

test:
	bash scripts/test.sh

unit_test:
	$(PY) -m pytest tests/unit_tests -q

integration_test:
	$(PY) -m pytest tests/integration_tests -q

lint:
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy langchain_qwen
	$(PY) scripts/house.py

format:
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench:
	$(PY) bench/run.py
	$(PY) bench/embeddings.py
