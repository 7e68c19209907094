"""The shareable report: opens in Chromium with networking disabled and draws every chart; PNGs too."""

from datetime import date

import pytest
from playwright.sync_api import sync_playwright

import honest_history as h
from scrobble_insights.config import build_settings
from scrobble_insights.errors import ConfigError, WarehouseError
from scrobble_insights.serve.report import write_report
from scrobble_insights.transform.dbt import transform
from transform_history import write_history

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    """Two years of a known listener: most plays on Fridays at 22:00 (London time, winter = UTC)."""
    root = tmp_path_factory.mktemp("report")
    settings = build_settings(data_dir=root / "data", users=[{"name": "owl", "timezone": "Europe/London"}])
    plays = []
    for year in (2024, 2025):
        for day in range(1, 29):
            when = date(year, 2, day)
            hours = [22, 22, 22, 8] if when.weekday() == 4 else [9, 18]
            plays += [(f"{when} {hour:02d}:{10 + n:02d}", f"Artist {day % 4}", f"Track {day}-{n}")
                      for n, hour in enumerate(hours)]
    write_history(settings, "owl", plays, first=date(2024, 2, 1), last=date(2025, 2, 28),
                  tags={"Artist 0": [("rock", 100)], "Artist 1": [("hip hop", 100)], "Artist 2": [("jazz", 90)],
                        "Artist 3": [("seen live", 100)]})
    transform(settings, today=date(2025, 3, 1))
    return settings.warehouse_path


@pytest.mark.slow
def test_report_opens_offline_and_draws_every_chart(warehouse, tmp_path):
    [path] = write_report(warehouse, tmp_path / "report.html", year=2025)
    text = path.read_text()
    assert "<script src=" not in text and "http://" not in text.split("<script")[0]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(offline=True, viewport={"width": 1200, "height": 900})
        outside = []

        def only_files(route):
            if route.request.url.startswith("file:"):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        context.route("**/*", only_files)
        page = context.new_page()
        errors = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.goto(path.as_uri())
        sections = page.locator("section.chart").count()
        page.wait_for_function(f"window.chartsDrawn === {sections}", timeout=60_000)
        assert sections == 16            # 13 + streaks and diversity + the Origins sentence (no MusicBrainz marts)
        assert page.locator("section.chart svg").count() == sections
        assert page.get_by_text("Chart failed").count() == 0
        assert page.get_by_text("You listen most at 22:00 on Fridays").count() == 1
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        browser.close()
    assert errors == [] and outside == []


def test_png_format_writes_one_image_per_chart(honest, tmp_path):
    written = write_report(honest.warehouse_path, tmp_path / "charts", user=h.USER, fmt="png")
    # 13 charts, streaks, diversity, the sentence that Fog's tags are still to be fetched, and the Origins
    # sentence (the honest warehouse has no MusicBrainz answers)
    assert len(written) == 17 and written[2].name == "03-tags-pending.png"
    assert written[-1].name == "17-origins-pending.png"
    for image in written:
        data = image.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width = int.from_bytes(data[16:20], "big")
        assert width >= 800


def test_bad_requests_are_one_line_errors(honest, tmp_path):
    warehouse = honest.warehouse_path
    with pytest.raises(ConfigError, match="no data for 1999: wren.s history covers 2012, 2011, 2010, 2009, 2008"):
        write_report(warehouse, tmp_path / "r.html", user=h.USER, year=1999)
    with pytest.raises(ConfigError, match="unknown user 'nobody': the warehouse holds "):
        write_report(warehouse, tmp_path / "r.html", user="nobody")
    with pytest.raises(WarehouseError, match="no warehouse at"):
        write_report(tmp_path / "missing.duckdb", tmp_path / "r.html")
    assert not (tmp_path / "r.html").exists()


def headlines(path) -> dict[str, str]:
    """Each section's headline as the page states it (its aria-label), by slug."""
    import html
    import re

    found = re.findall(r'data-slug="([^"]+)"><div id="chart-\d+" class="vega" aria-label="([^"]*)"', path.read_text())
    return {slug: html.unescape(label) for slug, label in found}


def test_the_report_headlines_equal_answers_computed_from_the_plays_written(honest, tmp_path):
    """Issue 11: each number in the report's headlines, against plain Python over the hand-written plays."""

    [path] = write_report(honest.warehouse_path, tmp_path / "all.html", user=h.USER)
    shown = headlines(path)
    found, trend, (genre, share) = h.discovery(), h.trend(), h.top_known_genre()
    assert shown["years"] == "2010 was your biggest year: 138 plays; no plays in 2011"
    assert max(h.plays_per_year().values()) == 138 and h.plays_per_year()[2011] == 0
    assert shown["genres"] == (f"{genre.capitalize()} is your top genre: {share:.0%} of plays "
                               f"({h.genre_shares()['known']:.0%} of your plays have a known genre)")
    assert shown["genre-trend"] == (f"{trend['genre'].capitalize()} grew most: {trend['first']:.0%} of your plays in "
                                    f"{trend['years'][0]}, {trend['last']:.0%} in {trend['years'][-1]}")
    assert shown["discovery"] == (f"You discover {found['per_month']:.1f} new artists a month ({found['new_artists']} "
                                  f"in {found['months']} months); {found['share_on_new']:.0%} of your plays go to "
                                  "artists new that year")
    assert "unknown" not in " ".join(shown.values()).lower() and "(no album)" not in " ".join(shown.values())

    [path] = write_report(honest.warehouse_path, tmp_path / "2010.html", user=h.USER, year=2010)
    shown = headlines(path)
    album, winter = h.top_album(2010), h.season_shares(2010)
    assert shown["top-albums"] == (f"Your top album of 2010: {album['album']} by {album['artist']} ({album['plays']} "
                                   f"plays); {album['no_album']:.0%} of your plays have no album")
    assert shown["seasons"].startswith(f"In winter 2010 you play more hip hop: {winter['hip hop']:.0%} of plays")

    for year, plays, sentence in ((2011, 0, "No plays in 2011"),
                                  (2012, 1, "Only 1 play in 2012: too few to show a pattern")):
        [path] = write_report(honest.warehouse_path, tmp_path / f"{year}.html", user=h.USER, year=year)
        assert headlines(path) == {"no-plays": sentence}
        assert h.plays_per_year()[year] == plays
