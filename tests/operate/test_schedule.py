"""The crontab line and the systemd units: paths with spaces survive the shell, the hour is formatted."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from scrobble_insights.operate.schedule import crontab, daily_command, systemd_units

EXE = "/opt/si/bin/scrobble-insights"


def test_daily_command_quotes_users_and_a_data_dir_with_spaces():
    command = daily_command(EXE, ["alice", "bob o'neil"], Path("/srv/my music/data"))
    assert shlex.split(command) == [EXE, "run", "--user", "alice", "--user", "bob o'neil",
                                    "--data-dir", "/srv/my music/data"]


def test_daily_command_without_users_has_no_empty_flag():
    assert daily_command(EXE, [], Path("/srv/data")) == f"{EXE} run --data-dir /srv/data"


def test_daily_command_keeps_a_data_dir_with_two_spaces_in_a_row():
    command = daily_command(EXE, ["alice"], Path("/srv/my  music"))
    assert shlex.split(command)[-1] == "/srv/my  music"


def test_daily_command_accepts_a_multi_word_executable():
    command = daily_command("/usr/bin/python3 -m scrobble_insights", ["alice"], Path("/srv/data"))
    assert shlex.split(command)[:4] == ["/usr/bin/python3", "-m", "scrobble_insights", "run"]


def cron_parts(text: str) -> tuple[str, list[str]]:
    """The comment line, and the schedule fields plus the shell words of the job line."""
    comment, line = text.splitlines()
    return comment, line.split(" ", 5)[:5] + shlex.split(line.split(" ", 5)[5])


@pytest.mark.parametrize("hour", [0, 6, 23])
def test_crontab_runs_at_seven_past_the_hour(hour):
    comment, words = cron_parts(crontab(f"{EXE} run --data-dir /d", hour, Path("/w"), Path("/d")))
    assert words[:5] == ["7", str(hour), "*", "*", "*"]
    assert f"every day at {hour:02d}:07" in comment and comment.startswith("#")


def test_crontab_quotes_the_working_and_data_directories():
    data, cwd = Path("/srv/my music/data"), Path("/home/me/my project")
    command = daily_command(EXE, ["alice"], data)
    _, words = cron_parts(crontab(command, 6, cwd, data))
    assert words[5:] == ["cd", str(cwd), "&&", EXE, "run", "--user", "alice", "--data-dir", str(data),
                         ">>", str(data / "cron.log"), "2>&1"]


def test_crontab_escapes_percent_signs_which_cron_turns_into_newlines():
    """cron ends the command at an unescaped % (the rest goes to stdin); \\% is a literal %."""
    data = Path("/srv/100%/data")
    text = crontab(daily_command(EXE, ["alice"], data), 6, Path("/w"), data)
    job_line = text.splitlines()[1]
    assert "%" not in job_line.replace("\\%", "")
    as_cron_runs_it = job_line.split(" ", 5)[5].replace("\\%", "%")
    assert shlex.split(as_cron_runs_it)[-3:] == [">>", str(data / "cron.log"), "2>&1"]


@pytest.mark.parametrize("hour", [0, 6, 23])
def test_systemd_timer_hour(hour):
    units = systemd_units(f"{EXE} run --data-dir /d", hour, Path("/w"))
    assert f"\nOnCalendar=*-*-* {hour:02d}:07:00\n" in units
    assert "\nPersistent=true\n" in units and "\nWantedBy=timers.target\n" in units


def test_systemd_service_runs_the_command_in_the_working_directory():
    data, cwd = Path("/srv/my music/data"), Path("/home/me/my project")
    command = daily_command(EXE, ["alice"], data)
    lines = systemd_units(command, 6, cwd).splitlines()
    assert f"WorkingDirectory={cwd}" in lines
    assert f"EnvironmentFile=-{cwd}/.env" in lines
    [exec_start] = [line for line in lines if line.startswith("ExecStart=")]
    assert shlex.split(exec_start.removeprefix("ExecStart=")) == [EXE, "run", "--user", "alice", "--data-dir",
                                                                  str(data)]
    assert "Type=oneshot" in lines
    # Two units, each headed by the path to save it as.
    assert [line for line in lines if line.startswith("# /etc/systemd/system/")] == [
        "# /etc/systemd/system/scrobble-insights.service", "# /etc/systemd/system/scrobble-insights.timer"]


def test_systemd_units_escape_percent_signs_which_systemd_expands_as_specifiers():
    data, cwd = Path("/srv/100%/data"), Path("/home/me/50%")
    lines = systemd_units(daily_command(EXE, ["alice"], data), 6, cwd).splitlines()
    assert "WorkingDirectory=/home/me/50%%" in lines and "EnvironmentFile=-/home/me/50%%/.env" in lines
    [exec_start] = [line for line in lines if line.startswith("ExecStart=")]
    assert shlex.split(exec_start.removeprefix("ExecStart=").replace("%%", "%"))[-1] == str(data)
