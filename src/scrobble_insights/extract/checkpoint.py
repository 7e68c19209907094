"""Checkpoints: which windows of an extraction job are landed, so a crash resumes where it was.

One JSON file per (user, job range), rewritten atomically after every landed window. A run that
finishes removes its checkpoint; an interrupted one (even by SIGKILL) leaves it for the next run.
A checkpoint is only a note: the extractor still re-reads any day whose bronze file is missing.
"""

from __future__ import annotations

import json
import logging
from datetime import date, timedelta
from pathlib import Path

from scrobble_insights.bronze.files import write_atomic

log = logging.getLogger(__name__)


class Checkpoint:
    def __init__(self, state_dir: Path, user: str, first_day: date, last_day: date) -> None:
        self.path = state_dir / "checkpoints" / f"user={user}" / f"{first_day}_{last_day}.json"
        self._windows: list[tuple[date, date]] = _read(self.path) if self.path.exists() else []

    def done_days(self) -> set[date]:
        days: set[date] = set()
        for day, stop in self._windows:
            while day < stop:
                days.add(day)
                day += timedelta(days=1)
        return days

    def mark_done(self, start: date, end: date) -> None:
        """Record the landed window [start, end)."""
        self._windows.append((start, end))
        done = [[s.isoformat(), e.isoformat()] for s, e in self._windows]
        write_atomic(self.path, json.dumps({"done": done}).encode())

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


def _read(path: Path) -> list[tuple[date, date]]:
    """The windows of a checkpoint file; none (with a warning) when it is unreadable or oddly shaped."""
    try:
        return [(date.fromisoformat(start), date.fromisoformat(end))
                for start, end in json.loads(path.read_text(encoding="utf-8"))["done"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("ignoring the damaged checkpoint %s (%s: %s); its days are extracted again",
                    path, type(exc).__name__, exc)
        return []          # a damaged checkpoint only costs a refetch
