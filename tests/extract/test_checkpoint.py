"""Resuming trusts the bronze files, not the checkpoint's notes; a checkpoint of any odd shape is ignored."""

import json
import logging
from datetime import date, timedelta

import pytest

from scrobble_insights.bronze.files import day_key
from scrobble_insights.extract.checkpoint import Checkpoint
from scrobble_insights.operate.steps import extract, load
from support import TODAY, truth_rows, warehouse_rows

FIRST, LAST = TODAY - timedelta(days=40), TODAY - timedelta(days=1)


def test_checkpointed_days_without_bronze_files_are_extracted_again(simulator, settings_for):
    sim, server = simulator()
    settings = settings_for(server)
    extract(settings, ["alice"], FIRST, LAST)
    # As after an interrupted run whose files were then lost: the checkpoint says "all done".
    Checkpoint(settings.state_dir, "alice", FIRST, LAST).mark_done(FIRST, LAST + timedelta(days=1))
    lost = [FIRST, FIRST + timedelta(days=7), FIRST + timedelta(days=8), LAST]
    for day in lost:
        (settings.bronze_dir / day_key("alice", day)).unlink()

    stats, _ = extract(settings, ["alice"], FIRST, LAST)
    assert all((settings.bronze_dir / day_key("alice", day)).exists() for day in lost)
    assert stats[0].days_skipped == (LAST - FIRST).days + 1 - len(lost)
    load(settings, ["alice"])
    expected = truth_rows(sim, "alice", FIRST, LAST + timedelta(days=1))
    assert sum(expected.values()) > 500
    assert warehouse_rows(settings.warehouse_path, "alice") == expected


@pytest.mark.parametrize("text", [
    '["2026-01-01", "2026-01-05"]',                 # a list, not an object
    '{"done": [[1, 2]]}',                           # numbers, not dates
    '{"done": [["2026-01-01"]]}',                   # not pairs
    '{"done": [["2026-01-01", "2026-13-40"]]}',     # a bad date
    '{"done": {"2026-01-01": "2026-01-05"}}',       # an object, not a list of pairs
    '{"done": null}',
    '"done"',
    '{"done": [["2026-01-01", "2026-01-05"]',       # cut off
])
def test_checkpoint_of_an_unexpected_shape_is_ignored_with_a_warning(tmp_path, caplog, text):
    first, last = date(2026, 1, 1), date(2026, 1, 31)
    path = Checkpoint(tmp_path, "alice", first, last).path
    path.parent.mkdir(parents=True)
    path.write_text(text)
    with caplog.at_level(logging.WARNING, logger="scrobble_insights.extract.checkpoint"):
        checkpoint = Checkpoint(tmp_path, "alice", first, last)
        assert checkpoint.done_days() == set()
    assert "damaged checkpoint" in caplog.text
    checkpoint.mark_done(first, first + timedelta(days=2))       # and it is replaced by a good one
    assert json.loads(path.read_text()) == {"done": [["2026-01-01", "2026-01-03"]]}


def test_run_with_a_misshapen_checkpoint_extracts_everything(simulator, settings_for):
    sim, server = simulator()
    settings = settings_for(server)
    path = Checkpoint(settings.state_dir, "alice", FIRST, LAST).path
    path.parent.mkdir(parents=True)
    path.write_text('{"done": [["not a date", 7]]}')
    stats, _ = extract(settings, ["alice"], FIRST, LAST)
    assert stats[0].days_skipped == 0 and not path.exists()
    assert stats[0].scrobbles == sum(truth_rows(sim, "alice", FIRST, LAST + timedelta(days=1)).values())
