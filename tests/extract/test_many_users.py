"""Many listeners on one machine (issue 13): the users of one job share one client and its rate limit
fairly, so a heavy listener's long history does not hold back a light listener's."""

from datetime import timedelta

from scrobble_insights.extract.scrobbles import Reporter
from scrobble_insights.operate.steps import extract_and_load
from scrobble_insights.simulator import UserSpec
from support import TODAY, truth_rows, warehouse_rows

LAST = TODAY - timedelta(days=1)


def test_a_heavy_listeners_history_does_not_hold_back_a_light_listeners(simulator, settings_for):
    sim, server = simulator(years=0.6, users=[UserSpec("big", scrobbles_per_day=60),
                                              UserSpec("small", scrobbles_per_day=15)])
    settings = settings_for(server, page_limit=50)
    pages: list[str] = []
    reporter = Reporter(on_page=lambda user, scrobbles: pages.append(user))
    # `big` is named first: one user after the other, `small` would wait for all of big's pages.
    summary = extract_and_load(settings, ["big", "small"], LAST - timedelta(days=200), LAST, tags=False,
                               reporter=reporter)
    assert [s.user for s in summary.extracted] == ["big", "small"]
    big_pages, small_pages = pages.count("big"), pages.count("small")
    assert big_pages > 3 * small_pages > 60
    # Fair: while both are in flight, each gets about half the requests (less while its window's first
    # page travels alone), so small's pages are done by 2-3 times their number. One user after the
    # other, they would come after all of big's.
    last_small = max(i for i, user in enumerate(pages) if user == "small")
    assert last_small < 3 * small_pages, f"small's last page came {last_small}th of {len(pages)}"
    for user in ("big", "small"):       # and each got exactly its own scrobbles
        assert warehouse_rows(settings.warehouse_path, user) == truth_rows(sim, user, LAST - timedelta(days=200),
                                                                           TODAY)
