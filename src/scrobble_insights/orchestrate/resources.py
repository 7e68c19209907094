"""The resources the assets and sensors use: what they need from Settings, built once per code location.

- `orchestration`: an `Orchestration`, a plain object holding the settings, the users and the retry
  policy (Dagster hands it to whoever asks for `dg.ResourceParam[Orchestration]`). Its `step` is what
  every asset does around its work: hold the data directory's lock, publish the warehouse for
  readers after a writing step, turn a transient failure into a retry.
- `dbt`: dagster-dbt's `DbtCliResource` on our dbt project, with the profile of the data directory
  (the one with the warehouse's absolute path: dagster-dbt starts dbt in the project's directory).
"""

# No `from __future__ import annotations`: Dagster reads the annotations at definition time.
import shutil
import sys
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from scrobble_insights.config import Settings, redact
from scrobble_insights.errors import ExtractError, LockedError, TransientLastfmError
from scrobble_insights.operate import steps
from scrobble_insights.operate.logs import log_context, set_run_id
from scrobble_insights.operate.runlog import job_lock
from scrobble_insights.transform.dbt import PROJECT_DIR, write_profiles

TRANSIENT = (LockedError, TransientLastfmError, ExtractError)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Orchestration:
    """The settings and users the definitions serve. `names` are the users' names in asset keys;
    `clock` pins "now" (dbt's today, tag staleness) in tests."""

    settings: Settings
    users: list[str]
    names: dict[str, str]
    clock: Callable[[], datetime] = utc_now
    retry_delay_s: float = 120.0
    max_retries: int = 3

    @property
    def secrets(self) -> list[str]:
        return self.settings.secrets()

    def today(self) -> date:
        return self.clock().date()

    def extract_key(self, user: str) -> dg.AssetKey:
        """The asset of `user`'s bronze scrobbles."""
        return dg.AssetKey(["bronze", self.names[user], "scrobbles"])

    @contextmanager
    def step(self, context: dg.AssetExecutionContext, what: str, publish: bool = True):
        """Hold the data directory; turn a transient failure into a retry with exponential backoff.
        A step that wrote the warehouse publishes it for readers before it lets go."""
        set_run_id(context.run.run_id)
        try:
            with log_context(command=f"dagster {what}"), \
                    job_lock(self.settings.data_dir, f"dagster run {context.run.run_id[:8]} ({what})"):
                try:
                    yield
                finally:
                    if publish:
                        steps.publish_for_readers(self.settings)
        except TRANSIENT as exc:
            if context.retry_number >= self.max_retries:
                raise                                   # the run fails with the cause itself
            wait = self.retry_delay_s * 2 ** context.retry_number
            context.log.warning(f"{what}: {redact(str(exc), self.secrets)}; retry {context.retry_number + 1} of "
                                f"{self.max_retries} in {wait:.0f}s")
            raise dg.RetryRequested(max_retries=self.max_retries, seconds_to_wait=wait) from exc


def dbt_resource(settings: Settings) -> DbtCliResource:
    """dbt on our project, with the data directory's profile (its warehouse as the target). The profile
    names the warehouse by its absolute path: dagster-dbt runs dbt (and opens its adapter) in the
    project's directory, not in the warehouse's as run_dbt does."""
    return DbtCliResource(project_dir=str(PROJECT_DIR), profiles_dir=str(write_profiles(settings, absolute=True)),
                          target=settings.warehouse, dbt_executable=dbt_executable())


def dbt_executable() -> str:
    """dbt beside our Python (a venv need not be activated for the orchestrator to find it)."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")
