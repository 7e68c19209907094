"""Known answers of issue 11 on a small hand-written history (tests/honest_history.py): each headline
is true by definition, computed in a mart, and equal to the answer computed in plain Python from the
plays written (never through the warehouse's SQL)."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

import honest_history as h
from scrobble_insights.serve import charts
from scrobble_insights.serve import queries as q
from scrobble_insights.serve.queries import Filters
from scrobble_insights.serve.report import build_sections

EVERYTHING = Filters(h.USER)


@pytest.fixture(scope="module")
def con(honest):
    connection = q.connect(honest.warehouse_path)
    yield connection
    connection.close()


def test_new_artists_a_month_count_every_month_of_the_history_quiet_ones_too(con):
    months = q.discovery_by_month(con, EVERYTHING)
    assert list(months.month) == [f"{y}-{m:02d}" for y in range(2008, 2013) for m in range(1, 13)][5:]
    expected = h.discovery()
    assert (len(months), int(months.new_artists.sum())) == (expected["months"], expected["new_artists"]) == (55, 6)
    _, headline = charts.discovery_chart(months)
    assert headline == (f"You discover {expected['per_month']:.1f} new artists a month (6 in 55 months); "
                        f"{expected['share_on_new']:.0%} of your plays go to artists new that year")
    # the old answers: an average over the 26 months with plays, a mean of monthly shares
    with_plays = months[months.plays > 0]
    assert len(with_plays) == 26 and f"{with_plays.new_artists.mean():.1f}" not in headline
    assert f"{with_plays.share_on_new.astype(float).mean():.0%}" not in headline


def test_the_share_on_new_artists_is_a_share_of_plays_and_a_year_counts_its_own_months(con):
    for year in (2009, 2010, 2012):
        months = q.discovery_by_month(con, EVERYTHING.for_year(year))
        expected = h.discovery(year)
        assert len(months) == expected["months"] == 12
        assert int(months.plays_on_new.sum()) / int(months.plays.sum()) == pytest.approx(expected["share_on_new"])
    _, headline = charts.discovery_chart(q.discovery_by_month(con, EVERYTHING.for_year(2010)))
    assert headline == "No new artists in 12 months; 0% of your plays go to artists new that year"


def test_a_partial_first_year_is_named_as_such_not_read_as_all_new(con):
    months = q.discovery_by_month(con, EVERYTHING.for_year(2008))
    assert len(months) == h.discovery(2008)["months"] == 7 and months.is_first_year.all() and months.is_partial_year.all()
    _, headline = charts.discovery_chart(months)
    assert headline == ("2008 is the first (partial) year of your history (from 15 Jun 2008): every artist you "
                        "played was new, 1 new artist in 7 months")
    assert "100%" not in headline


def test_plays_without_an_album_are_no_album_and_their_share_is_told(con):
    expected = h.top_album(2010)
    top = q.top_entities(con, EVERYTHING.for_year(2010), "album")
    assert "(no album)" not in set(top.name)
    _, headline = charts.top_chart(top, "album", "2010")
    assert headline == (f"Your top album of 2010: {expected['album']} by {expected['artist']} ({expected['plays']} "
                        f"plays); {expected['no_album']:.0%} of your plays have no album")
    ranged = q.top_entities(con, Filters(h.USER, h.FIRST, h.LAST), "album")       # ranked here, not in the mart
    assert "(no album)" not in set(ranged.name)
    half = Filters(h.USER, date(2010, 1, 1), date(2010, 6, 30))
    previous = q.previous_period(half)
    half = q.top_entities(con, half, "album")
    before = Counter(p[3] for p in h.PLAYS if previous.start <= h._day(p) <= previous.end and p[3])
    ranks = {album: 1 + sum(n > plays for n in before.values()) for album, plays in before.items()}
    assert dict(zip(half.name, half.previous_rank)) == ranks                  # no "(no album)" above them before


def test_unknown_is_never_the_top_genre_and_the_share_with_a_genre_is_told(con):
    for year in (None, 2010):
        shares = h.genre_shares(year)
        assert max(shares["shares"], key=shares["shares"].get) == "unknown"     # the trap
        genre, share = h.top_known_genre(year)
        _, headline = charts.genre_share_chart(q.genre_totals(con, EVERYTHING.for_year(year) if year else EVERYTHING))
        assert headline == (f"{genre.capitalize()} is your top genre: {share:.0%} of plays "
                            f"({shares['known']:.0%} of your plays have a known genre)")
    first = q.first_insights(con, h.USER)
    assert [g for g, _ in first["genres"]] == ["rock", "jazz", "hip hop"]
    assert first["genre_coverage"] == pytest.approx(h.genre_shares(None)["known"])


def test_the_genre_trend_speaks_only_for_years_with_enough_plays_and_never_for_unknown(con):
    data = q.genre_by_year(con, EVERYTHING)
    expected = h.trend()
    assert sorted(data.year.unique()) == [2008, 2009, 2010, 2011, 2012]        # every year of the history
    assert sorted(data[data.speaks].year.unique()) == expected["years"] == [2009, 2010]
    assert len(data) == 5 * data.genre.nunique()                               # missing genres are 0, not gaps
    chart, headline = charts.genre_trend_chart(data)
    assert headline == (f"{expected['genre'].capitalize()} grew most: {expected['first']:.0%} of your plays in 2009, "
                        f"{expected['last']:.0%} in 2010")
    spec = chart.to_dict()
    assert spec["title"]["subtitle"] == ("Only years with at least 100 plays are shown (left out: 2008, 2011-2012); "
                                         "'unknown' = artists without a genre")
    assert spec["encoding"]["x"]["scale"]["domain"] == ["2008", "2009", "2010", "2011", "2012"]
    assert spec["mark"]["type"] == "bar"


def test_a_season_belongs_to_the_year_it_ends_in_in_both_hemispheres(con):
    winter = q.genre_by_season(con, EVERYTHING.for_year(2010))
    assert set(winter.season_year) == {2010}
    in_winter = winter[winter.season == "winter"]
    assert sorted(in_winter.month.unique()) == [1, 2, 12]
    assert int(in_winter.plays.sum()) == 30                              # Dec 2009 + Jan-Feb 2010, not Dec 2010
    shares = h.season_shares(2010)
    assert {g: p / 30 for g, p in in_winter.groupby("genre").plays.sum().items()} == pytest.approx(shares)
    chart, headline = charts.season_chart(winter)
    season_year = [p for p in h.PLAYS if h.season_year(h._day(p)) == 2010]
    lift = shares["hip hop"] - sum(1 for p in season_year if h.GENRE[p[1]] == "hip hop") / len(season_year)
    assert headline == (f"In winter 2010 you play more hip hop: {shares['hip hop']:.0%} of plays, "
                        f"{lift * 100:+.0f} points on the whole year")
    assert chart.to_dict()["title"]["subtitle"] == ("The seasons of 2010 run from December 2009 to November 2010: "
                                                    "a season belongs to the year it ends in")
    south = q.genre_by_season(con, Filters(h.SOUTH_USER).for_year(2010))
    assert {(r.season, r.month) for r in south.itertuples()} == {("summer", 12), ("summer", 1), ("summer", 2),
                                                                  ("autumn", 3)}
    for mart in ("mart_track_plays", "mart_daily_genre_plays", "mart_daily_plays"):
        rows = con.execute(f"""SELECT DISTINCT season, season_year FROM marts.{mart}
                               WHERE user_name = ? AND local_date = '2009-12-15'""", [h.SOUTH_USER]).fetchall()
        assert rows == [("summer", 2010)], mart


def test_every_year_of_the_history_stays_on_the_axis(con):
    years = q.plays_per_year(con, EVERYTHING)
    assert dict(zip(years.year, years.plays)) == h.plays_per_year()
    _, headline = charts.years_chart(years)
    assert headline == "2010 was your biggest year: 138 plays; no plays in 2011"


def test_an_empty_or_near_empty_year_gets_one_sentence_and_no_claims_about_zero(con):
    for year, sentence in ((2011, "No plays in 2011"), (2012, "Only 1 play in 2012: too few to show a pattern")):
        period = EVERYTHING.for_year(year)
        assert charts.calendar_chart(q.daily_plays(con, period))[1] == sentence
        assert charts.weekday_chart(q.weekday_profile(con, period), q.weekday_profile(con, period).iloc[0:0],
                                    str(year), "")[1] == sentence
        sections, _, _ = build_sections(con, h.USER, year)
        assert [s.headline for s in sections] == [sentence]


def test_all_time_tops_carry_no_movement_and_a_first_year_has_nothing_to_be_new_against(con):
    for period, label in ((EVERYTHING, "all time"), (EVERYTHING.for_year(2008), "2008")):
        top = q.top_entities(con, period, "artist")
        assert top.is_new.isna().all()
        chart, _ = charts.top_chart(top, "artist", label)
        assert "layer" not in chart.to_dict()                     # bars only, no "new" labels
    compared = q.top_entities(con, EVERYTHING.for_year(2010), "artist")
    assert compared.is_new.notna().all()
    assert "layer" in charts.top_chart(compared, "artist", "2010")[0].to_dict()
