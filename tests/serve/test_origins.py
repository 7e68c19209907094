"""When and where the music comes from (issue 14): the Origins answers of the report and the dashboard
over the MusicBrainz marts, on known numbers (tests/origins_history.py: the marts computed in plain
Python from the hand-written history of issue 11), below the coverage threshold, and before the
enrichment (marts absent, or nothing known): one sentence naming the command, never an error."""

from __future__ import annotations

import html
import re
import shutil

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import honest_history as h
import origins_history as oh
from scrobble_insights.load.snapshot import reader_path
from scrobble_insights.serve import origins as o
from scrobble_insights.serve import queries
from scrobble_insights.serve.dashboard import APP_PATH, WAREHOUSE_ENV
from scrobble_insights.serve.dashboard.data import ask
from scrobble_insights.serve.report import origin_sections, write_report

TIMEOUT_MS = 60_000


def copy_with_marts(honest, directory, facts):
    """A copy of the honest history's published snapshot with the MusicBrainz marts of `facts` (None:
    without them, as a warehouse modelled before issue 14)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "warehouse.duckdb"
    shutil.copyfile(reader_path(honest), path)
    oh.write_marts(path, facts)
    return path


@pytest.fixture(scope="module")
def enriched(honest, tmp_path_factory):
    return copy_with_marts(honest, tmp_path_factory.mktemp("enriched"), oh.ARTISTS)


@pytest.fixture(scope="module")
def unenriched(honest, tmp_path_factory):
    """The marts built but nothing known: enrichment never ran."""
    return copy_with_marts(honest, tmp_path_factory.mktemp("unenriched"), oh.UNKNOWN)


@pytest.fixture(scope="module")
def undated(honest, tmp_path_factory):
    """Artists enriched, albums not yet: no release years."""
    return copy_with_marts(honest, tmp_path_factory.mktemp("undated"), oh.UNDATED)


@pytest.fixture(scope="module")
def before(honest, tmp_path_factory):
    """No MusicBrainz marts at all: a warehouse modelled before issue 14."""
    return copy_with_marts(honest, tmp_path_factory.mktemp("before"), None)


def headlines(path) -> dict[str, str]:
    """Each report section's headline (its aria-label), by slug."""
    found = re.findall(r'data-slug="([^"]+)"><div id="chart-\d+" class="vega" aria-label="([^"]*)"', path.read_text())
    return {slug: html.unescape(label) for slug, label in found}


def expected() -> dict[str, str]:
    """The Origins headlines, from the answers computed in plain Python."""
    a = oh.answers()
    (first, *_), (last, *_) = a["medians"][2009], a["medians"][2010]
    (uk, uk_name), *_ = a["countries"]
    return {
        "music-decades": f"The {a['decade']}s lead what you play: {a['decade_share']:.0%} of your plays with a release year",
        "music-age": f"The music you play was a median {first:.0f} years old in 2009, {last:.0f} in 2010",
        "countries": f"{uk_name} leads where your music comes from: {uk:.0%} of the plays whose artist's country is known",
        "artist-types": f"Bands get {a['bands']:.0%} of your plays, solo artists {a['solo']:.0%} (of the plays whose "
                        "artist type is known)",
        "genre-sources": f"MusicBrainz's curated genres decide the genre of {a['sources']['musicbrainz']:.0%} of your "
                         f"plays, last.fm tags {a['sources']['lastfm']:.0%}; {a['sources']['none']:.0%} have no genre",
    }


# --- the questions and the report on known numbers -------------------------------------------------------

def test_the_questions_read_a_listeners_rows_of_each_mart(enriched):
    written = oh.marts()
    con = queries.connect(enriched)
    try:
        assert o.origin_marts(con)
        for mart in o.COLUMNS:
            shown = o.origin_rows(con, mart, h.USER)
            mine = written[mart][written[mart].user_name == h.USER].drop(columns="user_name")
            assert len(shown) == len(mine) and int(shown.plays.sum()) == int(mine.plays.sum()) == 271
        countries = o.origin_rows(con, o.COUNTRIES, h.USER)
        assert list(countries.country_code.fillna("?")) == ["?", "GB", "US", "FR", "JP"]     # most played first
        assert o.origin_rows(con, o.AGE, "nobody").empty
    finally:
        con.close()


def test_known_answers_the_known_history_is_built_on():
    """The numbers the headlines state, worked out by hand from the docstring of origins_history."""
    a = oh.answers()
    assert (a["plays"], a["dated"], a["known"]) == (271, 163, 163)
    assert (a["decade"], a["decade_share"]) == (1990, 72 / 163)
    assert a["medians"] == {2009: (14, 11 / 74, 74 / 131), 2010: (5, 35 / 87, 87 / 138)}     # 2008, 2012: 1 dated play
    assert a["countries"][:2] == [(72 / 163, "United Kingdom"), (70 / 163, "United States")]
    assert (a["bands"], a["solo"]) == (97 / 163, 66 / 163)
    assert a["sources"] == {"musicbrainz": 96 / 271, "lastfm": 47 / 271, "none": 128 / 271}


def sections(warehouse, year: int | None = None) -> dict[str, str]:
    """The report's Origins sections (slug: headline), without drawing the page."""
    con = queries.connect(warehouse)
    try:
        return {slug: built[1] for slug, built in origin_sections(con, h.USER, year)}
    finally:
        con.close()


def test_the_report_sections_state_where_and_when_the_music_comes_from(enriched):
    assert sections(enriched) == expected()
    con = queries.connect(enriched)
    try:
        caption = o.genre_source_line(o.origin_rows(con, o.GENRE_SOURCES, h.USER))
    finally:
        con.close()
    assert caption == ("Which source decided the genres (all time): MusicBrainz's curated genres for 35% of your "
                       "plays, last.fm tags for 17%, none for 47% (rock: 100% MusicBrainz; jazz: 100% last.fm tags; "
                       "hip hop: 100% MusicBrainz).")
    mixed = pd.DataFrame({"genre": ["electronic"], "plays": [10], "musicbrainz_plays": [6], "lastfm_plays": [3]})
    assert o.genre_source_line(mixed).endswith("none for 10% (electronic: 67% MusicBrainz, 33% last.fm tags).")
    assert sections(enriched, 2010) == {"music-year": (
        "In 2010 the music you played was a median 5 years old (released around 2005); 40% of it came out that "
        "year or the year before (63% of your plays have a release year)"), **expected()}


COMMAND = "run `scrobble-insights enrich`, then `scrobble-insights transform`"


def test_before_the_enrichment_each_answer_is_one_sentence_naming_the_command(before, unenriched, undated):
    pending = {"origins-pending": f"No MusicBrainz answers about your music yet: {COMMAND} to see them"}
    assert sections(before, 2010) == pending                   # modelled before the MusicBrainz marts
    assert sections(unenriched, 2010) == pending               # the marts, nothing known: never enriched
    assert sections(undated, 2010) == {**expected(),           # artists known, albums not yet: no year line
        "music-decades": f"None of your plays has a release year yet: {COMMAND} to see how old your music is",
        "music-age": f"None of your plays has a release year yet: {COMMAND} to see how old your music is"}


@pytest.mark.slow
def test_the_report_page_closes_with_the_origins_view(enriched, before, tmp_path, browser):
    [path] = write_report(enriched, tmp_path / "all.html", user=h.USER)
    shown = headlines(path)
    assert list(shown.items())[-5:] == list(expected().items())     # the Origins view closes the report
    context = browser.new_context(offline=True, viewport={"width": 1200, "height": 900})
    try:
        page = context.new_page()
        errors = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.goto(path.as_uri())
        page.wait_for_function(f"window.chartsDrawn === {len(shown)}", timeout=TIMEOUT_MS)
        assert page.locator("section.chart svg").count() == len(shown)
        assert page.get_by_text("Chart failed").count() == 0 and errors == []
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    finally:
        context.close()
    text = path.read_text()
    assert "<h2>Origins</h2>" in text
    assert "56% dated" in text and "63% dated" in text          # each year's coverage on its bar
    assert "1 dated play" in text and "100% dated" not in text  # 2008 and 2012: one dated play, not "100%"
    assert "left out: 2008, 2012" in text                       # one dated play each: no median drawn
    [path] = write_report(enriched, tmp_path / "2012.html", user=h.USER, year=2012)
    assert headlines(path) == {"no-plays": "Only 1 play in 2012: too few to show a pattern"}
    [path] = write_report(before, tmp_path / "before.html", user=h.USER)
    assert list(headlines(path).items())[-1] == ("origins-pending", f"No MusicBrainz answers about your music "
                                                                    f"yet: {COMMAND} to see them")


# --- the coverage threshold ----------------------------------------------------------------------------------

def yearly(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["listen_year", "plays", "dated_plays", "dated_share", "median_release_year",
                                       "median_age_years", "new_music_share"])


def test_a_headline_names_no_answer_when_too_little_is_known():
    """Under half the plays known (or fewer than 10 known plays), the headline says how much is known."""
    low = yearly([(2020, 200, 40, 0.2, 2001.0, 19.0, 0.1), (2021, 12, 9, 0.75, 2019.0, 2.0, 0.5)])
    age = pd.DataFrame({"listen_year": [2020, 2020, 2021], "release_decade": [2000, None, 2010],
                        "plays": [40, 160, 9], "share_of_dated": [1.0, None, 1.0]})
    chart, headline = o.decades_chart(age, low)
    assert headline == "Only 23% of your plays have a release year: too few to say which decade you play most"
    bars, labels = chart.to_dict()["layer"]
    assert bars["encoding"]["opacity"]["condition"]["test"] == "(datum.year_dated >= 10)"   # 9 dated plays: faint
    assert [v["label"] for v in chart.to_dict()["datasets"][labels["data"]["name"]]] == ["20% dated", "9 dated plays"]
    assert o.music_age_chart(low)[1] == \
        "No year has a release year for 50% of its plays yet: too few to say how old the music you play is"
    assert o.year_line(low, 2021) == ("In 2021, only 9 of your 12 plays have a release year: too few to say how "
                                      "old the music you played was")
    enough = yearly([(2020, 200, 100, 0.5, 2001.0, 19.0, 0.1), (2021, 20, 19, 0.95, 2016.5, 4.5, 0.25)])
    assert o.music_age_chart(enough)[1] == "The music you play was a median 19 years old in 2020, 4.5 in 2021"
    countries = pd.DataFrame({"country_code": [None, "DE"], "country_name": [None, "Germany"], "plays": [60, 40],
                              "artists": [5, 2], "share_of_known": [None, 1.0]})
    assert o.countries_chart(countries)[1] == ("Only 40% of your plays have an artist with a known country: too few "
                                               "to say where your music comes from")
    assert o.countries_chart(countries.assign(plays=[40, 60]))[1] == \
        "Germany leads where your music comes from: 100% of the plays whose artist's country is known"
    types = pd.DataFrame({"artist_type": ["Person", "Group", None], "plays": [30, 10, 5], "artists": [1, 1, 1],
                          "share_of_known": [0.75, 0.25, None]})
    assert o.artist_types_chart(types)[1] == \
        "Solo artists get 75% of your plays, bands 25% (of the plays whose artist type is known)"
    assert o.artist_types_chart(types.assign(plays=[3, 1, 5]))[1] == (
        "Only 44% of your plays have an artist whose type is known: too few to say whether you play more bands or "
        "solo artists")


# --- the dashboard ----------------------------------------------------------------------------------------------

def app_for(warehouse, monkeypatch, view: str) -> AppTest:
    monkeypatch.setenv(WAREHOUSE_ENV, str(warehouse))
    ask.clear()                                      # answers cached in this process by other warehouses
    app = AppTest.from_file(str(APP_PATH), default_timeout=60)
    app.query_params["view"] = view
    app.query_params["user"] = h.USER
    app.query_params["year"] = "2010"
    return app.run()


def test_the_dashboard_before_the_enrichment_says_what_to_run(before, unenriched, undated, monkeypatch):
    for warehouse in (before, unenriched):
        app = app_for(warehouse, monkeypatch, "Origins")
        assert not app.exception and not app.error
        assert [i.value for i in app.info] == [f"No MusicBrainz answers about your music yet: {COMMAND} to see them."]
        assert not app.get("vega_lite_chart")
    app = app_for(undated, monkeypatch, "Origins")
    assert not app.exception and not app.error
    assert [chart.proto.alt for chart in app.get("vega_lite_chart")] == [
        f"None of your plays has a release year yet: {COMMAND} to see how old your music is",
        f"None of your plays has a release year yet: {COMMAND} to see how old your music is",
        *list(expected().values())[2:]]
    app = app_for(unenriched, monkeypatch, "Genres")
    assert not app.exception and not app.error
    assert ("Genres here come from last.fm tags only: run `scrobble-insights enrich`, then `scrobble-insights "
            "transform` to add MusicBrainz's curated genres.") in [c.value for c in app.caption]


@pytest.mark.slow
def test_the_origins_tab_states_the_known_answers_in_chromium(page, dashboard, enriched):
    from test_dashboard import assert_no_error, charts_in, load, open_panel, open_view, screenshot

    url = dashboard(enriched)
    load(page, f"{url}/?user={h.USER}&year=2010")
    shown = open_view(page, "Origins")
    assert shown == list(expected().values())
    panel = open_panel(page)
    assert panel.get_by_text("In 2010 the music you played was a median 5 years old").count() == 1
    assert panel.locator("svg text", has_text="56% dated").count() == 1        # the coverage on each year's bar
    assert panel.locator("svg text").filter(has_text=re.compile("^United Kingdom$")).count() == 1   # names, no map
    screenshot(page, "origins")
    a = oh.answers()
    open_view(page, "Genres")
    assert open_panel(page).get_by_text(
        f"MusicBrainz's curated genres for {a['sources']['musicbrainz']:.0%} of your plays, last.fm tags for "
        f"{a['sources']['lastfm']:.0%}, none for {a['sources']['none']:.0%}").count() == 1
    assert len(charts_in(open_panel(page))) == 3
    assert_no_error(page)
    assert page.outside == []
