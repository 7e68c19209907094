"""Charts (Vega-Altair) shared by the dashboard and the report.

Each builder takes the DataFrame of a query in `queries` and returns `(chart, headline)`: the
headline states the answer in words ("You listen most at 21:00 on Sundays") and is the chart's title.
Colours: the Okabe-Ito palette (safe for the common colour-vision deficiencies) for categories,
viridis for quantities.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from scrobble_insights.serve.queries import WEEKDAYS

OKABE_ITO = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000", "#999999"]
SEQUENTIAL = "viridis"
WIDTH = "container"


def _title(text: str) -> alt.TitleParams:
    return alt.TitleParams(text, anchor="start", fontSize=15)


def _empty(headline: str) -> tuple[alt.Chart, str]:
    chart = alt.Chart(pd.DataFrame({"x": []})).mark_text().properties(title=_title(headline), width=WIDTH)
    return chart, headline


# Paul Tol's "muted" scheme, also safe for colour-vision deficiencies, extends Okabe-Ito for genres.
TOL_MUTED = ["#CC6677", "#332288", "#DDCC77", "#117733", "#88CCEE", "#882255", "#44AA99", "#999933", "#AA4499"]
PARENT_ORDER = ["rock", "metal", "pop", "electronic", "hip hop", "r&b", "jazz", "blues", "folk", "country",
                "classical", "reggae", "latin", "world", "soundtrack", "other", "unknown"]
PARENT_COLORS = dict(zip(PARENT_ORDER, OKABE_ITO[:7] + TOL_MUTED + ["#BBBBBB"], strict=True))


def genre_colors(genres) -> alt.Scale:
    """The same colour for the same parent genre in every chart and page; other names (subgenres)
    take the remaining colours in alphabetical order."""
    present = {str(g) for g in genres}
    fixed = [g for g in PARENT_ORDER if g in present]
    others = sorted(present - set(fixed))
    spare = [c for c in OKABE_ITO + TOL_MUTED if c not in {PARENT_COLORS[g] for g in fixed}]
    colors = [PARENT_COLORS[g] for g in fixed] + (spare * 3)[:len(others)]
    return alt.Scale(domain=fixed + others, range=colors)


def weekday_chart(this: pd.DataFrame, before: pd.DataFrame, label: str, before_label: str) -> tuple[alt.Chart, str]:
    """Average plays per weekday, this period against the one before."""
    if this.empty or this.plays.sum() == 0:
        return _empty(f"No plays in {label}")
    best = this.loc[this.per_day.idxmax()]
    headline = f"You play most on {best.weekday_name}s: {best.per_day:.0f} tracks a day in {label}"
    frames = [this.assign(period=label)]
    if not before.empty and before.plays.sum() > 0:
        frames.append(before.assign(period=before_label))
    data = pd.concat(frames)
    chart = alt.Chart(data).mark_bar().encode(
        x=alt.X("weekday_name:N", sort=WEEKDAYS, title="Weekday",
                axis=alt.Axis(labelAngle=0, labelExpr="slice(datum.label, 0, 3)")),     # Mon .. Sun: never hidden
        xOffset=alt.XOffset("period:N", sort=[label, before_label]),
        y=alt.Y("per_day:Q", title="Tracks per day (average)"),
        color=alt.Color("period:N", sort=[label, before_label], scale=alt.Scale(range=OKABE_ITO[4:6]), title=None),
        tooltip=["period", "weekday_name", alt.Tooltip("per_day:Q", format=".1f"), "days"],
    ).properties(title=_title(headline), width=WIDTH, height=260)
    return chart, headline


def years_chart(data: pd.DataFrame) -> tuple[alt.Chart, str]:
    if data.empty:
        return _empty("No plays yet")
    best = data.loc[data.plays.idxmax()]
    headline = f"{int(best.year)} was your biggest year: {int(best.plays):,} plays"
    chart = alt.Chart(data).mark_bar(color=OKABE_ITO[4]).encode(
        x=alt.X("year:O", title="Year", axis=alt.Axis(labelAngle=0)), y=alt.Y("plays:Q", title="Plays"),
        tooltip=["year", "plays"],
    ).properties(title=_title(headline), width=WIDTH, height=240)
    return chart, headline


def genre_share_chart(data: pd.DataFrame) -> tuple[alt.Chart, str]:
    if data.empty:
        return _empty("No plays in this period")
    top = data.iloc[0]
    headline = f"{str(top.genre).capitalize()} is your top genre: {top.share:.0%} of plays"
    chart = alt.Chart(data).mark_bar(color=OKABE_ITO[4]).encode(
        y=alt.Y("genre:N", sort="-x", title=None), x=alt.X("share:Q", axis=alt.Axis(format="%"), title="Share of plays"),
        tooltip=["genre", "plays", alt.Tooltip("share:Q", format=".1%")],
    ).properties(title=_title(headline), width=WIDTH, height=max(160, 22 * len(data)))
    return chart, headline


def genre_trend_chart(data: pd.DataFrame) -> tuple[alt.Chart, str]:
    """Stacked, normalised area of genre shares over the years."""
    if data.empty or data.year.nunique() < 1:
        return _empty("No plays yet")
    first, last = data.year.min(), data.year.max()
    shares = data.pivot_table(index="genre", columns="year", values="share", fill_value=0)
    change = (shares[last] - shares[first]) if first != last else shares[last]
    grew = change.idxmax()
    headline = (f"{grew.capitalize()} grew most: {shares.loc[grew, first]:.0%} of your plays in {first}, "
                f"{shares.loc[grew, last]:.0%} in {last}" if first != last else f"{grew.capitalize()} leads in {last}")
    chart = alt.Chart(data).mark_area().encode(
        x=alt.X("year:O", title="Year", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("share:Q", stack="normalize", axis=alt.Axis(format="%"), title="Share of plays"),
        color=alt.Color("genre:N", scale=genre_colors(data.genre), title="Genre"),
        tooltip=["year", "genre", "plays", alt.Tooltip("share:Q", format=".1%")],
    ).properties(title=_title(headline), width=WIDTH, height=300)
    return chart, headline


SEASONS = ["winter", "spring", "summer", "autumn"]


def season_chart(data: pd.DataFrame) -> tuple[alt.Chart, str]:
    """Genre share per season and per month of the year."""
    if data.empty:
        return _empty("No plays in this period")
    by_season = data.groupby(["season", "genre"], as_index=False).plays.sum()
    by_season["share"] = by_season.plays / by_season.groupby("season").plays.transform("sum")
    overall = by_season.groupby("genre").plays.sum() / by_season.plays.sum()
    by_season["lift"] = by_season.share - by_season.genre.map(overall)
    top = by_season.loc[by_season.lift.idxmax()]
    headline = (f"In {top.season} you play more {top.genre}: {top.share:.0%} of plays, "
                f"{top.lift * 100:+.0f} points on the whole year")
    seasons = alt.Chart(by_season).mark_bar().encode(
        x=alt.X("season:N", sort=SEASONS, title="Season", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("share:Q", stack="normalize", axis=alt.Axis(format="%"), title="Share of plays"),
        color=alt.Color("genre:N", scale=genre_colors(data.genre), title="Genre"),
        tooltip=["season", "genre", "plays", alt.Tooltip("share:Q", format=".1%")],
    ).properties(width=260, height=260)
    months = alt.Chart(data).mark_bar().encode(
        x=alt.X("month:O", title="Month of the year", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("plays:Q", stack="normalize", axis=alt.Axis(format="%"), title=None),
        color=alt.Color("genre:N", scale=genre_colors(data.genre), title="Genre"),
        tooltip=["month", "genre", "plays"],
    ).properties(width=420, height=260)
    return alt.hconcat(seasons, months).properties(title=_title(headline)), headline


def clock_chart(data: pd.DataFrame) -> tuple[alt.Chart, str]:
    """The listening clock: local hour x weekday heatmap."""
    if data.empty or data.plays.sum() == 0:
        return _empty("No plays in this period")
    peak = data.loc[data.plays.idxmax()]
    headline = f"You listen most at {int(peak.hour):02d}:00 on {peak.weekday_name}s"
    chart = alt.Chart(data).mark_rect().encode(
        x=alt.X("hour:O", title="Hour of the day (local time)", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("weekday_name:N", sort=WEEKDAYS, title=None),
        color=alt.Color("plays:Q", scale=alt.Scale(scheme=SEQUENTIAL), title="Plays"),
        tooltip=["weekday_name", "hour", "plays"],
    ).properties(title=_title(headline), width=WIDTH, height=220)
    return chart, headline


def hour_chart(data: pd.DataFrame) -> tuple[alt.Chart, str]:
    if data.empty or data.plays.sum() == 0:
        return _empty("No plays in this period")
    peak = data.loc[data.plays.idxmax()]
    night = data[data.hour < 6].plays.sum() / data.plays.sum()
    headline = f"Your peak hour is {int(peak.hour):02d}:00; {night:.0%} of your plays are between midnight and 6:00"
    chart = alt.Chart(data).mark_bar(color=OKABE_ITO[4]).encode(
        x=alt.X("hour:O", title="Hour of the day (local time)", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("plays:Q", title="Plays"), tooltip=["hour", "plays"],
    ).properties(title=_title(headline), width=WIDTH, height=220)
    return chart, headline


def calendar_chart(data: pd.DataFrame) -> tuple[alt.Chart, str]:
    """Calendar heatmap: one square per day (weeks across, weekdays down)."""
    if data.empty:
        return _empty("No days in this period")
    busiest = data.loc[data.plays.idxmax()]
    quiet = int((data.plays == 0).sum())
    headline = (f"Your busiest day was {pd.Timestamp(busiest.local_date):%a %d %b %Y} with {int(busiest.plays):,} "
                f"plays; {quiet} days were silent")
    frame = data.assign(day=pd.to_datetime(data.local_date).dt.strftime("%Y-%m-%d"),
                        week=pd.to_datetime(data.local_date).dt.to_period("W-SUN").dt.start_time.dt.strftime("%Y-%m-%d"),
                        weekday_name=[WEEKDAYS[w - 1] for w in data.weekday])
    chart = alt.Chart(frame).mark_rect().encode(
        x=alt.X("week:O", title=None, axis=alt.Axis(labels=False, ticks=False)),
        y=alt.Y("weekday_name:N", sort=WEEKDAYS, title=None),
        color=alt.Color("plays:Q", scale=alt.Scale(scheme=SEQUENTIAL), title="Plays"),
        tooltip=["day", "plays"],
    ).properties(title=_title(headline), width=WIDTH, height=180)
    return chart, headline


def sessions_chart(data: pd.DataFrame) -> tuple[alt.Chart, str]:
    if data.empty:
        return _empty("No sessions in this period")
    headline = (f"{len(data):,} sessions; a typical one has {data.tracks.median():.0f} tracks over "
                f"{data.span_minutes.median():.0f} minutes, most often in the {data.day_part.mode().iat[0]}")
    frame = data.assign(length=pd.cut(data.tracks, [0, 1, 5, 10, 20, 50, 100, 10**6],
                                      labels=["1", "2-5", "6-10", "11-20", "21-50", "51-100", "100+"]).astype(str))
    chart = alt.Chart(frame).mark_bar().encode(
        x=alt.X("length:N", sort=["1", "2-5", "6-10", "11-20", "21-50", "51-100", "100+"], title="Tracks in the session",
                axis=alt.Axis(labelAngle=0)),
        y=alt.Y("count():Q", title="Sessions"),
        color=alt.Color("day_part:N", sort=["morning", "afternoon", "evening", "night"],
                        scale=alt.Scale(range=OKABE_ITO), title="Started in the"),
        tooltip=["length", "day_part", "count()"],
    ).properties(title=_title(headline), width=WIDTH, height=240)
    return chart, headline


def top_chart(data: pd.DataFrame, entity: str, label: str) -> tuple[alt.Chart, str]:
    """Top artists / albums / tracks with rank and movement against the period before."""
    if data.empty:
        return _empty(f"No {entity}s in {label}")
    top = data.iloc[0]
    what = top["name"] if entity == "artist" else f"{top['name']} by {top['artist']}"
    headline = f"Your top {entity} of {label}: {what} ({int(top.plays):,} plays)"
    frame = data.assign(
        label=[f"{int(r['rank'])}. {r['name']}" + ("" if entity == "artist" else f" — {r.artist}") for _, r in data.iterrows()],
        move=["new" if pd.isna(m) else ("=" if m == 0 else f"{int(m):+d}") for m in data.movement])
    bars = alt.Chart(frame).mark_bar(color=OKABE_ITO[2]).encode(
        y=alt.Y("label:N", sort=None, title=None, axis=alt.Axis(labelLimit=360)), x=alt.X("plays:Q", title="Plays"),
        tooltip=["name", "artist", "plays", "rank", "previous_rank", "move"])
    moves = bars.mark_text(align="left", dx=4).encode(text="move:N")
    return (bars + moves).properties(title=_title(headline), width=WIDTH, height=max(160, 24 * len(frame))), headline


def discovery_chart(data: pd.DataFrame) -> tuple[alt.Chart, str]:
    if data.empty:
        return _empty("No plays in this period")
    headline = (f"You discover {data.new_artists.mean():.0f} new artists a month on average; "
                f"{data.share_on_new.mean():.0%} of your plays go to artists new that year")
    chart = alt.Chart(data).mark_bar(color=OKABE_ITO[6]).encode(
        x=alt.X("month:O", title="Month", axis=alt.Axis(labelAngle=-45)),
        y=alt.Y("new_artists:Q", title="New artists"),
        tooltip=["month", "new_artists", "plays", alt.Tooltip("share_on_new:Q", format=".0%")],
    ).properties(title=_title(headline), width=WIDTH, height=240)
    return chart, headline


def artist_monthly_chart(data: pd.DataFrame, artist: str) -> tuple[alt.Chart, str]:
    if data.empty:
        return _empty(f"No plays of {artist} in this period")
    best = data.loc[data.plays.idxmax()]
    headline = f"{artist}: {int(data.plays.sum()):,} plays, most in {best.month} ({int(best.plays):,})"
    chart = alt.Chart(data).mark_line(point=True, color=OKABE_ITO[4]).encode(
        x=alt.X("month:O", title="Month", axis=alt.Axis(labelAngle=-45)), y=alt.Y("plays:Q", title="Plays"),
        tooltip=["month", "plays"],
    ).properties(title=_title(headline), width=WIDTH, height=240)
    return chart, headline


def artist_hours_chart(data: pd.DataFrame, artist: str) -> tuple[alt.Chart, str]:
    if data.empty or data.plays.sum() == 0:
        return _empty(f"No plays of {artist} in this period")
    peak = data.loc[data.plays.idxmax()]
    headline = f"You play {artist} most at {int(peak.hour):02d}:00"
    chart = alt.Chart(data).mark_bar(color=OKABE_ITO[0]).encode(
        x=alt.X("hour:O", title="Hour of the day (local time)", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("plays:Q", title="Plays"),
        tooltip=["hour", "plays"],
    ).properties(title=_title(headline), width=WIDTH, height=200)
    return chart, headline


# --- streaks, diversity, year in review ---------------------------------------------------------------------

def day_label(day) -> str:
    """'4 Jan 2025' from a date or timestamp."""
    stamp = pd.Timestamp(day)
    return f"{stamp.day} {stamp:%b %Y}"


def span_label(start, end) -> str:
    """'28 Dec 2024 – 2 Jan 2025', or one day."""
    return day_label(start) if pd.Timestamp(start) == pd.Timestamp(end) else f"{day_label(start)} – {day_label(end)}"


def days_label(days: int) -> str:
    return f"{int(days)} day" + ("" if int(days) == 1 else "s")


def streak_headline(summary: dict, label: str) -> str:
    """The longest run of days with plays (in a year: inside it) and the current one, in words."""
    longest, current = summary.get("longest"), summary.get("current")
    where = "" if summary.get("scope") == "all time" else f" in {label}"
    if not longest:
        text = f"No plays{where}"
    elif int(longest["days"]) == 1:
        text = f"You never played on two days in a row{where}"
    else:
        text = (f"Your longest streak{where}: {days_label(longest['days'])} in a row "
                f"({span_label(longest['start_date'], longest['end_date'])})")
    if current and int(current["days"]) > 1:
        text += f"; you are on a {int(current['days'])}-day streak now (since {day_label(current['start_date'])})"
    return text


def streaks_chart(runs: pd.DataFrame, summary: dict, label: str) -> tuple[alt.Chart, str]:
    """The longest runs of consecutive days with plays (each whole, even across New Year), the longest
    and the current one marked."""
    headline = streak_headline(summary, label)
    if runs.empty:
        return _empty(headline)
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
    ).properties(title=_title(headline), width=WIDTH, height=max(140, 24 * len(frame)))
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
        return _empty(headline)
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
    return chart.properties(title=_title(headline), width=WIDTH, height=240), headline
