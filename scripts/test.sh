#!/usr/bin/env bash
# Set up a fresh environment (./.venv) with everything the tests need, then run them.
# Needs only Python 3.11+ and pip; extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup-env.sh
exec .venv/bin/python -m pytest "$@"
