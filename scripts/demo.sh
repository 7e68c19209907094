#!/usr/bin/env bash
# Set up a fresh environment (./.venv) and run the demo end to end on the embedded defaults:
# a local last.fm simulator -> bronze files -> DuckDB warehouse. Extra arguments go to `demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup-env.sh
exec .venv/bin/scrobble-insights demo "$@"
