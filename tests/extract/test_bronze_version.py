"""A bronze day file's version is its content: a copied data directory loads nothing again."""

import shutil
from datetime import timedelta

from scrobble_insights.bronze.files import day_key, file_version, read_lines, write_day
from scrobble_insights.bronze.store import LocalBronze
from scrobble_insights.config import build_settings
from scrobble_insights.operate.steps import extract, load
from support import TODAY, truth_rows, warehouse_rows

FIRST, LAST = TODAY - timedelta(days=30), TODAY - timedelta(days=1)


def test_copied_data_dir_reloads_no_day_and_a_changed_day_reloads_alone(simulator, settings_for, tmp_path):
    sim, server = simulator()
    settings = settings_for(server)
    extract(settings, ["alice"], FIRST, LAST)
    first_load, _ = load(settings, ["alice"])
    assert first_load.days == (LAST - FIRST).days + 1

    copy = tmp_path / "copy"
    shutil.copytree(settings.data_dir, copy)              # new inodes and modification times
    copied = build_settings(**{**settings.model_dump(), "data_dir": copy})
    assert load(copied, ["alice"])[0].days == 0

    day = FIRST + timedelta(days=3)
    store = LocalBronze(copied.bronze_dir)
    path = copied.bronze_dir / day_key("alice", day)
    lines = read_lines(store, day_key("alice", day))
    before = file_version(path)
    write_day(store, "alice", day, lines[1:])     # one scrobble deleted on last.fm
    assert file_version(path) != before
    reloaded, _ = load(copied, ["alice"])
    assert (reloaded.days, reloaded.scrobbles) == (1, len(lines) - 1)
    expected = truth_rows(sim, "alice", FIRST, LAST + timedelta(days=1))
    gone = lines[0]["track"]
    expected[(int(gone["date"]["uts"]), gone["artist"]["#text"], gone["name"], gone["album"]["#text"])] -= 1
    assert warehouse_rows(copied.warehouse_path, "alice") == +expected
