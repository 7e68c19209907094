"""`scrobble-insights schedule`: the crontab line or the systemd service and timer that run the daily job."""

from __future__ import annotations

import shlex
from pathlib import Path


def daily_command(executable: str, users: list[str], data_dir: Path) -> str:
    """The `run` command line a scheduler starts every day."""
    words = [executable, "run", *(f"--user {shlex.quote(u)}" for u in users), "--data-dir", shlex.quote(str(data_dir))]
    return " ".join(words)          # (not replace("  ", " ") on the result: it would change a quoted path)


def crontab(command: str, hour: int, cwd: Path, data_dir: Path) -> str:
    job = f"cd {shlex.quote(str(cwd))} && {command} >> {shlex.quote(str(data_dir / 'cron.log'))} 2>&1"
    # cron ends the command at an unescaped % (and feeds the rest to stdin): \% is a literal %.
    return (f"# scrobble-insights: yesterday's scrobbles every day at {hour:02d}:07 (add with `crontab -e`)\n"
            f"7 {hour} * * * " + job.replace("%", "\\%"))


def systemd_units(command: str, hour: int, cwd: Path) -> str:
    # systemd expands %-specifiers in these settings: %% is a literal %.
    command, cwd = command.replace("%", "%%"), str(cwd).replace("%", "%%")
    return f"""# /etc/systemd/system/scrobble-insights.service
[Unit]
Description=Scrobble Insights daily run (last.fm -> warehouse -> dbt)
After=network-online.target
Wants=network-online.target

[Service]
Type=oneshot
WorkingDirectory={cwd}
EnvironmentFile=-{cwd}/.env
ExecStart={command}

# /etc/systemd/system/scrobble-insights.timer
[Unit]
Description=Run Scrobble Insights every day

[Timer]
OnCalendar=*-*-* {hour:02d}:07:00
Persistent=true
RandomizedDelaySec=600

[Install]
WantedBy=timers.target
# then: systemctl daemon-reload && systemctl enable --now scrobble-insights.timer"""
