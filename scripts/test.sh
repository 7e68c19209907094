#!/usr/bin/env bash
# Set up a fresh environment (./.venv) with everything the tests need, then run them.
# Needs only Python 3.11+ and pip; extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup-env.sh
# The policy scan of infra/ (tests/infra) uses checkov, a tool with its own dependencies: it gets a
# virtual environment of its own, so it never moves the project's locked versions.
if [ ! -x .venv-tools/bin/checkov ]; then
  .venv/bin/uv venv --quiet --python .venv/bin/python .venv-tools
  .venv/bin/uv pip install --quiet --python .venv-tools/bin/python "checkov==3.3.30"
fi
# Tests run in parallel, one worker per core (pytest-xdist), a file's tests in one worker: almost
# every test is a CPU-bound process tree (dbt, DuckDB, Chromium). `-n 0` runs them in one process.
exec .venv/bin/python -m pytest -n auto --dist loadfile "$@"
