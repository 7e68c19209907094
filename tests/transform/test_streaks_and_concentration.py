"""Known answers for the streak and concentration marts on a small hand-written history, built by the
real loader and dbt once for the module (today pinned), compared with answers worked out by hand (the
streaks) and computed in Python from the plays written (the concentration figures)."""

from __future__ import annotations

import math
from collections import Counter
from datetime import date, timedelta

import duckdb
import pytest

from scrobble_insights.config import build_settings
from scrobble_insights.transform.dbt import transform
from transform_history import write_history

pytestmark = pytest.mark.slow     # a warehouse of its own: in the full suite, not the fast lane

TODAY = date(2025, 3, 10)           # the build's today: yesterday is 9 March, the last extracted day


def days(first: str, count: int) -> list[date]:
    return [date.fromisoformat(first) + timedelta(days=n) for n in range(count)]


# una (London; noon UTC is the same local day all year): one day on 20 Dec 2024; six days across New
# Year, 28 Dec .. 2 Jan; 3 Jan quiet; 4 .. 6 Jan; then 8 .. 9 March, which reaches yesterday: current.
UNA_DAYS = days("2024-12-20", 1) + days("2024-12-28", 6) + days("2025-01-04", 3) + days("2025-03-08", 2)
UNA = [(f"{day} 12:{n:02d}", f"Band {n % 3}", f"Song {n}") for day in UNA_DAYS for n in range(day.day % 4 + 1)]

# vic: 2025 on twelve artists, Alpha 10 plays, Beta 5, ten more 2 each (top 10 = 10 + 5 + 8 * 2 of 35),
# over 1 .. 7 February (seven days, over long before today); 2024: one artist on one day.
VIC_COUNTS = {"Alpha": 10, "Beta": 5, **{f"Gamma {n}": 2 for n in range(10)}}
VIC_ORDER = [artist for artist, count in VIC_COUNTS.items() for _ in range(count)]
VIC = ([(f"{date(2025, 2, 1) + timedelta(days=n % 7)} 10:{n:02d}", artist, f"Tune {n}")
        for n, artist in enumerate(VIC_ORDER)]
       + [("2024-06-15 09:00", "Solo", "Only"), ("2024-06-15 09:05", "Solo", "Only")])


@pytest.fixture(scope="module")
def marts(tmp_path_factory):
    root = tmp_path_factory.mktemp("streaks")
    settings = build_settings(data_dir=root / "data", users=[{"name": "una", "timezone": "Europe/London"},
                                                             {"name": "vic", "timezone": "Europe/London"}])
    write_history(settings, "una", UNA, first=date(2024, 12, 20), last=date(2025, 3, 9))
    write_history(settings, "vic", VIC, first=date(2024, 6, 15), last=date(2025, 3, 9))
    transform(settings, today=TODAY)          # raises if a data test fails (ranges, the add-up test)
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    yield con
    con.close()


def rows(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def test_streaks_break_on_a_quiet_day_run_across_new_year_and_the_current_one_reaches_yesterday(marts):
    una = rows(marts, """SELECT streak_number, start_date, end_date, days, plays, is_longest, is_current
                         FROM marts.mart_listening_streaks WHERE user_name = 'una' ORDER BY 1""")
    plays = Counter(date.fromisoformat(when[:10]) for when, *_ in UNA)
    span = lambda first, last: sum(plays[d] for d in plays if first <= d <= last)       # noqa: E731
    assert una == [
        (1, date(2024, 12, 20), date(2024, 12, 20), 1, span(date(2024, 12, 20), date(2024, 12, 20)), False, False),
        (2, date(2024, 12, 28), date(2025, 1, 2), 6, span(date(2024, 12, 28), date(2025, 1, 2)), True, False),
        (3, date(2025, 1, 4), date(2025, 1, 6), 3, span(date(2025, 1, 4), date(2025, 1, 6)), False, False),
        (4, date(2025, 3, 8), date(2025, 3, 9), 2, span(date(2025, 3, 8), date(2025, 3, 9)), False, True),
    ]
    vic = rows(marts, """SELECT start_date, end_date, days, plays, is_longest, is_current
                         FROM marts.mart_listening_streaks WHERE user_name = 'vic' ORDER BY start_date""")
    assert vic == [(date(2024, 6, 15), date(2024, 6, 15), 1, 2, False, False),
                   (date(2025, 2, 1), date(2025, 2, 7), 7, 35, True, False)]      # over: no current streak


def test_the_yearly_longest_streak_counts_only_the_days_inside_the_year(marts):
    una = rows(marts, """SELECT year, first_date, last_date, days, days_with_plays, longest_streak_days,
                                longest_streak_start_date, longest_streak_end_date
                         FROM marts.mart_listening_streaks_yearly WHERE user_name = 'una' ORDER BY year""")
    assert una == [
        (2024, date(2024, 12, 20), date(2024, 12, 31), 12, 5, 4, date(2024, 12, 28), date(2024, 12, 31)),
        (2025, date(2025, 1, 1), date(2025, 3, 9), 68, 7, 3, date(2025, 1, 4), date(2025, 1, 6)),  # 4..6 Jan beats 1..2 Jan
    ]


def expected_concentration(plays: list[tuple]) -> dict[int, dict]:
    """Per local year (noon/morning UTC = the London day), from the artists' play counts:
    top-10 share, Shannon entropy in bits, evenness, effective artists and the Gini coefficient as the
    mean absolute difference over twice the mean (not the sorted-rank formula of the mart)."""
    by_year: dict[int, Counter] = {}
    for when, artist, *_ in plays:
        by_year.setdefault(int(when[:4]), Counter())[artist] += 1
    out = {}
    for year, counts in by_year.items():
        values, total, n = list(counts.values()), sum(counts.values()), len(counts)
        entropy = -sum(v / total * math.log2(v / total) for v in values)
        gini = sum(abs(a - b) for a in values for b in values) / (2 * n * n * (total / n))
        out[year] = {"plays": total, "artists": n, "top10_share": sum(sorted(values, reverse=True)[:10]) / total,
                     "entropy_bits": entropy, "evenness": entropy / math.log2(n) if n > 1 else 0.0,
                     "effective_artists": 2 ** entropy, "gini": gini}
    return out


def test_concentration_per_year_equals_the_figures_computed_from_the_plays(marts):
    columns = ["plays", "artists", "top10_share", "entropy_bits", "evenness", "effective_artists", "gini"]
    for user, plays in (("una", UNA), ("vic", VIC)):
        found = rows(marts, f"""SELECT year, {', '.join(columns)} FROM marts.mart_artist_concentration_yearly
                                WHERE user_name = '{user}' ORDER BY year""")
        expected = expected_concentration(plays)
        assert [r[0] for r in found] == sorted(expected)
        for year, *values in found:
            assert dict(zip(columns, values)) == pytest.approx(expected[year], rel=1e-9), (user, year)
    vic_2025 = rows(marts, """SELECT top10_plays, top10_share, gini FROM marts.mart_artist_concentration_yearly
                              WHERE user_name = 'vic' AND year = 2025""")
    assert vic_2025[0][:2] == (31, pytest.approx(31 / 35))              # the 11th and 12th artists left out
    # Gini by hand: |10-5| once, |10-2| and |5-2| ten times each, both ways: 230 over 2 * 12^2 * 35/12
    assert vic_2025[0][2] == pytest.approx(230 / 840)
    assert rows(marts, """SELECT entropy_bits, gini, effective_artists FROM marts.mart_artist_concentration_yearly
                          WHERE user_name = 'vic' AND year = 2024""") == [(0.0, 0.0, 1.0)]   # one artist
