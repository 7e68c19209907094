"""Fixtures for the browser tests: one headless Debian Chromium per module, and dashboard servers
on free loopback ports (stopped at the end of the module). Pages refuse every request that is not
for 127.0.0.1 and record it, so a test can prove the dashboard never reaches the internet."""

from __future__ import annotations

import socket
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import sync_playwright

from scrobble_insights.serve.dashboard import start, wait_until_healthy
from support import built_once

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--disable-quic"]
VIEWPORT = {"width": 1400, "height": 900}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/setup-env.sh (it installs Debian's chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def dashboard():
    """Factory: serve the dashboard over a warehouse path; returns its base URL."""
    running = []

    def serve(warehouse_path: Path) -> str:
        port = free_port()
        process = start(warehouse_path, port, quiet=True)
        running.append(process)
        wait_until_healthy(port, timeout=60, process=process)
        return f"http://127.0.0.1:{port}"

    yield serve
    for process in running:
        process.terminate()
    for process in running:
        try:
            process.wait(timeout=20)
        except Exception:         # noqa: BLE001 - never leave a server behind
            process.kill()
            process.wait()


@pytest.fixture
def page(browser):
    """A fresh page; `page.outside` lists every request that tried to leave the machine."""
    context = browser.new_context(viewport=VIEWPORT)
    outside: list[str] = []

    def loopback_only(route):
        url = route.request.url
        if url.startswith(("data:", "blob:")) or urlparse(url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", loopback_only)
    page = context.new_page()
    page.outside = outside
    yield page
    context.close()


def shared_warehouse(tmp_path_factory, history):
    """The hand-written `history` module's listeners, landed, modelled and published for readers once
    per session for all workers (in a thread: Playwright's event loop may be running in this one);
    returns its settings. The tests only read it."""
    from concurrent.futures import ThreadPoolExecutor

    from scrobble_insights.config import build_settings
    from scrobble_insights.load.snapshot import publish_snapshot
    from scrobble_insights.transform.dbt import transform

    def build(directory: Path) -> None:
        settings = build_settings(data_dir=directory / "data", users=history.USERS)
        history.write(settings)
        transform(settings, today=history.TODAY)
        publish_snapshot(settings)         # published: no reader copies it on its first read

    with ThreadPoolExecutor(max_workers=1) as pool:
        directory = pool.submit(built_once, tmp_path_factory, history.__name__, build).result()
    return build_settings(data_dir=directory / "data", users=history.USERS)


@pytest.fixture(scope="session")
def honest(tmp_path_factory):
    """The hand-written history of issue 11 (tests/honest_history.py); its settings."""
    import honest_history
    return shared_warehouse(tmp_path_factory, honest_history)


@pytest.fixture(scope="session")
def compared(tmp_path_factory):
    """Four listeners of one warehouse (tests/compare_history.py); its settings."""
    import compare_history
    return shared_warehouse(tmp_path_factory, compare_history)
