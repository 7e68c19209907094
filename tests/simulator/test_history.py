"""The synthetic listener: determinism, listening patterns, catalogue and mutations."""

from __future__ import annotations

import statistics
import time
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from scrobble_insights.simulator import Scrobble, Simulator, SimulatorConfig, UserSpec
from scrobble_insights.simulator.catalogue import GENRES
from scrobble_insights.simulator.history import utc_text

NOW = 1767225600          # 2026-01-01T00:00:00Z
DAY = 86400
YEARS = 3.0


@pytest.fixture(scope="module")
def sim() -> Simulator:
    users = [UserSpec("north", timezone="Europe/London"),
             UserSpec("south", timezone="Australia/Sydney", hemisphere="south"),
             UserSpec("tokyo", timezone="Asia/Tokyo")]
    return Simulator(SimulatorConfig(seed=11, users=users, years=YEARS, now=NOW))


def local_hours(scrobbles: list[Scrobble], zone: str) -> Counter[int]:
    tz = ZoneInfo(zone)
    return Counter(datetime.fromtimestamp(s.uts, tz).hour for s in scrobbles)


def genre_of(sim: Simulator, artist: str) -> int:
    return sim.catalogue.artist_genre[sim.catalogue.find_artist(artist)]


def test_truth_is_identical_when_seed_and_user_are_the_same():
    config = dict(users=["ann", "bob"], years=0.3, now=NOW)
    first = Simulator(SimulatorConfig(seed=5, **config))
    second = Simulator(SimulatorConfig(seed=5, **config))
    assert first.truth("ann") == second.truth("ann")
    assert first.artist_tags(first.truth("bob")[0].artist) == second.artist_tags(
        second.truth("bob")[0].artist)


def test_truth_differs_when_seed_or_user_differs():
    a = Simulator(SimulatorConfig(seed=5, users=["ann", "bob"], years=0.3, now=NOW))
    b = Simulator(SimulatorConfig(seed=6, users=["ann"], years=0.3, now=NOW))
    assert a.truth("ann") != b.truth("ann")
    assert a.truth("ann") != a.truth("bob")


def test_history_covers_the_years_before_now_and_nothing_after(sim):
    truth = sim.truth("north")
    assert all(NOW - YEARS * 365.25 * DAY <= s.uts < NOW for s in truth)
    assert truth[0].uts < NOW - (YEARS - 0.05) * 365.25 * DAY
    assert truth[-1].uts > NOW - 2 * DAY
    assert [s.uts for s in truth] == sorted(s.uts for s in truth)


def test_total_is_close_to_scrobbles_per_day_times_days(sim):
    expected = 60.0 * YEARS * 365.25
    assert 0.85 * expected < len(sim.truth("north")) < 1.15 * expected


def test_evening_peak_beats_the_small_hours_in_local_time(sim):
    for user, zone in (("north", "Europe/London"), ("tokyo", "Asia/Tokyo")):
        hours = local_hours(sim.truth(user), zone)
        assert max(hours, key=hours.__getitem__) in (19, 20, 21, 22)
        assert hours[21] > 5 * hours[4]
        assert hours[8] > hours[10] and hours[12] > hours[10]   # commute and lunch bumps


def test_daily_rhythm_follows_the_users_time_zone(sim):
    utc_peak = {user: max(h, key=h.__getitem__)
                for user in ("north", "tokyo") for h in [local_hours(sim.truth(user), "UTC")]}
    assert utc_peak["north"] != utc_peak["tokyo"]


def test_morning_start_stays_at_local_seven_across_daylight_saving(sim):
    london = ZoneInfo("Europe/London")

    def six_to_seven(months: tuple[int, ...], zone) -> float:
        hours: Counter[int] = Counter()
        for s in sim.truth("north"):
            local = datetime.fromtimestamp(s.uts, london)
            if local.month in months and local.weekday() < 5:
                hours[datetime.fromtimestamp(s.uts, zone).hour] += 1
        return hours[6] / hours[7]

    summer, winter = (6, 7, 8), (12, 1, 2)
    assert six_to_seven(summer, london) < 0.5 and six_to_seven(winter, london) < 0.5
    # In UTC the summer commute starts an hour earlier (BST = UTC+1).
    assert six_to_seven(summer, ZoneInfo("UTC")) > six_to_seven(summer, london) + 0.15


def test_weekend_days_have_more_plays_than_weekdays(sim):
    tz = ZoneInfo("Europe/London")
    days = Counter(datetime.fromtimestamp(s.uts, tz).date() for s in sim.truth("north"))
    weekend = [n for d, n in days.items() if d.weekday() >= 5]
    weekday = [n for d, n in days.items() if d.weekday() < 5]
    assert statistics.mean(weekend) > 1.2 * statistics.mean(weekday)


def test_some_days_are_silent_and_some_are_binges(sim):
    tz = ZoneInfo("Europe/London")
    days = Counter(datetime.fromtimestamp(s.uts, tz).date() for s in sim.truth("north"))
    assert len(days) < 0.97 * YEARS * 365           # holidays without plays
    assert max(days.values()) > 3 * statistics.median(days.values())


def test_top_tenth_of_artists_gets_most_plays(sim):
    plays = sorted(Counter(s.artist for s in sim.truth("north")).values(), reverse=True)
    top = len(sim.catalogue.artist_name) // 10
    assert sum(plays[:top]) > 0.4 * sum(plays)


def test_tracks_of_one_artist_are_played_unevenly(sim):
    truth = sim.truth("north")
    favourite = Counter(s.artist for s in truth).most_common(1)[0][0]
    tracks = Counter(s.track for s in truth if s.artist == favourite).most_common()
    assert tracks[0][1] > 4 * tracks[len(tracks) // 2][1]


def test_sessions_space_tracks_a_few_minutes_apart(sim):
    uts = [s.uts for s in sim.truth("north")]
    gaps = [b - a for a, b in zip(uts, uts[1:]) if 0 < b - a < 1800]
    assert 150 < statistics.median(gaps) < 300
    assert sum(1 for a, b in zip(uts, uts[1:]) if b - a > 3600) > 0.05 * len(uts) / 60


@pytest.mark.parametrize("user", ["north", "south"])
def test_seasons_shift_genres_by_hemisphere(sim, user):
    tz = ZoneInfo("Australia/Sydney" if user == "south" else "Europe/London")
    summer_share = {}
    for months in ((6, 7, 8), (12, 1, 2)):
        picked = [s for s in sim.truth(user) if datetime.fromtimestamp(s.uts, tz).month in months]
        summer = sum(1 for s in picked if GENRES[genre_of(sim, s.artist)][2] > 0)
        summer_share[months] = summer / len(picked)
    june_higher = summer_share[(6, 7, 8)] > summer_share[(12, 1, 2)]
    assert june_higher == (user == "north")


def test_taste_drifts_and_new_artists_are_discovered(sim):
    truth = sim.truth("north")
    year = 365 * DAY
    first = Counter(GENRES[genre_of(sim, s.artist)][0] for s in truth if s.uts < truth[0].uts + year)
    last = Counter(GENRES[genre_of(sim, s.artist)][0] for s in truth if s.uts >= NOW - year)
    n1, n2 = sum(first.values()), sum(last.values())
    distance = sum(abs(first[g] / n1 - last[g] / n2) for g in set(first) | set(last)) / 2
    assert distance > 0.1
    early = {s.artist for s in truth if s.uts < truth[0].uts + year}
    late_top = Counter(s.artist for s in truth if s.uts >= NOW - year).most_common(40)
    assert any(artist not in early for artist, _ in late_top)


def test_history_has_the_data_quality_quirks_of_the_real_api(sim):
    truth = sim.truth("north")
    per_second = Counter(s.uts for s in truth)
    assert max(per_second.values()) >= 5                      # bulk-import burst
    assert any(n >= 2 for n in Counter(truth).values())       # exact duplicates
    assert any(s.artist_mbid == "" for s in truth) and any(s.artist_mbid for s in truth)
    assert any(s.track_mbid == "" for s in truth) and any(s.album_mbid == "" for s in truth)
    assert any(s.album == "" for s in truth)


def test_catalogue_names_include_awkward_characters(sim):
    names = sim.catalogue.artist_name
    assert 300 <= len(names) <= 600
    for probe in ("&", "/", "'"):
        assert any(probe in n for n in names), probe
    assert any(not n.isascii() for n in names)
    assert any(n.startswith("The ") for n in names)
    assert len({n.casefold() for n in names}) == len(names)


def test_catalogue_mbid_shares_are_realistic(sim):
    cat = sim.catalogue
    share = lambda ids: sum(1 for m in ids if m) / len(ids)  # noqa: E731
    assert 0.55 < share(cat.artist_mbid) < 0.75
    assert 0.45 < share(cat.track_mbid) < 0.65
    assert 0.38 < share(cat.album_mbid) < 0.62


def test_artist_tags_are_weighted_noisy_and_use_genre_spellings(sim):
    all_tags = [sim.artist_tags(name) for name in sim.catalogue.artist_name]
    names = Counter(tag for tags in all_tags for tag, _ in tags)
    for tags in all_tags:
        if tags:
            counts = [c for _, c in tags]
            assert counts[0] == 100 and counts == sorted(counts, reverse=True)
            assert 5 <= len(tags) <= 40 and min(counts) >= 1
    assert any(not tags for tags in all_tags)
    assert names["seen live"] > len(all_tags) / 2
    for variant in ("Hip-Hop", "hip hop", "hiphop", "rnb", "R&B", "post rock", "electronica"):
        assert names[variant] > 0, variant
    junk_only = [t for t in all_tags if t and t[0][0] not in {g for x in GENRES for g in x[3]}]
    assert junk_only


def test_artist_tags_of_an_unknown_artist_raise(sim):
    with pytest.raises(KeyError):
        sim.artist_tags("No Such Artist At All")


def test_late_scrobbles_are_recent_and_enter_the_truth():
    sim = Simulator(SimulatorConfig(users=["ann"], years=0.2, now=NOW))
    before = sim.truth("ann")
    added = sim.add_late_scrobbles("ann", 7, max_age_days=14, rng_seed=3)
    assert len(added) == 7
    assert all(NOW - 14 * DAY <= s.uts < NOW for s in added)
    after = sim.truth("ann")
    assert len(after) == len(before) + 7
    assert not Counter(added) - Counter(after)


def test_deleted_scrobbles_leave_the_truth_only_in_their_range():
    sim = Simulator(SimulatorConfig(users=["ann"], years=0.2, now=NOW))
    since, until = NOW - 30 * DAY, NOW - 20 * DAY
    before = sim.truth("ann")
    gone = sim.delete_scrobbles("ann", 5, since, until)
    assert len(gone) == 5 and all(since <= s.uts < until for s in gone)
    after = sim.truth("ann")
    assert len(after) == len(before) - 5
    assert Counter(before) - Counter(after) == Counter(gone)


def test_edited_scrobbles_keep_their_time_and_change_the_track():
    sim = Simulator(SimulatorConfig(users=["ann"], years=0.2, now=NOW))
    pairs = sim.edit_scrobbles("ann", 4)
    assert len(pairs) == 4
    truth = Counter(sim.truth("ann"))
    for old, new in pairs:
        assert (old.uts, old.artist, old.album) == (new.uts, new.artist, new.album)
        assert old.track != new.track and truth[new] >= 1


def test_config_accepts_plain_user_names():
    config = SimulatorConfig(users=["a", "b"], years=0.1, now=NOW)
    assert [u.name for u in config.users] == ["a", "b"]
    with pytest.raises(ValueError):
        SimulatorConfig(users=["a", "A"])


def test_utc_text_matches_the_recorded_format():
    assert utc_text(1776024459) == "12 Apr 2026, 20:07"
    assert utc_text(1672617223) == "01 Jan 2023, 23:53"


def test_large_histories_build_fast():
    started = time.perf_counter()
    sim = Simulator(SimulatorConfig(users=[UserSpec("big", scrobbles_per_day=91.3)], now=NOW))
    elapsed = time.perf_counter() - started
    assert 90_000 < len(sim.users["big"]) < 110_000
    assert elapsed < 2.0
