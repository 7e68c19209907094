"""Listeners side by side (issue 13) on four hand-written listeners (tests/compare_history.py): the
overlap of top artists, the hour and weekday shares in each one's local time and the headline figures
equal the answers computed from the plays written in plain Python; ties are stated, and a listener
with too few plays is named and left out."""

from __future__ import annotations

from datetime import date

import pytest
from test_dashboard import TIMEOUT_MS, alert_text, charts_in, in_thread, load, open_panel, screenshot, settle

import compare_history as c
import honest_history as h
from scrobble_insights.load.snapshot import reader_path
from scrobble_insights.serve import comparison as cmp
from scrobble_insights.serve import comparison_charts as cc
from scrobble_insights.serve import queries as q

EVERYONE = cmp.Period(tuple(c.PLAYS))
JANUARY = cmp.Period(tuple(c.PLAYS), date(2025, 1, 1), date(2025, 1, 31))


@pytest.fixture(scope="module")
def con(compared):
    connection = q.connect(compared.warehouse_path)
    yield connection
    connection.close()


def test_headline_figures_equal_the_plays_written_and_ties_of_top_genre_are_kept(con):
    figures = cmp.listener_figures(con, JANUARY)
    assert list(figures.user_name) == ["ana", "ben", "cy", "dot"]
    for row in figures.itertuples():
        expected = c.figures(row.user_name)
        assert (row.plays, row.days, row.artists, row.top_genres) == \
            (expected["plays"], expected["days"], expected["artists"], expected["top_genres"])
        assert row.per_day == pytest.approx(expected["per_day"])
        assert row.top_genre_share == pytest.approx(expected["top_genre_share"])
        assert row.enough == (expected["plays"] >= cmp.MIN_PLAYS)
    assert list(figures.enough) == [True, True, True, False]
    assert figures.top_genres[1] == ["hip hop", "jazz"]               # ben: a tie, both named
    table = cc.figures_table(figures)
    assert list(table["Top genre"]) == ["rock (50%)", "hip hop = jazz (a tie, 42% each)",
                                        "jazz = rock (a tie, 50% each)", "pop (100%)"]
    assert list(table["Compared"]) == ["yes", "yes", "yes", "no: under 100 plays"]


def test_overlap_of_top_artists_is_the_jaccard_of_the_sets_and_each_ones_share_of_plays(con):
    answers = cmp.comparison(con, EVERYONE)
    pairs = answers["pairs"].set_index(["listener", "other"])
    assert sorted(pairs.index) == [("ana", "ben"), ("ana", "cy"), ("ben", "cy")]     # dot: too few plays
    for a, b in pairs.index:
        shared, either, jaccard = c.jaccard(a, b)
        row = pairs.loc[(a, b)]
        assert (row.shared, row.either) == (shared, either)
        assert row.jaccard == pytest.approx(jaccard)
        assert row.listener_share == pytest.approx(c.share_on_shared(a, b))
        assert row.other_share == pytest.approx(c.share_on_shared(b, a))
    shared = cmp.shared_artists(answers["top"], "ana", "ben")
    assert shared.to_dict("records") == [{"artist": "Heron", "ana": 40, "ben": 50},
                                         {"artist": "Corvid", "ana": 60, "ben": 20}]
    best = cmp.most_similar(answers["pairs"]).set_index("listener")
    assert best.others.to_dict() == {"ana": ["cy"], "ben": ["cy"], "cy": ["ana", "ben"]}     # cy: a tie
    assert cc.alike_headline(answers["pairs"], 50, "January 2025") == (
        "Most alike in January 2025, a tie: ana and cy; ben and cy, who share 67% of the artists in their "
        "top-50 lists")
    assert cc.pair_headline(answers["pairs"].iloc[0], 50, "2025") == (
        "ana and ben share 2 of the 4 artists in their top-50 lists in 2025 (50%); the shared artists get "
        f"{c.share_on_shared('ana', 'ben'):.0%} of ana's plays and {c.share_on_shared('ben', 'ana'):.0%} of ben's")
    assert list(cc.most_similar_table(answers["pairs"], 50)["Most similar"]) == ["cy", "cy", "ana, ben (a tie)"]


def test_a_top_list_keeps_every_artist_tied_at_its_last_place(con):
    top = cmp.top_artists(con, cmp.Period(("ben", "cy")), n=1)
    assert sorted(zip(top.user_name, top.artist_name, top.plays, top["rank"])) == [
        ("ben", "Heron", 50, 1), ("ben", "Kestrel", 50, 1), ("cy", "Corvid", 50, 1), ("cy", "Heron", 50, 1)]


def test_hour_and_weekday_shares_are_in_each_listeners_own_local_time(con):
    clock = cmp.comparison(con, EVERYONE)["clock"]
    hours = cmp.hour_shares(clock)
    assert set(hours.user_name) == {"ana", "ben", "cy"} and len(hours) == 3 * 24
    for user, mine in hours.groupby("user_name"):
        assert dict(zip(mine.hour, mine.share)) == pytest.approx(c.hour_shares(user))
    weekdays = cmp.weekday_shares(clock)
    for user, mine in weekdays.groupby("user_name"):
        assert dict(zip(mine.weekday, mine.share)) == pytest.approx(c.weekday_shares(user))
    # ben's 02:00 UTC plays are his 21:00; cy's 03:00 UTC are her noon
    assert c.hour_shares("ben")[21] == pytest.approx(20 / 120) and c.hour_shares("cy")[12] == 1.0
    assert cmp.peaks(hours) == {"ana": [21], "ben": [8], "cy": [12]}
    _, headline = cc.hours_chart(clock, "2025")
    assert headline == ("Who listens when in 2025: ana at 21:00; ben at 08:00; cy at 12:00 "
                        "(each in their own local time)")
    days = {user: [d for d, share in c.weekday_shares(user).items() if share == max(c.weekday_shares(user).values())]
            for user in ("ana", "ben", "cy")}
    assert cmp.peaks(cmp.weekday_shares(clock), "weekday") == days
    assert days["ben"] == [1, 7]                                          # a tie: both named
    _, weekdays = cc.weekdays_chart(clock, "2025")
    assert weekdays.startswith("Busiest weekday in 2025: ana on Fridays; ben on Mondays and Sundays (a tie); cy on ")


def test_too_few_plays_are_named_and_a_period_without_two_listeners_says_so_in_one_sentence(con, honest):
    figures = cmp.listener_figures(con, JANUARY)
    assert cc.too_few(figures, "2025") == "dot (5 plays) has too few plays in 2025 to compare: at least 100 are needed"
    assert cc.nothing_to_compare(figures, "2025") is None
    february = cmp.comparison(con, cmp.Period(tuple(c.PLAYS), date(2025, 2, 1), date(2025, 2, 28)))
    assert february["pairs"].empty and february["clock"].empty
    assert cc.nothing_to_compare(february["figures"], "February") == "No listener has 100 plays in February: nothing to compare"
    assert cc.too_few(february["figures"], "February").startswith("ana (0 plays), ben (0 plays), cy (0 plays) and dot")
    other = q.connect(honest.warehouse_path)
    try:
        answers = cmp.comparison(other, cmp.Period(tuple(q.users(other))))
    finally:
        other.close()
    assert cc.nothing_to_compare(answers["figures"], "all time") == \
        f"Only {h.USER} has 100 plays or more in all time: nothing to compare"
    assert cc.too_few(answers["figures"], "all time").startswith(f"{h.SOUTH_USER} ({len(h.SOUTH_PLAYS)} plays) has")


# --- the dashboard, in a real headless Chromium -----------------------------------------------------------------

@pytest.fixture(scope="module")
def compared_url(compared, dashboard):
    return dashboard(in_thread(reader_path, compared))


def rows(table) -> list[list[str]]:
    """A drawn table's cells, row by row (the header first), as shown."""
    return [[" ".join(cell.split()) for cell in table.locator("tr").nth(n).locator("th, td").all_inner_texts()]
            for n in range(table.locator("tr").count())]


COMPARE_READY = ['[role="tab"][aria-selected="true"]:has-text("Compare")', '[role="tabpanel"]:visible [data-testid="stTable"]']


@pytest.mark.slow
def test_the_compare_tab_puts_the_listeners_side_by_side_with_the_known_answers(page, compared_url):
    load(page, f"{compared_url}/?user=ana&view=Compare", COMPARE_READY + ['[role="tabpanel"]:visible svg'])
    panel = open_panel(page)
    assert "dot (5 plays) has too few plays in 2025 to compare: at least 100 are needed" in alert_text(page)
    figures, most_similar, shared = (rows(panel.locator('[data-testid="stTable"]').nth(n)) for n in range(3))
    ben = c.figures("ben")
    assert figures[0] == ["Listener", "Plays", "Days", "Tracks per day", "Distinct artists", "Top genre", "Compared"]
    assert figures[2] == ["ben", str(ben["plays"]), str(ben["days"]), f"{ben['per_day']:.1f}", str(ben["artists"]),
                          "hip hop = jazz (a tie, 42% each)", "yes"]
    assert most_similar[1:] == [["ana", "cy", "67%"], ["ben", "cy", "67%"], ["cy", "ana, ben (a tie)", "67%"]]
    headlines = charts_in(panel)
    assert headlines == [
        "Most alike in 2025, a tie: ana and cy; ben and cy, who share 67% of the artists in their top-50 lists",
        "Who listens when in 2025: ana at 21:00; ben at 08:00; cy at 12:00 (each in their own local time)",
        headlines[2]]
    assert headlines[2].startswith("Busiest weekday in 2025: ana on ")
    text = panel.inner_text()
    assert "ana and cy share 2 of the 3 artists in their top-50 lists in 2025 (67%)" in text      # the most similar
    assert shared == [["Artist", "ana's plays", "cy's plays"], ["Corvid", "60", "50"], ["Heron", "40", "50"]]
    screenshot(page, "compare-four-listeners")

    other = panel.get_by_role("combobox", name="Compare ana with")
    other.scroll_into_view_if_needed()
    other.click()
    page.keyboard.type("ben")
    page.get_by_role("option", name="ben", exact=True).click()
    page.wait_for_selector('[role="tabpanel"]:visible :text("ana and ben share 2 of the 4 artists")', timeout=TIMEOUT_MS)
    settle(page)
    assert f"the shared artists get {c.share_on_shared('ana', 'ben'):.0%} of ana's plays" in open_panel(page).inner_text()
    assert page.outside == []


@pytest.mark.slow
def test_the_compare_tab_says_in_one_sentence_when_only_one_listener_has_enough_plays(page, honest, dashboard):
    url = dashboard(in_thread(reader_path, honest))
    load(page, f"{url}/?user={h.USER}&year=all&view=Compare", COMPARE_READY)
    assert f"Only {h.USER} has 100 plays or more in all time" in alert_text(page)
    assert f"{h.SOUTH_USER} ({len(h.SOUTH_PLAYS)} plays) has too few plays" in alert_text(page)
    assert open_panel(page).locator('[data-testid="stVegaLiteChart"]').count() == 0


def test_a_club_of_many_listeners_reads_as_ranges_and_a_heatmap_not_twenty_lines():
    import pandas as pd

    users = [f"m{n:02d}" for n in range(12)]
    # listener n plays 10 times at hour 6 + n on weekday 1 + n % 7 (m00 at 06:00 on Mondays, m11 at 17:00 on Fridays)
    rows = [(u, w, h, 10 if (h == 6 + n and w == 1 + n % 7) else 0)
            for n, u in enumerate(users) for w in range(1, 8) for h in range(24)]
    clock = pd.DataFrame(rows, columns=["user_name", "weekday", "hour", "plays"])
    chart, headline = cc.hours_chart(clock, "2025")
    assert headline == "Peak hours in 2025 run from 06:00 (m00) to 17:00 (m11), each in their own local time"
    assert chart.to_dict()["mark"]["type"] == "rect"                      # one row per listener
    _, weekdays = cc.weekdays_chart(clock, "2025")
    assert weekdays == ("In 2025, Monday, Tuesday, Wednesday, Thursday and Friday are each the busiest "
                        "weekday of 2 of the 12 listeners")
    few = clock[clock.user_name.isin(users[:3])]
    assert cc.hours_chart(few, "2025")[0].to_dict()["mark"]["type"] == "line"


def test_the_report_of_a_listener_compares_every_listener_of_the_warehouse(compared, honest, tmp_path):
    from test_report import headlines

    from scrobble_insights.serve.report import write_report

    [path] = write_report(compared.warehouse_path, tmp_path / "ana.html", user="ana", year=2025)
    shown = headlines(path)
    assert [slug for slug in shown if slug.startswith("compare")] == [
        "compare-too-few", "compare-overlap", "compare-hours", "compare-weekdays"]
    assert shown["compare-too-few"] == "dot (5 plays) has too few plays in 2025 to compare: at least 100 are needed"
    assert shown["compare-overlap"] == ("Most alike in 2025, a tie: ana and cy; ben and cy, who share 67% of the "
                                        "artists in their top-50 lists")
    assert shown["compare-weekdays"].startswith("Busiest weekday in 2025: ana on Fridays; ben on Mondays and "
                                                "Sundays (a tie); cy on ")
    [path] = write_report(honest.warehouse_path, tmp_path / "wren.html", user=h.USER)
    assert not [slug for slug in headlines(path) if slug.startswith("compare")]      # only wren has enough plays
