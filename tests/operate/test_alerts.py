"""Alerts: one POST to the webhook on 127.0.0.1 with the documented fields, a line in state/alerts.log,
no exception when the webhook is down or fails, and the webhook's URL (a secret) written nowhere."""

from __future__ import annotations

import json
import logging
import socket

from scrobble_insights.operate.alerts import alert_failure, failure_message, send_alert


def alerts_log(data_dir) -> list[dict]:
    path = data_dir / "state" / "alerts.log"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def closed_port_url() -> str:
    """A loopback URL nobody listens on (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/services/T0SECRET/B0SECRET/xoxb-closed"


def test_send_alert_posts_once_and_logs_the_alert(webhook, tmp_path, caplog):
    payload = failure_message("run", "last.fm error 11 (service offline)", "scrobble-insights run --user alice",
                              str(tmp_path))
    with caplog.at_level(logging.DEBUG, logger="scrobble_insights"):
        assert send_alert(webhook.url, payload) is True
    [(method, path, headers, body)] = webhook.received
    assert method == "POST" and path == f"/services/{webhook.token}"
    assert headers["Content-Type"] == "application/json"
    assert body == payload
    [logged] = alerts_log(tmp_path)
    assert {k: v for k, v in logged.items() if k != "at"} == payload and logged["at"].endswith("+00:00")
    text = (tmp_path / "state" / "alerts.log").read_text() + caplog.text
    assert webhook.token not in text and str(webhook.httpd.server_address[1]) not in text


def test_the_payload_suits_slack_discord_and_anything_else(tmp_path):
    payload = failure_message("backfill", "x" * 3000, "scrobble-insights backfill --since 2026-01-01", "/srv/data")
    host = socket.gethostname()
    assert set(payload) == {"text", "content", "command", "error", "retry", "host", "data_dir"}
    assert payload["text"].startswith(f":warning: scrobble-insights `backfill` failed on {host}: xxx")
    assert payload["text"].endswith("Retry with: `scrobble-insights backfill --since 2026-01-01`")
    assert len(payload["content"]) == 2000 and payload["text"].startswith(payload["content"])   # Discord's limit
    assert payload["host"] == host and payload["data_dir"] == "/srv/data" and payload["error"] == "x" * 3000


def test_a_webhook_answering_500_is_not_retried_nor_raised(webhook, tmp_path, caplog):
    webhook.status = 500
    with caplog.at_level(logging.ERROR, logger="scrobble_insights.operate.alerts"):
        assert send_alert(webhook.url, failure_message("run", "boom", "again", str(tmp_path))) is False
    assert len(webhook.received) == 1
    assert "could not deliver the alert" in caplog.text and "HTTPStatusError" in caplog.text
    assert webhook.token not in caplog.text
    [logged] = alerts_log(tmp_path)
    assert logged["error"] == "boom" and webhook.token not in json.dumps(logged)


def test_a_webhook_that_is_down_is_not_raised(tmp_path, caplog):
    url = closed_port_url()
    with caplog.at_level(logging.ERROR, logger="scrobble_insights.operate.alerts"):
        assert send_alert(url, failure_message("run", "boom", "again", str(tmp_path))) is False
    assert "ConnectError" in caplog.text and "xoxb-closed" not in caplog.text
    assert [a["error"] for a in alerts_log(tmp_path)] == ["boom"]


def test_without_a_webhook_the_alert_is_only_logged(tmp_path):
    assert send_alert(None, failure_message("run", "boom", "again", str(tmp_path))) is False
    assert [a["command"] for a in alerts_log(tmp_path)] == ["run"]


def test_an_unwritable_data_directory_still_gets_its_alert_delivered(webhook, tmp_path):
    (tmp_path / "state").write_text("a file where the state directory should be")
    assert send_alert(webhook.url, failure_message("run", "no space left", "again", str(tmp_path))) is True
    assert [body["error"] for *_, body in webhook.received] == ["no space left"]


def test_alert_failure_sends_the_configured_webhook_with_the_run_id(webhook, settings_at):
    settings = settings_at(alert_webhook=webhook.url)
    assert alert_failure(settings, "transform", "dbt failed", "scrobble-insights transform", "run123") is True
    [(_, _, _, body)] = webhook.received
    assert body["run_id"] == "run123" and body["command"] == "transform"
    assert body["data_dir"] == str(settings.data_dir)
    [logged] = alerts_log(settings.data_dir)
    assert logged["run_id"] == "run123"
    assert webhook.token not in (settings.data_dir / "state" / "alerts.log").read_text()
