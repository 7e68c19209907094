# Sourced by demo.sh and test.sh: create ./.venv and install the project with uv (fast, pinned by
# pyproject ranges). Idempotent: a second run only checks that everything is there.
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
if [ ! -x .venv/bin/uv ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check uv
fi
# Compiled bytecode makes every later start of the CLI faster (PYTHONDONTWRITEBYTECODE is set here).
UV_COMPILE_BYTECODE=1 .venv/bin/uv pip install --quiet --python .venv/bin/python -e '.[dev]'
# The browser tests drive Debian's Chromium through Playwright (never `playwright install`, which
# downloads a browser): install it on a fresh machine, without prompting.
if [ ! -x /usr/bin/chromium ]; then
  _sudo=""
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then _sudo="sudo"; fi
  $_sudo apt-get update -qq && $_sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
  unset _sudo
fi
