"""`scrobble-insights orchestrate`: Dagster's web UI and daemon on 127.0.0.1 with our definitions.

Dagster itself is imported only by the modules beside this one (`definitions.py` assembles assets,
resources, jobs, schedules and sensors, in Dagster's own processes), so the CLI stays quick.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

import yaml

from scrobble_insights.config import Settings, UserProfile, disable_telemetry
from scrobble_insights.errors import ConfigError

LOCATION = "scrobble_insights.orchestrate.location"
ORCHESTRATED_USERS = "SCROBBLE_INSIGHTS_ORCHESTRATE_USERS"     # set by `orchestrate --user`

# The Dagster instance: telemetry off, one run at a time (runs queue rather than race for the lock).
INSTANCE = {
    "telemetry": {"enabled": False},
    "concurrency": {"runs": {"max_concurrent_runs": 1}},
    # Our log records (windows, pages, retries) also show in each run's log in the UI.
    "python_logs": {"managed_python_loggers": ["scrobble_insights"], "python_log_level": "INFO"},
}


def dagster_home(settings: Settings) -> Path:
    """$DAGSTER_HOME in the data directory, with our dagster.yaml."""
    home = settings.data_dir.resolve() / "dagster"
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(yaml.safe_dump(INSTANCE, sort_keys=False))
    return home


def asset_names(users: list[str]) -> dict[str, str]:
    """Each user's name in Dagster asset keys ('-' is not allowed there); two users must not share one."""
    names: dict[str, str] = {}
    for user in users:
        name = user.lower().replace("-", "_")
        if name in names.values():
            other = next(u for u, n in names.items() if n == name)
            raise ConfigError(f"users {other!r} and {user!r} would share the Dagster asset bronze/{name}/scrobbles: "
                              "orchestrate one of them from a data directory of its own")
        names[user] = name
    return names


def dagster_env(settings: Settings, users: list[str]) -> dict[str, str]:
    """The environment Dagster's processes need to build the same Settings as ours: every configured
    profile (time zones, hemisphere, moves: the environment would otherwise hide the TOML's), plus
    the orchestrated users, named apart."""
    disable_telemetry()
    profiles = [*settings.users, *(UserProfile(name=u) for u in users if u.lower() not in
                                   {p.name.lower() for p in settings.users})]
    return {**os.environ, "DAGSTER_HOME": str(dagster_home(settings)),
            "SCROBBLE_INSIGHTS_DATA_DIR": str(settings.data_dir.resolve()),
            "SCROBBLE_INSIGHTS_USERS": json.dumps([p.model_dump(mode="json") for p in profiles]),
            ORCHESTRATED_USERS: json.dumps(users),
            # `dagster dev` is "superseded" by the separate `dg` tool, which we do not install.
            "PYTHONWARNINGS": "ignore:Function `dev_command` is superseded:FutureWarning"}


def launch(settings: Settings, port: int, users: list[str]) -> None:
    """Become `dagster dev` (web UI + daemon + code server) on 127.0.0.1: Ctrl-C or SIGTERM reach it
    directly and it stops its children.

    A shell starts background jobs with SIGINT ignored, an ignored signal stays ignored across exec,
    and Dagster gives SIGTERM whatever SIGINT has: so both go back to their defaults first (Python
    then turns SIGINT into KeyboardInterrupt again, and Dagster SIGTERM too)."""
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, signal.SIG_DFL)
    dagster = str(Path(sys.executable).parent / "dagster")
    os.execve(dagster, [dagster, "dev", "-m", LOCATION, "-h", "127.0.0.1", "-p", str(port)],
              dagster_env(settings, users))
