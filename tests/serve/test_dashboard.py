"""The dashboard in a real headless Chromium: every view draws its charts with no error, the filters
change the numbers, the numbers equal the warehouse's answers for a known history, and bad requests
get a helpful message instead of a traceback. Screenshots of every view go to
test-artifacts/dashboard/."""

from __future__ import annotations

import socket
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from scrobble_insights.config import build_settings
from scrobble_insights.load.snapshot import reader_path
from scrobble_insights.operate.steps import extract_and_load
from scrobble_insights.serve import queries
from scrobble_insights.serve.dashboard import APP_PATH, WAREHOUSE_ENV, command, serve
from scrobble_insights.serve.dashboard.data import ask
from scrobble_insights.simulator import Simulator, SimulatorConfig, UserSpec
from scrobble_insights.transform.dbt import transform
from support import NOW, TEST_KEY, TODAY
from transform_history import write_history

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dashboard"
VIEWS = ["Overview", "Genres", "Time", "Top music", "Artist", "Compare"]     # Compare: two listeners
TIMEOUT_MS = 60_000
CAPTION = '[data-testid="stMain"] [data-testid="stCaptionContainer"]'      # "user · period · genre · history"


# --- warehouses ------------------------------------------------------------------------------------------

def in_thread(function, *args, **kwargs):
    """Run the pipeline outside the thread where Playwright's event loop may already be running."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    """Two years of two simulated listeners (alice in London, bob in New York), extracted and modelled."""
    users = [UserSpec("alice", scrobbles_per_day=40), UserSpec("bob", timezone="America/New_York",
                                                                scrobbles_per_day=20)]
    sim = Simulator(SimulatorConfig(users=users, years=2, now=NOW, rate_limit=0))
    with sim.serve(host="127.0.0.1", port=0) as server:
        settings = build_settings(lastfm_api_url=server.url, lastfm_api_key=TEST_KEY, rate_limit=500,
                                  max_concurrency=4, data_dir=tmp_path_factory.mktemp("simulated") / "data",
                                  users=[{"name": "alice", "timezone": "Europe/London"},
                                         {"name": "bob", "timezone": "America/New_York"}])
        in_thread(extract_and_load, settings, ["alice", "bob"], TODAY - timedelta(days=730), TODAY - timedelta(days=1))
    in_thread(transform, settings, today=TODAY)
    return reader_path(settings)            # the read-only snapshot, which the CLI serves


# A known listener, all in winter (London = UTC): every Sunday of January and February 2025 ten plays
# of Nightjar from 21:00, every Wednesday then five of Lark from 08:00, the Saturdays of November three
# of Owl Beats from 02:30; and three plays on Monday 2 December 2024, the first day of the history.
SUNDAYS = [date(2025, 1, 5) + timedelta(weeks=n) for n in range(8)]
WEDNESDAYS = [date(2025, 1, 1) + timedelta(weeks=n) for n in range(9)]
SATURDAYS = [date(2025, 11, 1) + timedelta(weeks=n) for n in range(5)]
PLAYS = ([(f"2024-12-02 12:{5 * n:02d}", "Nightjar", f"Night Song {n}") for n in range(3)]
         + [(f"{day} 21:{5 * n:02d}", "Nightjar", f"Night Song {n}") for day in SUNDAYS for n in range(10)]
         + [(f"{day} 08:{5 * n:02d}", "Lark", f"Morning {n}") for day in WEDNESDAYS for n in range(5)]
         + [(f"{day} 02:{30 + 5 * n:02d}", "Owl Beats", f"Small Hours {n}") for day in SATURDAYS for n in range(3)])
TAGS = {"Nightjar": [("rock", 100)], "Lark": [("jazz", 100)], "Owl Beats": [("hip hop", 100), ("seen live", 40)]}


@pytest.fixture(scope="module")
def known_settings(tmp_path_factory):
    settings = build_settings(data_dir=tmp_path_factory.mktemp("known") / "data",
                              users=[{"name": "owl", "timezone": "Europe/London"}])
    in_thread(write_history, settings, "owl", PLAYS, first=date(2024, 12, 1), last=date(2025, 12, 31), tags=TAGS)
    in_thread(transform, settings, today=date(2026, 1, 1))
    return settings


@pytest.fixture(scope="module")
def known(known_settings):
    """The live warehouse (the jobs' file)."""
    return known_settings.warehouse_path


@pytest.fixture(scope="module")
def known_snapshot(known_settings):
    """Its read-only snapshot, which the dashboard reads."""
    return in_thread(reader_path, known_settings)


@pytest.fixture(scope="module")
def simulated_url(simulated, dashboard):
    return dashboard(simulated)


@pytest.fixture(scope="module")
def known_url(known_snapshot, dashboard):
    return dashboard(known_snapshot)


# --- page helpers ----------------------------------------------------------------------------------------

def settle(page) -> None:
    """Wait until the script run is over and every chart and table is drawn, with no placeholder left."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=TIMEOUT_MS)
    page.wait_for_function("""() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
                                       .every(chart => chart.querySelector('svg, canvas'))
                                 && [...document.querySelectorAll('[data-testid="stTable"]')]
                                       .every(table => table.querySelector('td'))
                                 && !document.querySelector('[data-testid="stSkeleton"]')""", timeout=TIMEOUT_MS)


# What a page shows once it is complete (Streamlit loads some components' code lazily, after the run).
OVERVIEW = ['[data-testid="stMetricValue"] >> nth=4', '[data-testid="stSidebar"] [role="combobox"][aria-label="Year"]']
ALERT = ['[data-testid="stAlertContainer"]']


def load(page, url: str, ready: list[str] = OVERVIEW) -> None:
    """Open a URL and wait for the script's output, the `ready` elements, then the end of the run."""
    page.goto(url)
    page.wait_for_selector('h1:has-text("Scrobble Insights")', timeout=TIMEOUT_MS)
    for selector in ready:
        page.wait_for_selector(selector, timeout=TIMEOUT_MS)
    settle(page)


def assert_no_error(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0, \
        page.locator('[data-testid="stAlertContentError"]').all_inner_texts()
    assert "Traceback" not in page.inner_text("body")


def open_panel(page):
    return page.locator('[role="tabpanel"]:visible')


def charts_in(panel) -> list[str]:
    """The headline (accessible name) of each chart drawn in a panel."""
    charts = panel.locator('[data-testid="stVegaLiteChart"]')
    for n in range(charts.count()):
        assert charts.nth(n).locator("svg, canvas").count() > 0, f"chart {n} is not drawn"
    return [charts.nth(n).get_attribute("aria-label") for n in range(charts.count())]


def metrics(page) -> dict[str, str]:
    labels = page.locator('[data-testid="stMetricLabel"]').all_inner_texts()
    values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    return {label.strip(): value.strip() for label, value in zip(labels, values)}


def deltas(page) -> dict[str, str]:
    cards = page.locator('[data-testid="stMetric"]')
    found = {}
    for n in range(cards.count()):
        card = cards.nth(n)
        label = card.locator('[data-testid="stMetricLabel"]').inner_text().strip()
        delta = card.locator('[data-testid="stMetricDelta"]')
        found[label] = delta.inner_text().strip() if delta.count() else ""
    return found


def screenshot(page, name: str) -> Path:
    """The whole page: Streamlit scrolls inside its main area, so grow the viewport to fit it first."""
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": page.viewport_size["width"], "height": max(900, min(int(height) + 40, 8000))})
    settle(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": page.viewport_size["width"], "height": 900})
    return path


def pick(page, label: str, option: str) -> None:
    """Choose `option` in the sidebar selectbox called `label`."""
    page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=option, exact=True).click()


# --- every view on simulated data --------------------------------------------------------------------------

@pytest.mark.slow
def test_every_view_loads_and_draws_its_charts_without_an_error(page, simulated_url):
    load(page, f"{simulated_url}/?user=alice")
    assert page.title() == "Scrobble Insights"
    assert "alice · 2025" in page.inner_text(f"{CAPTION} >> nth=0")   # latest full year
    drawn = {}
    for view in VIEWS:
        page.get_by_role("tab", name=view).click()
        page.wait_for_selector(f'[role="tab"][aria-selected="true"]:has-text("{view}")')
        open_panel(page).locator('[data-testid="stVegaLiteChart"]').first.wait_for(timeout=TIMEOUT_MS)
        if view in ("Artist", "Compare"):
            open_panel(page).locator('[data-testid="stTable"]').first.wait_for(timeout=TIMEOUT_MS)
        settle(page)
        assert_no_error(page)
        drawn[view] = charts_in(open_panel(page))
        screenshot(page, view.lower().replace(" ", "-"))
    assert {view: len(headlines) for view, headlines in drawn.items()} == \
        {"Overview": 4, "Genres": 3, "Time": 4, "Top music": 4, "Artist": 2, "Compare": 2}
    assert drawn["Compare"][0].startswith("Who listens when in 2025: alice at ")      # two listeners: no matrix
    assert open_panel(page).get_by_text("alice and bob share ").count() == 1
    assert all(headline and not headline.startswith("No ") for headlines in drawn.values() for headline in headlines)
    assert page.outside == [], "the dashboard tried to reach the internet"
    assert (ARTIFACTS / "top-music.png").stat().st_size > 20_000


@pytest.mark.slow
def test_year_and_listener_filters_change_the_numbers(page, simulated_url):
    load(page, f"{simulated_url}/?user=alice&year=2025")
    in_2025 = metrics(page)
    assert set(in_2025) == {"Scrobbles", "Tracks per day", "Artists", "Albums", "Tracks"}
    assert deltas(page)["Scrobbles"]                 # compared with 2024

    pick(page, "Year", "2024")
    page.wait_for_selector(f'{CAPTION}:has-text("alice · 2024")', timeout=TIMEOUT_MS)
    settle(page)
    in_2024 = metrics(page)
    assert in_2024["Scrobbles"] != in_2025["Scrobbles"] and in_2024["Tracks per day"] != in_2025["Tracks per day"]
    assert "year=2024" in page.url                   # the sidebar choice is in the link
    assert_no_error(page)

    pick(page, "Listener", "bob")
    page.wait_for_selector(f'{CAPTION}:has-text("bob · 2025")', timeout=TIMEOUT_MS)
    settle(page)
    assert metrics(page)["Scrobbles"] != in_2025["Scrobbles"]
    assert_no_error(page)

    load(page, f"{simulated_url}/?user=alice&year=all")
    assert int(metrics(page)["Scrobbles"].replace(",", "")) > int(in_2025["Scrobbles"].replace(",", ""))
    assert deltas(page)["Scrobbles"] == ""           # nothing to compare all time with


# --- known answers -----------------------------------------------------------------------------------------

def expected_answers() -> dict:
    """The answers computed straight from the plays written, with DuckDB (not from the warehouse)."""
    con = duckdb.connect()
    con.register("written", pd.DataFrame(PLAYS, columns=["utc", "artist", "track"]))
    con.execute("""CREATE TABLE plays AS SELECT artist, track,
                          timezone('Europe/London', (utc || ':00+00')::TIMESTAMPTZ) AS local FROM written""")
    hour, weekday = con.execute("""SELECT hour(local), dayname(local) FROM plays WHERE year(local) = 2025
                                   GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1""").fetchone()
    total, artists, tracks, night = con.execute(
        """SELECT count(*), count(DISTINCT artist), count(DISTINCT artist || track), count(*) FILTER (hour(local) < 6)
           FROM plays WHERE year(local) = 2025""").fetchone()
    before = con.execute("SELECT count(*), count(DISTINCT artist), count(DISTINCT artist || track) FROM plays "
                         "WHERE year(local) = 2024").fetchone()
    top_artist, top_plays = con.execute("""SELECT artist, count(*) FROM plays WHERE year(local) = 2025
                                           GROUP BY 1 ORDER BY 2 DESC LIMIT 1""").fetchone()
    days_2025 = (date(2025, 12, 31) - date(2025, 1, 1)).days + 1          # quiet days count
    return {"hour": hour, "weekday": weekday, "scrobbles": total, "artists": artists, "tracks": tracks,
            "per_day": total / days_2025, "night": night / total, "before": before,
            "top_artist": top_artist, "top_plays": top_plays, "days_with_plays": len(SUNDAYS + WEDNESDAYS + SATURDAYS)}


@pytest.mark.slow
def test_numbers_on_the_page_equal_the_answers_of_the_known_history(page, known_url, known):
    answer = expected_answers()
    assert answer["per_day"] != pytest.approx(answer["scrobbles"] / answer["days_with_plays"], abs=0.5)
    load(page, known_url)                             # one listener, 2025 (the only full year) by default
    assert "owl · 2025" in page.inner_text(f"{CAPTION} >> nth=0")
    assert page.get_by_role("tab", name="Compare").count() == 0      # one listener: nobody to compare with
    shown = metrics(page)
    assert shown == {"Scrobbles": f"{answer['scrobbles']:,}", "Tracks per day": f"{answer['per_day']:.1f}",
                     "Artists": str(answer["artists"]), "Albums": str(answer["artists"]),
                     "Tracks": str(answer["tracks"])}
    before_scrobbles, before_artists, before_tracks = answer["before"]
    change = deltas(page)
    assert change["Scrobbles"].endswith(f"+{answer['scrobbles'] - before_scrobbles:,}")
    assert change["Artists"].endswith(f"+{answer['artists'] - before_artists}")
    assert change["Tracks"].endswith(f"+{answer['tracks'] - before_tracks}")

    page.get_by_role("tab", name="Time").click()
    open_panel(page).locator('[data-testid="stVegaLiteChart"]').first.wait_for(timeout=TIMEOUT_MS)
    settle(page)
    clock, hours, *_ = charts_in(open_panel(page))
    assert clock == f"You listen most at {answer['hour']:02d}:00 on {answer['weekday']}s"
    assert open_panel(page).locator("svg text", has_text=clock).count() == 1       # the title states it
    assert hours.startswith(f"Your peak hour is {answer['hour']:02d}:00; {answer['night']:.0%} of your plays")

    page.get_by_role("tab", name="Top music").click()
    open_panel(page).locator('[data-testid="stVegaLiteChart"]').first.wait_for(timeout=TIMEOUT_MS)
    settle(page)
    top_artists = charts_in(open_panel(page))[0]
    assert top_artists == f"Your top artist of 2025: {answer['top_artist']} ({answer['top_plays']} plays)"

    page.get_by_role("tab", name="Artist").click()
    open_panel(page).locator('[data-testid="stTable"]').first.wait_for(timeout=TIMEOUT_MS)
    settle(page)
    tables = open_panel(page).locator('[data-testid="stTable"]')
    top_tracks, tags = tables.nth(0).inner_text(), tables.nth(1).inner_text()
    assert "Night Song 0" in top_tracks and "rock" in tags
    assert_no_error(page)
    screenshot(page, "known-artist")

    # Between two reruns the dashboard holds no connection: the pipeline could open the warehouse to write.
    writer = duckdb.connect(str(known))
    writer.close()


@pytest.fixture(scope="module")
def honest_url(honest, dashboard):
    """The dashboard over the hand-written history of issue 11 (tests/honest_history.py), its snapshot."""
    return dashboard(in_thread(reader_path, honest))


def open_view(page, view: str) -> list[str]:
    page.get_by_role("tab", name=view).click()
    page.wait_for_selector(f'[role="tab"][aria-selected="true"]:has-text("{view}")')
    open_panel(page).locator('[data-testid="stVegaLiteChart"]').first.wait_for(timeout=TIMEOUT_MS)
    settle(page)
    assert_no_error(page)
    return charts_in(open_panel(page))


@pytest.mark.slow
def test_headlines_on_the_page_equal_answers_computed_from_the_plays_written(page, honest_url):
    """Issue 11: each headline's numbers, read from the page, against plain Python over the plays written."""
    import honest_history as h

    found, trend, (genre, share), album = h.discovery(), h.trend(), h.top_known_genre(), h.top_album(2010)
    load(page, f"{honest_url}/?user={h.USER}&year=all")
    glance = " ".join(page.locator('[data-testid="stMarkdownContainer"] li').all_inner_texts())
    assert (f"{genre.capitalize()} is your top genre: {share:.0%} of plays ({h.genre_shares()['known']:.0%} of "
            "your plays have a known genre)") in glance
    assert (f"You discover {found['per_month']:.1f} new artists a month ({found['new_artists']} in "
            f"{found['months']} months); {found['share_on_new']:.0%} of your plays go to artists new that year") in glance
    assert "nknown" not in glance
    years = charts_in(open_panel(page))[1]
    biggest = max(h.plays_per_year(), key=h.plays_per_year().get)
    silent = [str(y) for y, n in h.plays_per_year().items() if n == 0]
    assert years == f"{biggest} was your biggest year: {h.plays_per_year()[biggest]} plays; no plays in {', '.join(silent)}"
    _, shown_trend, _ = open_view(page, "Genres")
    assert shown_trend == (f"{trend['genre'].capitalize()} grew most: {trend['first']:.0%} of your plays in "
                           f"{trend['years'][0]}, {trend['last']:.0%} in {trend['years'][-1]}")
    assert open_panel(page).get_by_text("Only years with at least 100 plays").count() == 1

    load(page, f"{honest_url}/?user={h.USER}&year=2010")
    *_, seasons = open_view(page, "Genres")
    assert seasons.startswith(f"In winter 2010 you play more hip hop: {h.season_shares(2010)['hip hop']:.0%} of plays")
    _, albums, _, _ = open_view(page, "Top music")
    assert albums == (f"Your top album of 2010: {album['album']} by {album['artist']} ({album['plays']} plays); "
                      f"{album['no_album']:.0%} of your plays have no album")

    for year, sentence in ((2011, f"No plays for {h.USER} in 2011"),
                           (2012, f"Only 1 play for {h.USER} in 2012: too few to show a pattern")):
        load(page, f"{honest_url}/?user={h.USER}&year={year}", ALERT)
        assert sentence in alert_text(page)
        assert page.locator('[data-testid="stVegaLiteChart"]').count() == 0
    assert page.outside == []


# --- bad requests -------------------------------------------------------------------------------------------

def alert_text(page) -> str:
    assert_no_error(page)
    return " ".join(page.locator('[data-testid="stAlertContainer"]').all_inner_texts())


@pytest.mark.slow
def test_bad_requests_get_a_helpful_message_not_a_traceback(page, dashboard, tmp_path, simulated_url, known_url,
                                                            known, known_snapshot):
    load(page, f"{simulated_url}/?user=nobody", ALERT)
    assert "no listener called nobody" in alert_text(page) and "alice, bob" in alert_text(page)
    load(page, f"{simulated_url}/?user=alice&year=1999", ALERT)
    text = alert_text(page)
    assert "alice has no plays in 1999" in text and "2025" in text
    load(page, f"{known_url}/?year=2024&genre={lark_genre(known)}", ALERT)
    assert f"No {lark_genre(known)} plays for owl in 2024" in alert_text(page)

    missing = dashboard(tmp_path / "nowhere" / "warehouse.duckdb")
    load(page, missing, ALERT)
    assert "Nothing to show yet: no warehouse at" in alert_text(page) and "scrobble-insights demo" in alert_text(page)
    empty_path = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty_path)).close()
    empty = dashboard(empty_path)
    load(page, empty, ALERT)
    assert "has no star schema yet: run scrobble-insights transform" in alert_text(page)
    screenshot(page, "empty-warehouse")

    load(page, known_url)
    shown = metrics(page)
    writer = duckdb.connect(str(known))              # a job writing the live warehouse: the page reads the snapshot
    try:
        load(page, known_url)
        assert metrics(page) == shown
        assert_no_error(page)
    finally:
        writer.close()
    blocker = duckdb.connect(str(known_snapshot))    # the snapshot itself unreadable: the page says so and recovers
    try:
        load(page, known_url, ALERT)
        assert "Cannot read the warehouse right now" in alert_text(page)
    finally:
        blocker.close()
    load(page, known_url)
    assert metrics(page)["Scrobbles"]
    assert page.outside == []


@pytest.mark.slow
def test_text_from_the_link_is_shown_literally_never_as_markdown_or_a_link(page, known_url):
    sidebar_alert = '[data-testid="stSidebar"] [data-testid="stAlertContainer"]'
    for genre in ("[text](https://example.invalid)", "https://example.invalid/*x*", "a\n\n# Heading :red[b] `c`"):
        load(page, f"{known_url}/?genre={quote(genre)}", [sidebar_alert])
        warning = page.locator(sidebar_alert)
        assert warning.locator("a, h1, em, strong, .stMarkdownColoredText").count() == 0, warning.inner_html()
        assert " ".join(warning.inner_text().split()) == \
            f"No plays in genre {' '.join(genre.split())}: showing all genres."
        assert metrics(page)["Scrobbles"]             # all genres shown meanwhile
    load(page, f"{known_url}/?user={quote('[owl](https://example.invalid)')}", ALERT)
    text = alert_text(page)
    assert "There is no listener called [owl](https://example.invalid) in this warehouse" in text
    assert page.locator('[data-testid="stAlertContainer"] a[href*="example.invalid"]').count() == 0
    load(page, f"{known_url}/?year={quote('www.example.invalid')}", ALERT)
    assert "owl has no plays in www.example.invalid." in alert_text(page)
    assert page.locator('[data-testid="stAlertContainer"] a[href*="example.invalid"]').count() == 0


def lark_genre(warehouse: Path) -> str:
    con = queries.connect(warehouse)
    try:
        return con.execute("SELECT genre_family FROM marts.dim_artist WHERE artist_name = 'Lark'").fetchone()[0]
    finally:
        con.close()


# --- one failing question, and the server process ----------------------------------------------------------

def test_a_failing_question_shows_a_one_line_error_and_the_rest_of_the_view(known, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire\nsecond line of the error")

    monkeypatch.setenv(WAREHOUSE_ENV, str(known))
    monkeypatch.setattr(queries, "hour_profile", broken)
    ask.clear()                                      # answers cached in this process by earlier runs
    app = AppTest.from_file(str(APP_PATH), default_timeout=60)
    app.query_params["view"] = "Time"
    app.run()
    assert not app.exception
    assert [e.value for e in app.error] == ["Cannot show plays per hour: RuntimeError: disk on fire"]
    headlines = [chart.proto.alt for chart in app.get("vega_lite_chart")]
    assert len(headlines) == 3 and headlines[0].startswith("You listen most at 21:00")

    monkeypatch.setattr(queries, "years", broken)    # a question the whole page needs
    ask.clear()
    app = AppTest.from_file(str(APP_PATH), default_timeout=60).run()
    assert not app.exception
    assert [e.value for e in app.error] == ["The dashboard cannot read this warehouse: RuntimeError: disk on fire"]


def test_serve_runs_streamlit_offline_on_loopback_and_returns_its_exit_code(known):
    flags = " ".join(command(8501))
    for flag in ("--server.address 127.0.0.1", "--server.headless true", "--browser.gatherUsageStats false",
                 "--global.developmentMode false", "--server.fileWatcherType none"):
        assert flag in flags
    with socket.socket() as taken:                   # the port is taken: streamlit stops with an error
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        assert serve(known, taken.getsockname()[1]) != 0


# --- streaks and diversity -------------------------------------------------------------------------------------

@pytest.mark.slow
def test_the_overview_states_the_years_streak_and_concentration_of_the_known_history(page, known_url):
    """2025's figures computed from PLAYS in Python (no SQL): no two days in a row have plays, and three
    artists share the year's plays (top 10 = all of them; entropy and 2^entropy from the counts)."""
    import math
    from collections import Counter

    counts = Counter(artist for when, artist, _ in PLAYS if when.startswith("2025"))
    total = sum(counts.values())
    entropy = -sum(n / total * math.log2(n / total) for n in counts.values())
    days = sorted({date.fromisoformat(when[:10]) for when, *_ in PLAYS if when.startswith("2025")})
    assert all(later - earlier > timedelta(days=1) for earlier, later in zip(days, days[1:]))
    load(page, known_url)
    headlines = charts_in(open_panel(page))
    assert headlines[2:] == [
        "You never played on two days in a row in 2025",
        f"In 2025 your top 10 artists got 100% of your plays; entropy {entropy:.1f} bits, as diverse as "
        f"{2 ** entropy:.1f} equally played artists"]
    assert_no_error(page)
