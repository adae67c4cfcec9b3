#!/usr/bin/env bash
# Set up a virtual environment with the test dependencies and run every suite:
# unit tests (sockets disabled) and integration tests (loopback servers; live
# DashScope tests run only when DASHSCOPE_API_KEY is set).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e '.[test]'
exec .venv/bin/python -m pytest -p no:cacheprovider "$@"
