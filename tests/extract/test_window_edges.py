"""Window edges: a play at exactly 00:00:00 UTC is landed once whether the API's `to` is inclusive or not;
a window that keeps changing fails with honest advice."""

from collections import Counter
from datetime import timedelta

import pytest

from scrobble_insights.bronze.files import iter_days, read_lines
from scrobble_insights.bronze.store import open_bronze
from scrobble_insights.errors import ExtractError
from scrobble_insights.operate.steps import extract
from scrobble_insights.simulator import Simulator, SimulatorConfig, UserSpec
from support import NOW, TODAY, day_uts, truth_rows

FIRST, LAST = TODAY - timedelta(days=60), TODAY - timedelta(days=1)


def bronze_rows(settings, user: str) -> Counter:
    """The scrobbles in the bronze day files, as a multiset like support.truth_rows."""
    rows: Counter = Counter()
    store = open_bronze(settings)
    for _, day, key, _ in iter_days(store, [user]):
        for line in read_lines(store, key):
            track = line["track"]
            uts = int(track["date"]["uts"])
            assert day_uts(day) <= uts < day_uts(day + timedelta(days=1)), "a scrobble landed in the wrong day"
            rows[(uts, track["artist"]["#text"], track["name"], track["album"]["#text"])] += 1
    return rows


@pytest.mark.parametrize("inclusive_to", [True, False])
def test_plays_at_utc_midnight_land_exactly_once_when_to_is_inclusive(simulator, settings_for, inclusive_to):
    sim, server = simulator(inclusive_to=inclusive_to, years=0.3)
    # A play at every UTC midnight of the range and the one after it: every window edge has one.
    for i in range((LAST - FIRST).days + 2):
        sim.add_scrobble("alice", day_uts(FIRST + timedelta(days=i)))
    settings = settings_for(server, page_limit=50, window_target_pages=2)      # many small windows
    stats, _ = extract(settings, ["alice"], FIRST, LAST)

    assert stats[0].windows > 10 and stats[0].windows_refetched == 0
    expected = truth_rows(sim, "alice", FIRST, LAST + timedelta(days=1))
    assert bronze_rows(settings, "alice") == expected
    assert stats[0].scrobbles == sum(expected.values())


class SyncingAccount(Simulator):
    """A listener whose offline player syncs one more play of the last days before every API answer."""

    def count(self, key: str, n: int = 1) -> None:
        super().count(key, n)
        if key == "requests":
            self.add_late_scrobbles("alice", 1, max_age_days=3)


def test_window_that_keeps_changing_fails_with_honest_advice(settings_for):
    sim = SyncingAccount(SimulatorConfig(users=[UserSpec("alice", scrobbles_per_day=40)], years=0.1, now=NOW,
                                         rate_limit=0))
    with sim.serve() as server:
        settings = settings_for(server, page_limit=10)          # several pages, so their totals can differ
        with pytest.raises(ExtractError) as caught:
            extract(settings, ["alice"], TODAY - timedelta(days=3), TODAY - timedelta(days=1))
    message = str(caught.value)
    assert "\n" not in message and "again later" not in message
    assert "added to or deleted from that period while it was read" in message
    assert "last.fm answered inconsistently" in message and "report it with the log" in message
