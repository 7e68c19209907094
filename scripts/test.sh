#!/usr/bin/env bash
# Set up a fresh environment (./.venv) with everything the tests need, then run them.
# Needs only Python 3.11+ and pip; extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup-env.sh
# Tests run in parallel, one worker per core (pytest-xdist), a file's tests in one worker: almost
# every test is a CPU-bound process tree (dbt, DuckDB, Chromium). `-n 0` runs them in one process.
exec .venv/bin/python -m pytest -n auto --dist loadfile "$@"
