"""Which artists a job tags, in what order, and when it republishes the genres (issue 13)."""

from collections import Counter

from scrobble_insights.extract.scrobbles import ExtractStats
from scrobble_insights.operate.steps import milestones_reached, tag_order


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
