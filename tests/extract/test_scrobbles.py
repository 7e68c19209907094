"""Extraction against the simulator over 127.0.0.1, into a real DuckDB file."""

import threading
from datetime import date, timedelta

import duckdb
import pytest

from scrobble_insights.errors import ConfigError, PermanentLastfmError
from scrobble_insights.extract.scrobbles import Window, WindowPlanner
from scrobble_insights.operate.steps import extract_and_load
from scrobble_insights.simulator import UserSpec
from support import TODAY, truth_rows, warehouse_rows

FIRST = TODAY - timedelta(days=120)
LAST = TODAY - timedelta(days=1)


@pytest.mark.slow
def test_backfill_with_20_percent_faults_lands_exactly_the_simulators_scrobbles(simulator, settings_for):
    sim, server = simulator(fault_rate=0.2, timeout_fault_s=1.5, years=1)
    settings = settings_for(server)
    summary = extract_and_load(settings, ["alice"], FIRST, LAST)

    expected = truth_rows(sim, "alice", FIRST, LAST + timedelta(days=1))
    got = warehouse_rows(settings.warehouse_path, "alice")
    assert sum(expected.values()) > 3000
    assert got == expected                       # nothing missing, nothing doubled
    assert max(expected.values()) >= 2, "the history should hold identical scrobbles; they must stay two rows"
    # each fault was answered by a retry, or (a hang) by the copy sent when an answer is late (ADR 0008)
    assert sim.stats["faults"] > 20
    assert summary.client["retries"] + summary.client["hedges"] >= sim.stats["faults"] - 5
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    # no now-playing row (it has no date), ids unique, every day of the range recorded (empty ones too)
    assert con.execute("SELECT count(*) FROM raw.scrobbles WHERE played_at_uts IS NULL").fetchone()[0] == 0
    assert con.execute("SELECT count(DISTINCT scrobble_id) = count(*) FROM raw.scrobbles").fetchone()[0]
    assert con.execute("SELECT count(*) FROM raw.extracted_days").fetchone()[0] == (LAST - FIRST).days + 1
    # tags: every artist asked once, most played first, cached (not once per scrobble)
    artists = con.execute("SELECT count(DISTINCT artist_name) FROM raw.scrobbles").fetchone()[0]
    assert con.execute("SELECT count(*) FROM raw.artist_tag_fetches").fetchone()[0] == artists
    assert con.execute("SELECT count(*) FROM raw.artist_tags").fetchone()[0] > artists
    con.close()
    assert summary.artists_tagged == artists


def test_second_run_asks_no_tags_again_and_changes_nothing(simulator, settings_for):
    sim, server = simulator()
    settings = settings_for(server)
    extract_and_load(settings, ["alice"], FIRST, LAST)
    before = warehouse_rows(settings.warehouse_path, "alice")
    tag_requests = sim.stats["method:artist.gettoptags"]
    assert tag_requests > 0                                  # the first run asked for tags
    summary = extract_and_load(settings, ["alice"], FIRST, LAST)
    assert summary.artists_tagged == 0
    assert warehouse_rows(settings.warehouse_path, "alice") == before
    assert sim.stats["method:artist.gettoptags"] == tag_requests       # the second asked for none


def test_windows_are_sized_to_full_pages_and_stay_contiguous():
    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(100) if i not in (40, 41)]
    planner = WindowPlanner(days, density=50, target_rows=1000)
    windows = []
    while (w := planner.next()) is not None:
        windows.append(w)
    covered = sorted(d for w in windows for d in (w.start + timedelta(days=i) for i in range(w.days)))
    assert covered == sorted(days)                      # every day once
    assert all(w.days <= 20 for w in windows) and windows[0].days == 20
    assert not any(w.start <= date(2026, 2, 10) < w.end for w in windows)   # gap not bridged
    first, second = Window(date(2026, 1, 1), date(2026, 1, 11)).halves()
    assert (first.start, first.end, second.start, second.end) == (
        date(2026, 1, 6), date(2026, 1, 11), date(2026, 1, 1), date(2026, 1, 6))


def test_unknown_user_fails_at_once_with_one_line(simulator, settings_for):
    """The profile goes out with the first pages (no round trip of its own before them): they fail alike,
    none is asked twice, and nothing is landed."""
    sim, server = simulator(fault_rate=0)
    settings = settings_for(server)
    with pytest.raises(PermanentLastfmError) as caught:
        extract_and_load(settings, ["nobody"], FIRST, LAST)
    assert caught.value.code == 6 and "\n" not in str(caught.value)
    asked = [(r.method.lower(), tuple(sorted(r.params.items()))) for r in sim.request_log()]
    assert len(set(asked)) == len(asked) == sim.stats["requests"]      # no retries for a permanent error
    assert asked[0][0] == "user.getinfo" and {m for m, _ in asked} == {"user.getinfo", "user.getrecenttracks"}
    assert not any(settings.bronze_dir.rglob("*.gz")) and not any(settings.state_dir.rglob("*.json"))


def test_private_history_fails_with_how_to_fix(simulator, settings_for):
    sim, server = simulator(users=[UserSpec("hidden", private=True)])
    with pytest.raises(PermanentLastfmError, match="Hide recent listening") as caught:
        extract_and_load(settings_for(server), ["hidden"], FIRST, LAST)
    assert caught.value.code == 17


def test_bad_user_name_and_reversed_dates_are_config_errors(simulator, settings_for):
    _, server = simulator()
    with pytest.raises(ConfigError, match="not a valid last.fm user name"):
        extract_and_load(settings_for(server), ["../etc"], FIRST, LAST)
    with pytest.raises(ConfigError, match="swap them"):
        extract_and_load(settings_for(server), ["alice"], LAST, FIRST)


def test_several_users_are_kept_apart(simulator, settings_for):
    sim, server = simulator(users=[UserSpec("alice", scrobbles_per_day=30), UserSpec("Bob", scrobbles_per_day=20)])
    settings = settings_for(server)
    extract_and_load(settings, ["alice", "Bob"], LAST - timedelta(days=20), LAST, tags=False)
    for user, stored in (("alice", "alice"), ("Bob", "bob")):
        expected = truth_rows(sim, user, LAST - timedelta(days=20), LAST + timedelta(days=1))
        assert expected, f"{user} should have scrobbles in the range"
        assert warehouse_rows(settings.warehouse_path, stored) == expected


def test_tags_that_fail_before_the_last_days_are_written_do_not_fail_the_user(simulator, settings_for, monkeypatch):
    """The tags start while the last days are being written. Should they fail first (artist.getTopTags
    always answers error 8 here), the failure is the tags', recorded, and the scrobbles still load."""
    from scrobble_insights.extract import scrobbles as module
    from scrobble_insights.simulator import methods

    tags_failed = threading.Event()
    answer, real_write = methods.call, module.write_window

    def tags_down(sim, params):
        if params.get("method", "").lower() == "artist.gettoptags":
            tags_failed.set()
            return methods.user_error(500, 8)
        return answer(sim, params)

    def write_after_the_tags(bronze, user, result):
        tags_failed.wait(timeout=10)
        real_write(bronze, user, result)

    monkeypatch.setattr(methods, "call", tags_down)
    monkeypatch.setattr(module, "write_window", write_after_the_tags)
    sim, server = simulator(fault_rate=0)
    settings = settings_for(server, max_attempts=1)
    summary = extract_and_load(settings, ["alice"], LAST - timedelta(days=20), LAST)
    assert tags_failed.is_set() and list(summary.failures) == ["artist tags"]
    assert warehouse_rows(settings.warehouse_path, "alice") == truth_rows(sim, "alice", LAST - timedelta(days=20), TODAY)
