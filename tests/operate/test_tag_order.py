"""Which artists a job tags, in what order, and when it republishes the genres (issue 13)."""

from collections import Counter

from scrobble_insights.extract.scrobbles import ExtractStats
from scrobble_insights.operate.steps import HeldStages, ModelWorker, milestones_reached, tag_order


def test_artists_are_tagged_most_played_first_across_users_less_the_fresh_ones():
    alice = ExtractStats("alice", artist_plays=Counter({"A": 5, "B": 1, "Fresh": 50}))
    bob = ExtractStats("bob", artist_plays=Counter({"B": 7, "C": 2}))
    pending = [("Old", 6), ("C", 1)]           # untagged artists the warehouse already held
    assert tag_order(pending, {"Fresh"}, [alice, bob]) == [("B", 8), ("Old", 6), ("A", 5), ("C", 3)]


def test_each_milestone_is_reported_once_when_its_share_of_plays_is_reached():
    passed: set[float] = set()
    assert milestones_reached(40, 100, passed) == []
    assert milestones_reached(50, 100, passed) == [0.5]
    assert milestones_reached(95, 100, passed) == [0.9]
    assert milestones_reached(95, 100, passed) == []
    assert milestones_reached(100, 100, passed) == [0.99, 1.0]
    assert milestones_reached(0, 0, set()) == []


def test_stages_asked_for_while_the_scrobbles_are_written_wait_for_them(settings_at):
    """The tags start before the last days are written: a genre stage they ask for then must not load
    half-written scrobbles. It waits for `release`, which runs the scrobbles stage first (the worker
    runs the latest of what queued up)."""
    published: list[str] = []
    worker = ModelWorker(settings_at(), ["alice"], published.append)
    stages = HeldStages(worker)
    stages.submit("tags 50%")
    worker.close()                       # the worker stops: nothing was handed to it
    assert published == [] and worker.stages == [] and stages.error is None

    worker = ModelWorker(settings_at(), ["alice"], published.append)
    stages = HeldStages(worker)
    stages.submit("tags 50%")
    stages.release("scrobbles")
    stages.submit("tags 90%")            # after the release: straight to the worker
    worker.close()
    assert published[-1] == "tags 90%" and set(published) <= {"scrobbles", "tags 50%", "tags 90%"}
    order = [stage for stage in ("scrobbles", "tags 50%", "tags 90%") if stage in published]
    assert published == order            # in the order asked for, queued ones run as the latest

    quiet = HeldStages(None)             # tags that take no time publish nothing before the end
    quiet.submit("tags 50%")
    quiet.release("scrobbles")
    assert quiet.error is None
