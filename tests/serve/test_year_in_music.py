"""`report --year Y` opens with a 'year in music' block, and every report shows streaks and diversity:
each number is read from the written HTML and compared with an answer computed here in Python from
the plays written (zoneinfo for local time, Counters, no SQL), on one warehouse built for the module."""

from __future__ import annotations

import html
import math
import re
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from scrobble_insights.config import build_settings
from scrobble_insights.serve import queries as q
from scrobble_insights.serve import streaks
from scrobble_insights.serve.report import write_report
from scrobble_insights.transform.dbt import transform
from transform_history import write_history

pytestmark = pytest.mark.slow     # a warehouse of its own: in the full suite, not the fast lane

ZONE = ZoneInfo("Europe/London")
TODAY = date(2026, 1, 2)                   # yesterday, 1 Jan 2026, is the last day of the history
NIGHTJAR = '<Nightjar & "Co">'             # a name that must be escaped


def on(day: str, hour: int, count: int, artist: str, track, album: str | None = "An Album") -> list[tuple]:
    """`count` plays five minutes apart from `hour`:00 UTC; track(n) names the n-th."""
    start = datetime.fromisoformat(f"{day} {hour:02d}:00")
    return [((start + timedelta(minutes=5 * n)).strftime("%Y-%m-%d %H:%M"), artist, track(n), album)
            for n in range(count)]


PLAYS = (
    # 2024, the year before; Rocky's six plays have no album, so 2024's top album is Jazzy's (4 plays)
    [p for d in ("2024-02-05", "2024-02-06", "2024-02-07") for p in on(d, 18, 2, "Rocky", lambda n: f"Stone {n}", None)]
    + on("2024-03-01", 9, 2, "Jazzy", lambda n: "Blue") + on("2024-03-02", 9, 2, "Jazzy", lambda n: "Blue")
    + on("2024-03-05", 9, 2, "Lark", lambda n: "Morning", "Dawn") + on("2024-03-05", 12, 1, NIGHTJAR, lambda n: "Song 0")
    # 2025: Nightjar four a day on 3 .. 7 March (the longest streak; Song 0 twice a day), 20:00 local (GMT)
    + [p for d in range(3, 8) for p in on(f"2025-03-0{d}", 20, 4, NIGHTJAR, lambda n: f"Song {n % 3}", "Dusk & Dawn")]
    + [p for d in ("2025-01-10", "2025-01-20", "2025-02-10") for p in on(d, 8, 2, "Lark", lambda n: "Morning", "Dawn")]
    # Finch, new this year: twelve plays on 14 June from 09:00 UTC (10:00 local, summer time): the peak day
    + on("2025-06-14", 9, 12, "Finch", lambda n: f"Fly {n % 6}", None)
    # eleven guests, one play each on 1 September (new too)
    + [p for n in range(11) for p in on("2025-09-01", 12, 1, f"Guest {n}", lambda _: "Hello")]
    # Wren, new, across New Year: 30, 31 December and 1 January (the current streak on 2 January)
    + on("2025-12-30", 15, 3, "Wren", lambda n: f"Twig {n}") + on("2025-12-31", 15, 3, "Wren", lambda n: f"Twig {n}")
    + on("2026-01-01", 15, 2, "Wren", lambda n: f"Twig {n}")
)
TAGS = {NIGHTJAR: [("rock", 100)], "Rocky": [("rock", 100)], "Jazzy": [("jazz", 100)], "Lark": [("jazz", 100)],
        "Finch": [("hip hop", 100)]}
FAMILY = {artist: tags[0][0] for artist, tags in TAGS.items()}        # the rest have no genre: unknown


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("year-in-music")
    settings = build_settings(data_dir=root / "data", users=[{"name": "ria", "timezone": "Europe/London"}])
    write_history(settings, "ria", PLAYS, first=date(2024, 2, 5), last=date(2026, 1, 1), tags=TAGS)
    transform(settings, today=TODAY)
    return settings.warehouse_path


@pytest.fixture(scope="module")
def reports(warehouse, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    return {year: write_report(warehouse, out / f"{year or 'all'}.html", year=year)[0].read_text(encoding="utf-8")
            for year in (2024, 2025, 2026, None)}


# --- the answers, computed from the plays ---------------------------------------------------------------

def local_plays() -> list[dict]:
    return [{"local": datetime.fromisoformat(when).replace(tzinfo=timezone.utc).astimezone(ZONE), "artist": artist,
             "track": track, "album": album} for when, artist, track, album in PLAYS]


TIES: set[str] = set()          # tops that were ties (the history is written to have none in 2025)


def top(counter: Counter, what: str) -> tuple:
    (first, plays), *rest = counter.most_common()
    if rest and rest[0][1] == plays:
        TIES.add(what)
    return first, plays


def runs(days: set[date]) -> list[tuple[date, date]]:
    """Runs of consecutive days, in order."""
    out = []
    for day in sorted(days):
        if out and out[-1][1] == day - timedelta(days=1):
            out[-1] = (out[-1][0], day)
        else:
            out.append((day, day))
    return out


def expected_year(year: int) -> dict:
    plays = local_plays()
    this = [p for p in plays if p["local"].year == year]
    first_seen = {}
    for p in sorted(plays, key=lambda p: p["local"]):
        first_seen.setdefault(p["artist"], p["local"].year)
    artists = Counter(p["artist"] for p in this)
    new = Counter(p["artist"] for p in this if first_seen[p["artist"]] == year)
    longest = max(runs({p["local"].date() for p in this}), key=lambda r: ((r[1] - r[0]).days, r[1]))
    values, total = list(artists.values()), len(this)
    entropy = -sum(v / total * math.log2(v / total) for v in values)

    def families(rows):
        counts = Counter(FAMILY.get(p["artist"], "unknown") for p in rows)
        return {family: n / len(rows) for family, n in counts.items()}

    return {"plays": total, "days_with_plays": len({p["local"].date() for p in this}),
            "artist": top(artists, f"artist {year}"),
            "album": top(Counter((p["album"], p["artist"]) for p in this if p["album"]), f"album {year}"),
            "track": top(Counter((p["track"], p["artist"]) for p in this), f"track {year}"),
            "new_artists": len(new), "top_new": top(new, f"new {year}"),
            "peak_day": top(Counter(p["local"].date() for p in this), f"day {year}"),
            "peak_hour": top(Counter(p["local"].hour for p in this), f"hour {year}"),
            "streak": ((longest[1] - longest[0]).days + 1, longest[0], longest[1]),
            "top10_share": sum(sorted(values, reverse=True)[:10]) / total, "entropy": entropy,
            "effective": 2 ** entropy, "artists": len(artists),
            "gini": sum(abs(a - b) for a in values for b in values) / (2 * len(values) * total),
            "families": families(this), "families_before": families([p for p in plays if p["local"].year == year - 1])}


# --- reading the page -------------------------------------------------------------------------------------

def story(page: str) -> str:
    [block] = re.findall(r'<section class="story".*?</section>', page, re.S)
    return block


def cards(page: str) -> dict[str, tuple[str, str]]:
    """data-fact -> (the big value, the detail), unescaped."""
    found = re.findall(r'<div class="card" data-fact="([^"]+)"><span class="what">.*?</span><b>(.*?)</b>'
                       r'<span class="detail">(.*?)</span></div>', story(page), re.S)
    return {slug: (html.unescape(value), html.unescape(detail)) for slug, value, detail in found}


def number(text: str) -> int:
    return int(re.search(r"[\d,]+", text).group().replace(",", ""))


def headlines(page: str) -> dict[str, str]:
    return {slug: html.unescape(label) for slug, label in
            re.findall(r'<section class="chart" data-slug="([^"]+)"><div [^>]*aria-label="([^"]*)"', page)}


def day_text(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


# --- tests -------------------------------------------------------------------------------------------------

def test_the_year_in_music_states_the_years_answers(reports):
    page, want = reports[2025], expected_year(2025)
    assert not {tie for tie in TIES if tie.endswith("2025")}
    shown = cards(page)
    assert "<h2>2025 in music</h2>" in story(page)
    assert set(shown) >= {"top-artist", "top-album", "top-track", "discoveries", "peak-day", "peak-hour", "streak",
                          "concentration"}
    lead = html.unescape(re.search(r'<p class="lead">(.*?)</p>', story(page), re.S).group(1))
    assert lead.startswith(f"{want['plays']} plays on {want['days_with_plays']} of the 365 days of 2025.")
    assert shown["top-artist"] == (want["artist"][0], f"{want['artist'][1]} plays")
    (album, artist), plays = want["album"]
    assert shown["top-album"] == (album, f"by {artist} · {plays} plays")
    (track, artist), plays = want["track"]
    assert shown["top-track"] == (track, f"by {artist} · {plays} plays")
    assert number(shown["discoveries"][0]) == want["new_artists"]
    assert shown["discoveries"][1] == f"most played of them: {want['top_new'][0]} ({want['top_new'][1]} plays)"
    day, plays = want["peak_day"]
    assert shown["peak-day"] == (f"{day:%a} {day_text(day)}", f"{plays} plays")
    hour, plays = want["peak_hour"]
    assert shown["peak-hour"][0] == f"{hour:02d}:00" and number(shown["peak-hour"][1]) == plays
    days, first, last = want["streak"]
    assert shown["streak"] == (f"{days} days in a row", f"{day_text(first)} – {day_text(last)}")
    value, detail = shown["concentration"]
    assert value == f"{want['top10_share']:.0%} of plays"
    assert detail == (f"over {want['artists']} artists; entropy {want['entropy']:.2f} bits, as diverse as "
                      f"{want['effective']:.1f} equally played artists; Gini {want['gini']:.2f}")


def test_the_year_in_music_sets_genre_families_against_the_year_before(reports):
    want = expected_year(2025)
    items = re.findall(r'<li data-genre="([^"]+)"><b>.*?</b> <span data-share>(\d+%)</span> '
                       r'\(<span data-previous>(\d+%)</span> in 2024\)</li>', story(reports[2025]))
    assert len(items) == min(5, len(want["families"]))
    ranked = sorted(want["families"], key=lambda family: (-want["families"][family], family))
    assert [html.unescape(family) for family, _, _ in items] == ranked[:len(items)]
    for family, share, before in items:
        family = html.unescape(family)
        assert share == f"{want['families'][family]:.0%}"
        assert before == f"{want['families_before'].get(family, 0.0):.0%}"


def test_a_near_empty_year_reads_as_one_sentence(reports):
    block = story(reports[2026])
    assert "<h2>2026 in music so far</h2>" in block            # the history ends on 1 January
    assert "<div class=\"card\"" not in block
    [sentence] = re.findall(r'<p class="lead">(.*?)</p>', block, re.S)
    plays = [p for p in local_plays() if p["local"].year == 2026]
    assert html.unescape(sentence) == (f"In 2026 you played {len(plays)} tracks on 1 day (your history holds "
                                       f"1 Jan 2026 of it), all by Wren.")
    assert " 0 " not in html.unescape(block) and "0%" not in block


def test_names_from_the_data_are_escaped(reports):
    block = story(reports[2025])
    assert "&lt;Nightjar &amp; &quot;Co&quot;&gt;" in block and "<Nightjar" not in block
    assert "Dusk &amp; Dawn" in block


def test_the_all_time_report_has_streaks_and_diversity_but_no_year_in_music(reports):
    page = reports[None]
    assert '<section class="story"' not in page
    shown = headlines(page)
    local_days = {p["local"].date() for p in local_plays()}
    longest = max(runs(local_days), key=lambda r: ((r[1] - r[0]).days, r[1]))
    current = next(r for r in runs(local_days) if r[1] >= TODAY - timedelta(days=1))
    assert shown["streaks"] == (f"Your longest streak: {(longest[1] - longest[0]).days + 1} days in a row "
                                f"({day_text(longest[0])} – {day_text(longest[1])}); you are on a "
                                f"{(current[1] - current[0]).days + 1}-day streak now (since {day_text(current[0])})")
    latest = expected_year(2025)                # 2026 has just begun (2 plays): the latest real year speaks
    first = expected_year(2024)
    assert shown["diversity"] == (
        f"In 2025 your top 10 artists got {latest['top10_share']:.0%} of your plays; entropy "
        f"{latest['entropy']:.1f} bits, as diverse as {latest['effective']:.1f} equally played artists "
        f"({first['top10_share']:.0%} and {first['effective']:.1f} in 2024)")


def test_the_year_report_has_the_years_streak_in_its_chart_headline(reports):
    days, first, last = expected_year(2025)["streak"]
    assert headlines(reports[2025])["streaks"] == (
        f"Your longest streak in 2025: {days} days in a row ({day_text(first)} – {day_text(last)}); "
        f"you are on a 3-day streak now (since 30 Dec 2025)")


def test_streak_queries_answer_for_a_year_and_for_all_time(warehouse):
    con = q.connect(warehouse)
    try:
        year = streaks.streaks(con, q.Filters("ria").for_year(2024))
        ever = streaks.streaks(con, q.Filters("ria"))
        runs_2025 = streaks.streak_runs(con, q.Filters("ria").for_year(2025))
    finally:
        con.close()
    assert year["longest"]["days"] == 3 and ever["longest"]["days"] == 5 and ever["current"]["days"] == 3
    assert list(runs_2025.days) == [5, 3, 1, 1, 1, 1, 1]      # the run into 2026 touches 2025: whole, 3 days
    chart, _ = streaks.streaks_chart(runs_2025, year, "2024")
    [rows] = chart.to_dict()["datasets"].values()
    assert [row["kind"] for row in rows[:3]] == ["earlier", "current", "earlier"]    # 2024's longest is not here
    chart, _ = streaks.streaks_chart(runs_2025, ever, "all time")
    [rows] = chart.to_dict()["datasets"].values()
    assert [row["kind"] for row in rows[:3]] == ["longest", "current", "earlier"]


def test_the_top_album_is_never_the_plays_without_an_album(reports):
    (album, artist), plays = expected_year(2024)["album"]          # Python counts only plays with an album
    assert cards(reports[2024])["top-album"] == (album, f"by {artist} · {plays} plays")
    assert "(no album)" not in story(reports[2024])


def test_a_tie_at_the_top_is_told(reports):
    counts = Counter(p["local"].hour for p in local_plays() if p["local"].year == 2024)
    (first, plays), (second, again) = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:2]
    assert plays == again                                   # 2024: as many plays at 09:00 as at 18:00
    assert cards(reports[2024])["peak-hour"] == (
        f"{first:02d}:00", f"{plays} plays between {first:02d}:00 and {first:02d}:59 over the year, "
        f"as many as at {second:02d}:00")
