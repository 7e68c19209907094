"""The pure parts of `status` and `verify`: day ranges, last runs per user, month windows, agreement;
and `status` on a data directory without a readable warehouse (the run log alone)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from scrobble_insights.operate.runlog import record_run
from scrobble_insights.operate.status import _last_runs, _ranges, status_report
from scrobble_insights.operate.verify import MonthCheck, Verification, month_windows

NOW = datetime(2026, 3, 15, tzinfo=timezone.utc)


def d(text: str) -> date:
    return date.fromisoformat(text)


# -- status._ranges -----------------------------------------------------------------------------------

def test_ranges_of_nothing_is_empty():
    assert _ranges([]) == []


def test_ranges_fold_consecutive_days_across_month_and_year_ends():
    days = [d("2025-12-30"), d("2025-12-31"), d("2026-01-01"), d("2026-01-03"), d("2026-02-28"), d("2026-03-01")]
    assert _ranges(days) == [["2025-12-30", "2026-01-01"], ["2026-01-03", "2026-01-03"],
                             ["2026-02-28", "2026-03-01"]]


def test_ranges_of_a_leap_day():
    assert _ranges([d("2024-02-28"), d("2024-02-29"), d("2024-03-01")]) == [["2024-02-28", "2024-03-01"]]


# -- status._last_runs --------------------------------------------------------------------------------

def run(status: str, users: list[str] | None, n: int) -> dict:
    return {"command": "run", "status": status, "users": users, "n": n}


def test_last_runs_a_failure_after_the_last_success_is_reported():
    runs = [run("ok", ["alice"], 1), run("failed", ["alice"], 2), run("ok", ["alice"], 3), run("failed", ["alice"], 4)]
    ok, failed = _last_runs(runs, "alice")
    assert ok["n"] == 3 and failed["n"] == 4


def test_last_runs_a_failure_healed_by_a_later_success_is_not():
    runs = [run("failed", ["alice"], 1), run("ok", ["alice", "bob"], 2)]
    assert [r and r["n"] for r in _last_runs(runs, "alice")] == [2, None]


def test_last_runs_only_count_the_users_own_runs():
    runs = [run("ok", ["alice"], 1), run("failed", ["bob"], 2), run("failed", None, 3), {"status": "ok"}]
    assert [r and r["n"] for r in _last_runs(runs, "alice")] == [1, None]
    assert [r and r["n"] for r in _last_runs(runs, "bob")] == [None, 2]
    assert _last_runs(runs, "carol") == (None, None)


# -- status_report without a warehouse ----------------------------------------------------------------

def test_status_of_a_directory_without_a_warehouse_shows_the_last_run(settings_at):
    settings = settings_at()
    record_run(settings.data_dir, {"command": "run", "users": ["alice"], "status": "failed", "error": "boom"})
    report = status_report(settings, now=NOW)
    assert report["warehouse_exists"] is False and report["warehouse_readable"] is False
    assert report["users"] == [] and report["warehouse_bytes"] == 0
    assert report["last_run"]["error"] == "boom"


def test_status_of_an_unreadable_warehouse_falls_back_to_the_run_log(settings_at):
    settings = settings_at()
    settings.data_dir.mkdir(parents=True)
    settings.warehouse_path.write_bytes(b"this is not a duckdb file" * 100)
    record_run(settings.data_dir, {"command": "backfill", "users": ["alice", "bob"], "status": "ok"})
    record_run(settings.data_dir, {"command": "run", "users": ["bob"], "status": "failed", "error": "boom"})
    report = status_report(settings, now=NOW)
    assert report["warehouse_exists"] is True and report["warehouse_readable"] is False
    assert report["warehouse_error"] and "\n" not in report["warehouse_error"]
    assert report["warehouse_bytes"] == 2500
    by_user = {u["user"]: u for u in report["run_log_users"]}
    assert sorted(by_user) == ["alice", "bob"]
    assert by_user["alice"]["last_success"]["command"] == "backfill" and by_user["alice"]["last_failure"] is None
    assert by_user["bob"]["last_failure"]["error"] == "boom"


# -- verify.month_windows -----------------------------------------------------------------------------

def test_month_windows_cut_at_month_ends_with_partial_first_and_last_months():
    assert month_windows(d("2024-01-15"), d("2024-03-10")) == [
        (d("2024-01-15"), d("2024-01-31")), (d("2024-02-01"), d("2024-02-29")), (d("2024-03-01"), d("2024-03-10"))]


def test_month_windows_of_one_day_and_of_an_empty_range():
    assert month_windows(d("2025-12-31"), d("2025-12-31")) == [(d("2025-12-31"), d("2025-12-31"))]
    assert month_windows(d("2026-01-02"), d("2026-01-01")) == []


def test_month_windows_across_a_year_end():
    assert month_windows(d("2025-12-20"), d("2026-01-05")) == [
        (d("2025-12-20"), d("2025-12-31")), (d("2026-01-01"), d("2026-01-05"))]


@pytest.mark.parametrize("first,last", [("2002-01-01", "2026-03-14"), ("2019-02-28", "2020-03-01"),
                                        ("2023-01-31", "2023-05-31")])
def test_month_windows_cover_every_day_once_each_within_one_month(first, last):
    windows = month_windows(d(first), d(last))
    assert windows[0][0] == d(first) and windows[-1][1] == d(last)
    for (_, b), (c, _) in zip(windows, windows[1:]):
        assert c == b + timedelta(days=1)                   # contiguous, no overlap
    for a, b in windows:
        assert a <= b and (a.year, a.month) == (b.year, b.month)
        assert (b + timedelta(days=1)).day == 1 or b == d(last)     # ends at a month's end


# -- verify: agreement --------------------------------------------------------------------------------

def test_verification_agrees_only_when_every_month_and_the_playcount_agree():
    months = [MonthCheck(d("2026-01-01"), d("2026-01-31"), 100, 100),
              MonthCheck(d("2026-02-01"), d("2026-02-28"), 80, 79)]
    checked = Verification("alice", months, playcount=200, after_last_day=21, stored=179, whole_history=True)
    assert [m.first_day for m in checked.disagreeing] == [d("2026-02-01")]
    assert checked.playcount_agrees and not checked.agrees
    months[1].warehouse = 80
    assert checked.disagreeing == [] and checked.agrees
    checked.stored = 180                                    # 200 - 21 != 180: a row too many somewhere
    assert not checked.playcount_agrees and not checked.agrees


def test_verification_from_since_ignores_the_whole_history_playcount():
    months = [MonthCheck(d("2026-02-01"), d("2026-02-28"), 80, 80)]
    checked = Verification("alice", months, playcount=5000, after_last_day=0, stored=80, whole_history=False)
    assert not checked.playcount_agrees and checked.agrees


# -- status_report on a modelled warehouse -------------------------------------------------------------

@pytest.mark.slow
def test_status_says_how_far_each_user_is_modelled_and_tagged(settings_at):
    """scrobbles_modelled (fact rows), genre_coverage (share of plays whose artist has a genre) and
    artists_untagged (artists never asked for tags), per user (issue 13)."""
    from scrobble_insights.load.snapshot import publish_snapshot
    from scrobble_insights.transform.dbt import transform
    from transform_history import write_history

    settings = settings_at(users=["alice", "bob"])
    alice = [(f"2026-03-0{day} 12:00", "Radiohead", f"Song {day}") for day in range(1, 7)] + [
        ("2026-03-02 13:00", "Nobody Knows", "Hum"), ("2026-03-03 13:00", "Tagless", "Quiet")]
    tags = {"Radiohead": [("alternative rock", 100)], "Tagless": []}      # Tagless asked, no tags: no genre
    write_history(settings, "alice", alice, first=d("2026-03-01"), last=d("2026-03-07"), tags=tags)
    write_history(settings, "bob", [("2026-03-05 09:00", "Radiohead", "Song 1")], first=d("2026-03-05"),
                  last=d("2026-03-05"))
    transform(settings, today=d("2026-03-15"))
    publish_snapshot(settings)
    users = {u["user"]: u for u in status_report(settings, now=NOW)["users"]}
    assert (users["alice"]["scrobbles_modelled"], users["alice"]["genre_coverage"], users["alice"]["artists_untagged"]) \
        == (8, 6 / 8, 1)
    assert (users["bob"]["scrobbles_modelled"], users["bob"]["genre_coverage"], users["bob"]["artists_untagged"]) \
        == (1, 1.0, 0)
