#!/usr/bin/env bash
# Refresh uv.lock: the newest versions pyproject.toml's ranges allow (or pass uv options, e.g.
# --upgrade-package streamlit). Run the tests afterwards: scripts/test.sh installs exactly the lock.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup-env.sh
exec .venv/bin/uv lock --upgrade "$@"
