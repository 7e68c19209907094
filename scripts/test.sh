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
# The BigQuery emulator of tests/cloud (local-bigquery) needs Python 3.13: its own .venv-emulators.
# It runs on DuckDB 1.5.5 (not the 2.x it asks for, whose ducklake extension no package ships) with the
# extensions it loads, from PyPI's packages, installed into the environment's own home
# (.venv-emulators/home/.duckdb; the emulator runs with that HOME): DuckDB would otherwise download them.
# Without Python 3.13 the cloud tests skip. See docs/cloud-emulators.md.
if [ ! -x .venv-emulators/bin/local-bigquery ] || [ ! -d .venv-emulators/home/.duckdb ]; then
  python313=""
  for candidate in "$(command -v python3.13 || true)" "$HOME"/.pyenv/versions/3.13*/bin/python3.13; do
    if [ -z "$python313" ] && [ -x "$candidate" ] && "$candidate" -c "" 2>/dev/null; then   # a pyenv shim may not run
      python313=$candidate
    fi
  done
  if [ -n "$python313" ]; then
    .venv/bin/uv venv --quiet --allow-existing --python "$python313" .venv-emulators
    echo "duckdb==1.5.5" > .venv-emulators/overrides.txt
    extensions="ducklake icu spatial httpfs"
    .venv/bin/uv pip install --quiet --python .venv-emulators/bin/python --override .venv-emulators/overrides.txt \
      "local-bigquery==0.4.0" duckdb-extensions==1.5.5 $(for e in $extensions; do echo "duckdb-extension-$e==1.5.5"; done)
    mkdir -p .venv-emulators/home
    HOME="$PWD/.venv-emulators/home" .venv-emulators/bin/python -c "
import sys
from duckdb_extensions import import_extension
for name in sys.argv[1:]:
    import_extension(name)" $extensions
  else
    echo "no Python 3.13 (python3.13 on PATH or ~/.pyenv/versions/3.13*): the BigQuery emulator tests will skip"
  fi
fi
# Tests run in parallel, one worker per core (pytest-xdist), a file's tests in one worker: almost
# every test is a CPU-bound process tree (dbt, DuckDB, Chromium). `-n 0` runs them in one process.
exec .venv/bin/python -m pytest -n auto --dist loadfile --durations=15 "$@"
