# Sourced by demo.sh and test.sh: create ./.venv and install the project with uv, at the versions locked
# in uv.lock. Idempotent: a second run only checks that everything is there.
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
if [ ! -x .venv/bin/uv ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check uv
fi
# Exactly the versions in uv.lock (refresh it with scripts/lock.sh), the project itself editable.
# --inexact keeps pip and uv in the venv. Compiled bytecode makes every later start of the CLI faster.
UV_COMPILE_BYTECODE=1 UV_PROJECT_ENVIRONMENT=.venv .venv/bin/uv sync --quiet --frozen --inexact --extra dev \
  --python .venv/bin/python
# The browser tests drive Debian's Chromium through Playwright (never `playwright install`, which
# downloads a browser): install it on a fresh machine, without prompting.
if [ ! -x /usr/bin/chromium ]; then
  _sudo=""
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then _sudo="sudo"; fi
  $_sudo apt-get update -qq && $_sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
  unset _sudo
fi
