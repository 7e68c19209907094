"""Checkpoints: which windows of an extraction job are landed, so a crash resumes where it was.

One JSON file per (user, job range), rewritten atomically after every landed window. A run that
finishes removes its checkpoint; an interrupted one (even by SIGKILL) leaves it for the next run.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from scrobble_insights.extract.bronze import write_atomic


class Checkpoint:
    def __init__(self, state_dir: Path, user: str, first_day: date, last_day: date) -> None:
        self.path = state_dir / "checkpoints" / f"user={user}" / f"{first_day}_{last_day}.json"
        self._windows: list[list[str]] = []
        if self.path.exists():
            try:
                self._windows = json.loads(self.path.read_text())["done"]
            except (ValueError, KeyError):
                self._windows = []   # a damaged checkpoint only costs a refetch

    def done_days(self) -> set[date]:
        days: set[date] = set()
        for start, end in self._windows:
            day, stop = date.fromisoformat(start), date.fromisoformat(end)
            while day < stop:
                days.add(day)
                day += timedelta(days=1)
        return days

    def mark_done(self, start: date, end: date) -> None:
        """Record the landed window [start, end)."""
        self._windows.append([start.isoformat(), end.isoformat()])
        write_atomic(self.path, json.dumps({"done": self._windows}).encode())

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
