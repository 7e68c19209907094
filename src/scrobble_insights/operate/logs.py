"""Logging: the console (text, or one JSON object per line with `--log-format json`) and a rotating
JSON-lines file in <data>/logs/.

Every record carries the run id of this invocation (`run_id`) and the fields bound with
`log_context(...)`; `extra=` fields (user, window, pages, retries, ...) go into the JSON object as they
are. Secrets are scrubbed from every message by RedactFilter on every handler.
"""

from __future__ import annotations

import logging
import os
import sys
import uuid
from contextlib import contextmanager
from contextvars import ContextVar
from logging.handlers import RotatingFileHandler
from pathlib import Path

from pythonjsonlogger.json import JsonFormatter

from scrobble_insights.config import RedactFilter, Settings

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LOG_FILE = "scrobble-insights.log"
MAX_BYTES = 5 * 1024 * 1024
BACKUPS = 5

_run_id: str | None = None
_fields: ContextVar[dict | None] = ContextVar("log_fields", default=None)


def set_run_id(run_id: str | None = None) -> str:
    """Use this run id (e.g. the orchestrator's) for every record from now on; None makes a new one."""
    global _run_id
    _run_id = run_id or uuid.uuid4().hex[:12]
    return _run_id


def current_run_id() -> str:
    """The run id of this invocation (made on first use)."""
    return _run_id or set_run_id()


@contextmanager
def log_context(**fields):
    """Records emitted inside the block (and tasks started in it) carry these fields."""
    token = _fields.set({**(_fields.get() or {}), **fields})
    try:
        yield
    finally:
        _fields.reset(token)


class ContextFilter(logging.Filter):
    """Adds run_id and the bound fields to each record (fields given with extra= win)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in {"run_id": current_run_id(), **(_fields.get() or {})}.items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class _LogFile(RotatingFileHandler):
    """Creates its directory when the first record comes; a file that cannot be written is skipped
    (the console still has every record)."""

    def _open(self):
        Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
        return super()._open()

    def handleError(self, record: logging.LogRecord) -> None:
        pass


def json_formatter() -> JsonFormatter:
    """ts (ISO 8601, UTC), level, logger, message, run_id, then every bound or extra field."""
    return JsonFormatter(["levelname", "name", "message", "run_id"], timestamp="ts",
                         rename_fields={"levelname": "level", "name": "logger"},
                         defaults={"ts": None})        # only to put ts first in each line


def _writable(path: Path) -> bool:
    """Can `path` (a directory, maybe not there yet) be created and written?"""
    while not path.exists():
        if path.parent == path:
            return False
        path = path.parent
    return path.is_dir() and os.access(path, os.W_OK | os.X_OK)


def _log_file(settings: Settings, max_bytes: int = MAX_BYTES, backups: int = BACKUPS) -> logging.Handler | None:
    """The rotating JSON-lines file in <data>/logs, or None when the data directory cannot be written."""
    directory = settings.data_dir / "logs"
    if not _writable(directory):
        return None
    file = _LogFile(directory / LOG_FILE, maxBytes=max_bytes, backupCount=backups, encoding="utf-8", delay=True)
    file.setLevel(logging.INFO)
    file.setFormatter(json_formatter())
    return file


def attach_log_file(settings: Settings, secrets: list[str]) -> None:
    """For processes whose logging belongs to someone else (Dagster's run workers): our own records
    also go to the rotating file, without touching the root logger. Idempotent."""
    logger = logging.getLogger("scrobble_insights")
    for handler in [h for h in logger.handlers if isinstance(h, _LogFile)]:
        if handler.baseFilename == os.path.abspath(settings.data_dir / "logs" / LOG_FILE):
            return
        logger.removeHandler(handler)       # another data directory (tests build several)
        handler.close()
    file = _log_file(settings)
    if file is not None:
        file.addFilter(RedactFilter(secrets))
        file.addFilter(ContextFilter())
        logger.addHandler(file)
    logger.setLevel(logging.INFO)


def setup_logging(settings: Settings, *, verbose: bool, log_format: str, secrets: list[str],
                  run_id: str | None = None, max_bytes: int = MAX_BYTES, backups: int = BACKUPS) -> str:
    """Configure the root logger; returns the run id. `log_format` is "text" or "json"."""
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.INFO if verbose or log_format == "json" else logging.WARNING)
    console.setFormatter(json_formatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    handlers: list[logging.Handler] = [console]
    file = _log_file(settings, max_bytes, backups)
    if file is not None:
        handlers.append(file)
    for handler in handlers:
        handler.addFilter(RedactFilter(secrets))
        handler.addFilter(ContextFilter())
    logging.basicConfig(level=logging.INFO, handlers=handlers, force=True)
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return set_run_id(run_id) if run_id else current_run_id()
