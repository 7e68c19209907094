"""Streaks and diversity: the questions over their marts and the charts that answer them.

mart_listening_streaks (each run of consecutive local days with plays; the longest and the current one
flagged), mart_listening_streaks_yearly (the longest run inside each year) and
mart_artist_concentration_yearly (top-10 share, entropy, Gini per year) hold the rules; the questions
only filter, order and join them, as in `queries`, and the charts follow `charts` (answer-stating
headlines, Okabe-Ito colours)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from scrobble_insights.serve.charts import OKABE_ITO, WIDTH, day_label, heading, plural, sentence, span_label
from scrobble_insights.serve.queries import Filters, df

# --- the questions --------------------------------------------------------------------------------------

STREAKS = "marts.mart_listening_streaks"
STREAKS_YEARLY = "marts.mart_listening_streaks_yearly"
CONCENTRATION = "marts.mart_artist_concentration_yearly"


def first_row(con, sql: str, params: list) -> dict | None:
    """The first row of a query as a dict (None when there is none)."""
    frame = df(con, sql, params)
    return None if frame.empty else frame.iloc[0].to_dict()


def streaks(con, f: Filters) -> dict:
    """The longest run of consecutive local days with plays and the current one: {scope, longest,
    current}, each run a dict (start_date, end_date, days) or None. A calendar year's longest is the
    longest inside that year (mart_listening_streaks_yearly); any other period has the history's
    longest (mart_listening_streaks). The current run is the one that reaches the build's today or
    yesterday, whatever the period; None when there is none."""
    current = first_row(con, f"""SELECT start_date, end_date, days, plays FROM {STREAKS}
                               WHERE user_name = ? AND is_current""", [f.user])
    if f.calendar_year:
        longest = first_row(con, f"""SELECT longest_streak_start_date AS start_date, longest_streak_end_date AS end_date,
                                          longest_streak_days AS days
                                   FROM {STREAKS_YEARLY} WHERE user_name = ? AND year = ? AND longest_streak_days > 0""",
                          [f.user, f.calendar_year])
        return {"scope": str(f.calendar_year), "longest": longest, "current": current}
    longest = first_row(con, f"""SELECT start_date, end_date, days, plays FROM {STREAKS}
                               WHERE user_name = ? AND is_longest""", [f.user])
    return {"scope": "all time", "longest": longest, "current": current}


def streak_runs(con, f: Filters, limit: int = 10) -> pd.DataFrame:
    """The longest runs of consecutive days with plays (of the history, or those that touch the period):
    start_date, end_date, days, plays, is_longest, is_current; longest first (of equal ones, the latest)."""
    conditions, params = ["user_name = ?"], [f.user]
    if f.start:
        conditions.append("end_date >= ?")
        params.append(f.start)
    if f.end:
        conditions.append("start_date <= ?")
        params.append(f.end)
    return df(con, f"""SELECT start_date, end_date, days, plays, is_longest, is_current FROM {STREAKS}
                       WHERE {' AND '.join(conditions)} ORDER BY days DESC, end_date DESC LIMIT {int(limit)}""", params)


def concentration_by_year(con, f: Filters) -> pd.DataFrame:
    """Per local year of the user's history: plays, artists, top10_share, entropy_bits, evenness,
    effective_artists, gini (formulas in mart_artist_concentration_yearly)."""
    return df(con, f"""SELECT year, plays, artists, top10_share, entropy_bits, evenness, effective_artists, gini
                       FROM {CONCENTRATION} WHERE user_name = ? ORDER BY year""", [f.user])


# --- the charts ---------------------------------------------------------------------

def streak_headline(summary: dict, label: str) -> str:
    """The longest run of days with plays (in a year: inside it) and the current one, in words."""
    longest, current = summary.get("longest"), summary.get("current")
    where = "" if summary.get("scope") == "all time" else f" in {label}"
    if not longest:
        text = f"No plays{where}"
    elif int(longest["days"]) == 1:
        text = f"You never played on two days in a row{where}"
    else:
        text = (f"Your longest streak{where}: {plural(longest['days'], 'day')} in a row "
                f"({span_label(longest['start_date'], longest['end_date'])})")
    if current and int(current["days"]) > 1:
        text += f"; you are on a {int(current['days'])}-day streak now (since {day_label(current['start_date'])})"
    return text


def streaks_chart(runs: pd.DataFrame, summary: dict, label: str) -> tuple[alt.Chart, str]:
    """The longest runs of consecutive days with plays (each whole, even across New Year), the longest
    and the current one marked."""
    headline = streak_headline(summary, label)
    if runs.empty:
        return sentence(headline)
    longest = summary.get("longest")

    def kind(start, end, is_current) -> str:
        """current; longest: the run holding the headline's longest streak (in a year, the part inside it)."""
        if is_current:
            return "current"
        if longest and pd.Timestamp(start) <= pd.Timestamp(longest["start_date"]) \
                and pd.Timestamp(longest["end_date"]) <= pd.Timestamp(end):
            return "longest"
        return "earlier"

    frame = runs.assign(run=[span_label(s, e) for s, e in zip(runs.start_date, runs.end_date)],
                        kind=[kind(s, e, c) for s, e, c in zip(runs.start_date, runs.end_date, runs.is_current)])
    chart = alt.Chart(frame).mark_bar().encode(
        y=alt.Y("run:N", sort=None, title=None, axis=alt.Axis(labelLimit=260)),
        x=alt.X("days:Q", title="Consecutive days with plays", axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("kind:N", sort=["longest", "current", "earlier"], title=None,
                        scale=alt.Scale(domain=["longest", "current", "earlier"],
                                        range=[OKABE_ITO[5], OKABE_ITO[2], OKABE_ITO[8]])),
        tooltip=["run", "days", "plays", "kind"],
    ).properties(title=heading(headline), width=WIDTH, height=max(140, 24 * len(frame)))
    return chart, headline


YEAR_MIN_PLAYS = 10        # all time: the headline speaks of the latest year with at least this many plays


def concentration_headline(data: pd.DataFrame, year: int | None = None) -> str:
    """How much of a year's plays the top 10 artists take, with the entropy as 'equally played artists'
    (the selected year; all time: the latest year with YEAR_MIN_PLAYS plays, not a year just begun),
    against the first year of the history."""
    if data.empty:
        return "No plays yet"
    full = data[data.plays >= YEAR_MIN_PLAYS]
    rows = data[data.year == year] if year is not None else (full if not full.empty else data).tail(1)
    if rows.empty:
        return f"No plays in {year}"
    row = rows.iloc[0]
    headline = (f"In {int(row.year)} your top 10 artists got {row.top10_share:.0%} of your plays; "
                f"entropy {row.entropy_bits:.1f} bits, as diverse as {row.effective_artists:.1f} equally played artists")
    first = data.iloc[0]
    if year is None and int(first.year) != int(row.year):
        headline += f" ({first.top10_share:.0%} and {first.effective_artists:.1f} in {int(first.year)})"
    return headline


def concentration_chart(data: pd.DataFrame, year: int | None = None) -> tuple[alt.Chart, str]:
    """Share of plays on the top 10 artists per year (higher = more concentrated); entropy, evenness
    and Gini in the tooltip."""
    headline = concentration_headline(data, year)
    if data.empty:
        return sentence(headline)
    base = alt.Chart(data).encode(
        x=alt.X("year:O", title="Year", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("top10_share:Q", title="Plays on your top 10 artists", axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
        tooltip=["year", "plays", "artists", alt.Tooltip("top10_share:Q", title="top-10 share", format=".1%"),
                 alt.Tooltip("entropy_bits:Q", title="entropy (bits)", format=".2f"),
                 alt.Tooltip("effective_artists:Q", title="as diverse as N equal artists", format=".1f"),
                 alt.Tooltip("evenness:Q", format=".2f"), alt.Tooltip("gini:Q", title="Gini", format=".2f")])
    points = base.mark_point(filled=True, size=60, color=OKABE_ITO[4])
    if year is not None:                       # the selected year stands out
        points = points.encode(color=alt.condition(alt.datum.year == year, alt.value(OKABE_ITO[5]),
                                                   alt.value(OKABE_ITO[4])),
                               size=alt.condition(alt.datum.year == year, alt.value(140), alt.value(60)))
    chart = base.mark_line(color=OKABE_ITO[4]) + points
    return chart.properties(title=heading(headline), width=WIDTH, height=240), headline
