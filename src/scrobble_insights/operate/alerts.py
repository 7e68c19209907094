"""Alerts: when a job fails, POST one JSON message to a webhook (Slack- and Discord-compatible) and
write it to the log. The webhook URL is a secret (it embeds a token): it is never printed."""

from __future__ import annotations

import json
import logging
import socket
from datetime import datetime, timezone
from pathlib import Path

import httpx

from scrobble_insights.config import Settings

log = logging.getLogger(__name__)


def alert_failure(settings: Settings, command: str, error: str, retry: str, run_id: str) -> bool:
    """A failed job or run, told once: state/alerts.log and the configured webhook (see send_alert)."""
    webhook = settings.alert_webhook.get_secret_value() if settings.alert_webhook else None
    return send_alert(webhook, {**failure_message(command, error, retry, str(settings.data_dir)), "run_id": run_id})


def failure_message(command: str, error: str, retry: str, data_dir: str) -> dict:
    """The payload: `text` for Slack, `content` for Discord, and the fields for anything else."""
    host = socket.gethostname()
    text = (f":warning: scrobble-insights `{command}` failed on {host}: {error}\n"
            f"Retry with: `{retry}`")
    return {"text": text, "content": text[:2000], "command": command, "error": error, "retry": retry,
            "host": host, "data_dir": data_dir}


def send_alert(webhook_url: str | None, payload: dict) -> bool:
    """POST the failure to the webhook if one is configured, then append it to <data>/state/alerts.log;
    True when delivered. The POST goes first and needs nothing of the data directory, so a full or
    read-only disk still gets its alert. (The console already shows the one-line error.)"""
    delivered = False
    if webhook_url:
        try:
            response = httpx.post(webhook_url, json=payload, timeout=10, trust_env=False)
            response.raise_for_status()
            delivered = True
        except httpx.HTTPError as exc:
            log.error("could not deliver the alert to the webhook (%s)", type(exc).__name__)
    path = Path(payload["data_dir"]) / "state" / "alerts.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"at": datetime.now(timezone.utc).isoformat(timespec="seconds"), **payload}) + "\n")
    except OSError as exc:
        log.info("could not write the alert to %s (%s)", path, exc.strerror or type(exc).__name__)
    return delivered
