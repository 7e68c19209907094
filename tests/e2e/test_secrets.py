"""The API key appears nowhere: logs, output, exceptions, files under the data directory."""

import asyncio
import gzip
import io
import json
import logging
import socket
import traceback
from datetime import timedelta

import pytest

from scrobble_insights.errors import LastfmError
from scrobble_insights.lastfm.client import ClientOptions, LastfmClient
from support import TEST_KEY, TODAY, cli_env, run_cli


def files_contain_key(root) -> list[str]:
    hits = []
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        if TEST_KEY.encode() in data:
            hits.append(str(path))
    return hits


@pytest.mark.slow
def test_key_never_printed_logged_or_written_during_a_faulty_backfill(simulator, tmp_path):
    sim, server = simulator(fault_rate=0.3, timeout_fault_s=1.2, years=0.3)
    data = tmp_path / "data"
    env = cli_env(server, data)
    result = run_cli(["backfill", "-u", "alice", "--since", str(TODAY - timedelta(days=30)),
                      "--until", str(TODAY - timedelta(days=1)), "--verbose"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "retrying" in result.stderr                     # the verbose log did talk about the faults
    assert TEST_KEY not in result.stdout + result.stderr
    assert files_contain_key(data) == []
    assert (data / "warehouse.duckdb").exists()


def test_invalid_key_error_names_the_problem_not_the_key(simulator, tmp_path):
    _, server = simulator(api_key="0" * 32)
    result = run_cli(["backfill", "-u", "alice", "--since", str(TODAY - timedelta(days=3))],
                     cli_env(server, tmp_path / "data"), tmp_path)
    assert result.returncode == 1
    assert "LASTFM_API_KEY" in result.stderr and "error 10" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert TEST_KEY not in result.stdout + result.stderr


def test_client_exceptions_and_logs_hold_no_key(caplog):
    caplog.set_level(logging.DEBUG)
    with socket.socket() as probe:                         # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async def call():
        options = ClientOptions(rate_limit=100, max_attempts=2, backoff_s=0.01, timeout_s=1)
        async with LastfmClient(TEST_KEY, f"http://127.0.0.1:{port}/2.0/", options) as client:
            await client.call("user.getInfo", user="alice")

    with pytest.raises(LastfmError) as caught:                 # never reached: fails fast, naming the URL
        asyncio.run(call())
    rendered = "".join(traceback.format_exception(caught.value))
    assert f"cannot connect to http://127.0.0.1:{port}/2.0/" in str(caught.value)
    assert TEST_KEY not in rendered and TEST_KEY not in repr(caught.value)
    assert TEST_KEY not in caplog.text


def test_log_records_are_scrubbed_in_extra_fields_and_tracebacks_too():
    from scrobble_insights.config import RedactFilter
    from scrobble_insights.operate.logs import json_formatter

    lines = io.StringIO()
    handler = logging.StreamHandler(lines)
    handler.setFormatter(json_formatter())
    handler.addFilter(RedactFilter([TEST_KEY]))
    log = logging.getLogger("scrobble_insights.test_secrets")
    log.addHandler(handler)
    try:
        try:
            raise ValueError(f"bad key {TEST_KEY}")
        except ValueError:
            log.error("failed with %s", TEST_KEY, exc_info=True, extra={"url": f"http://h/?api_key={TEST_KEY}"})
    finally:
        log.removeHandler(handler)
    record = json.loads(lines.getvalue())
    assert record["message"] == "failed with ***" and record["url"] == "http://h/?api_key=***"
    assert "ValueError: bad key ***" in record["exc_info"] and TEST_KEY not in lines.getvalue()
