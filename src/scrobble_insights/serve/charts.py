"""Charts (Vega-Altair) shared by the dashboard and the report.

Each builder takes the DataFrame of a query in `queries` and returns `(chart, headline)`: the
headline states the answer in words ("You listen most at 21:00 on Sundays") and is the chart's title.
Colours: the Okabe-Ito palette (safe for the common colour-vision deficiencies) for categories,
viridis for quantities.

Honest by construction: a headline never names 'unknown' (no genre) or "(no album)" as an answer and
says instead how much of the listening has a genre or an album; averages are over every month or day
of the span; a period with fewer than FEW_PLAYS plays gets one sentence, not a pattern; time axes keep
every year, month and day of the span (zeros visible); long month axes tick once a year.
"""

from __future__ import annotations

import json

import altair as alt
import pandas as pd

from scrobble_insights.serve.queries import WEEKDAYS

OKABE_ITO = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000", "#999999"]
SEQUENTIAL = "viridis"
WIDTH = "container"


def heading(text: str) -> alt.TitleParams:
    return alt.TitleParams(text, anchor="start", fontSize=15)


def _empty(headline: str) -> tuple[alt.Chart, str]:
    chart = alt.Chart(pd.DataFrame({"x": []})).mark_text().properties(title=heading(headline), width=WIDTH)
    return chart, headline


FEW_PLAYS = 10          # fewer plays than this in a period: one sentence, no pattern (weekday, hour, ...)
LONG_AXIS_MONTHS = 24   # a month axis longer than this ticks once a year


def few_plays(plays: int, label: str) -> str | None:
    """The one sentence for an empty or near-empty period ("No plays in 2017"), else None."""
    if plays == 0:
        return f"No plays in {label}"
    if plays < FEW_PLAYS:
        return f"Only {plural(plays, 'play')} in {label}: too few to show a pattern"
    return None


def tags_pending(progress: dict) -> str | None:
    """The sentence genre answers carry while artist tags are still being fetched, else None."""
    if not progress["artists_pending"] or not progress["plays"]:
        return None
    share = progress["tagged_plays"] / progress["plays"]
    return (f"Artist tags are still being fetched: genres so far cover the artists of {share:.0%} of the plays "
            f"({plural(progress['artists_pending'], 'artist')} to go); the genre answers fill in as they arrive")


def sentence(text: str) -> tuple[alt.Chart, str]:
    """A chart that is only its title: the one sentence for a period with nothing to chart."""
    return _empty(text)


def _subtitled(headline: str, subtitle: str | list[str]) -> alt.TitleParams:
    return alt.TitleParams(headline, subtitle=subtitle, anchor="start", fontSize=15, subtitleFontSize=12,
                           subtitleColor="#555")


def _figure(value: float) -> str:
    """An average (tracks a day, new artists a month): whole numbers from 10, one decimal below (never
    "0 tracks a day" for a few plays)."""
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def day_label(day) -> str:
    """'4 Jan 2025' from a date or timestamp."""
    stamp = pd.Timestamp(day)
    return f"{stamp.day} {stamp:%b %Y}"


def span_label(start, end) -> str:
    """'28 Dec 2024 – 2 Jan 2025', or one day."""
    return day_label(start) if pd.Timestamp(start) == pd.Timestamp(end) else f"{day_label(start)} – {day_label(end)}"


def plural(count: int, word: str) -> str:
    """'1 day', '1,095 days'."""
    return f"{int(count):,} {word}" + ("" if int(count) == 1 else "s")


def _month_axis(months: int, title: str = "Month") -> alt.X:
    """A temporal month axis that stays readable: a label per month up to LONG_AXIS_MONTHS, then one a year."""
    if months > LONG_AXIS_MONTHS:
        axis = alt.Axis(format="%Y", tickCount={"interval": "year", "step": 1}, labelAngle=0)
    else:
        axis = alt.Axis(format="%b %Y", labelAngle=-45, labelOverlap=True)
    return alt.X("yearmonth(month_start):T", title=title, axis=axis)


def _months(data: pd.DataFrame) -> pd.DataFrame:
    """The month (YYYY-MM) as a date for a temporal axis; only the columns a chart can serialise."""
    return data.drop(columns=["history_start"], errors="ignore").assign(month_start=pd.to_datetime(data.month + "-01"))


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
    few = few_plays(int(this.plays.sum()) if len(this) else 0, label)
    if few:
        return _empty(few)
    best = this.loc[this.per_day.idxmax()]
    headline = f"You play most on {best.weekday_name}s: {_figure(best.per_day)} tracks a day in {label}"
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
    ).properties(title=heading(headline), width=WIDTH, height=260)
    return chart, headline


def years_chart(data: pd.DataFrame) -> tuple[alt.Chart, str]:
    """Plays per year; every year of the history is on the axis, a silent one as 0."""
    if data.empty or data.plays.sum() == 0:
        return _empty("No plays yet")
    best = data.loc[data.plays.idxmax()]
    silent = [str(int(y)) for y in data.year[data.plays == 0]]
    headline = f"{int(best.year)} was your biggest year: {int(best.plays):,} plays" + \
        (f"; no plays in {', '.join(silent)}" if silent else "")
    chart = alt.Chart(data).mark_bar(color=OKABE_ITO[4]).encode(
        x=alt.X("year:O", title="Year", axis=alt.Axis(labelAngle=0)), y=alt.Y("plays:Q", title="Plays"),
        tooltip=["year", "plays"],
    ).properties(title=heading(headline), width=WIDTH, height=240)
    return chart, headline


def genre_share_chart(data: pd.DataFrame) -> tuple[alt.Chart, str]:
    """Share of plays per genre. The headline names the top known genre and the share of plays that
    has a genre at all; 'unknown' stays a (grey) bar but is never the answer."""
    if data.empty or data.plays.sum() == 0:
        return _empty("No plays in this period")
    known = data[data.has_genre.astype(bool)] if "has_genre" in data else data
    covered = known.share.sum()
    if known.empty:
        headline = "None of these plays has a known genre yet"
    else:
        top = known.loc[known.plays.idxmax()]
        headline = f"{str(top.genre).capitalize()} is your top genre: {top.share:.0%} of plays"
        if covered < 0.9995:
            headline += f" ({covered:.0%} of your plays have a known genre)"
    chart = alt.Chart(data).mark_bar(color=OKABE_ITO[4]).encode(
        y=alt.Y("genre:N", sort="-x", title=None), x=alt.X("share:Q", axis=alt.Axis(format="%"), title="Share of plays"),
        tooltip=["genre", "plays", alt.Tooltip("share:Q", format=".1%")],
    ).properties(title=heading(headline), width=WIDTH, height=max(160, 22 * len(data)))
    return chart, headline


def genre_trend_chart(data: pd.DataFrame) -> tuple[alt.Chart, str]:
    """Genre shares per year as 100 % stacked bars (one bar draws for a one-year history; nothing is
    interpolated): every year of the history is on the axis, only the years with enough plays to speak
    (the mart's rule, stated in the subtitle) get a bar, and the headline compares the first and the
    last of those on known genres only."""
    if data.empty or data.plays.sum() == 0:
        return _empty("No plays yet")
    years = sorted(int(y) for y in data.year.unique())
    speaking = data[data.speaks.astype(bool)] if "speaks" in data else data
    spoken = sorted(int(y) for y in speaking.year.unique())
    quiet = [y for y in years if y not in spoken]
    min_plays = int(data.min_plays.iloc[0]) if "min_plays" in data and pd.notna(data.min_plays.iloc[0]) else 0
    known = speaking[speaking.has_genre.astype(bool)] if "has_genre" in speaking else speaking
    shares = known.pivot_table(index="genre", columns="year", values="share", aggfunc="sum", fill_value=0)
    if not spoken:
        headline = f"No year has {min_plays:,} plays yet: too few for a genre trend"
    elif shares.empty:
        headline = "None of your plays has a known genre yet"
    elif len(spoken) == 1:
        leader = shares[spoken[0]].idxmax()
        headline = f"{leader.capitalize()} leads in {spoken[0]}: {shares.loc[leader, spoken[0]]:.0%} of your plays"
    else:
        first, last = spoken[0], spoken[-1]
        grew = (shares[last] - shares[first]).sort_index().idxmax()
        headline = (f"{grew.capitalize()} grew most: {shares.loc[grew, first]:.0%} of your plays in {first}, "
                    f"{shares.loc[grew, last]:.0%} in {last}")
    subtitle = f"Only years with at least {min_plays:,} plays are shown" + \
        (f" (left out: {_years_text(quiet)})" if quiet else "") + "; 'unknown' = artists without a genre"
    drawn = speaking[speaking.plays > 0].assign(year=lambda d: d.year.astype(int).astype(str))
    chart = alt.Chart(drawn).mark_bar().encode(
        x=alt.X("year:O", title="Year", scale=alt.Scale(domain=[str(y) for y in years]),
                axis=alt.Axis(labelAngle=0)),
        y=alt.Y("share:Q", stack="normalize", axis=alt.Axis(format="%"), title="Share of plays"),
        color=alt.Color("genre:N", scale=genre_colors(data.genre), title="Genre"),
        tooltip=["year", "genre", "plays", alt.Tooltip("share:Q", format=".1%")],
    ).properties(title=_subtitled(headline, subtitle), width=WIDTH, height=300)
    return chart, headline


def _years_text(years: list[int]) -> str:
    """2008, 2011-2013, 2015: runs of consecutive years joined."""
    runs: list[list[int]] = []
    for year in years:
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


SEASONS = ["winter", "spring", "summer", "autumn"]


def season_chart(data: pd.DataFrame) -> tuple[alt.Chart, str]:
    """Genre share per season and per month of the year. A season is named with its year (the year it
    ends in: winter 2010 = Dec 2009 + Jan-Feb 2010 in the north) unless the data sums every year's
    seasons (season_year empty); the headline names a known genre only."""
    if data.empty or data.plays.sum() == 0:
        return _empty("No plays in this period")
    dated = "season_year" in data and data.season_year.notna().all()
    frame = data.assign(
        season_label=[f"{s} {int(y)}" for s, y in zip(data.season, data.season_year)] if dated else data.season,
        order=[(int(y) if dated else 0, 0 if m == 12 else m) for y, m in zip(
            data.season_year if dated else [0] * len(data), data.month)])
    order = list(dict.fromkeys(frame.sort_values("order").season_label)) if dated else SEASONS
    month_order = [int(m) for m in dict.fromkeys(frame.sort_values("order").month)] if dated else list(range(1, 13))
    whole = "year" if not dated or data.season_year.nunique() == 1 else "period"
    by_season = frame.groupby(["season_label", "genre"], as_index=False).plays.sum()
    by_season["share"] = by_season.plays / by_season.groupby("season_label").plays.transform("sum")
    overall = by_season.groupby("genre").plays.sum() / by_season.plays.sum()
    by_season["lift"] = by_season.share - by_season.genre.map(overall)
    known = set(data.genre[data.has_genre.astype(bool)]) if "has_genre" in data else set(data.genre)
    candidates = by_season[by_season.genre.isin(known)]
    if candidates.empty:
        headline = "None of these plays has a known genre yet"
    else:
        top = candidates.loc[candidates.lift.idxmax()]
        headline = (f"In {top.season_label} you play more {top.genre}: {top.share:.0%} of plays, "
                    f"{top.lift * 100:+.0f} points on the whole {whole}")
    subtitle = "A season belongs to the year it ends in: December opens the next year's winter (north) or summer (south)"
    if dated and frame.month.eq(12).any():
        years = sorted({int(y) for y in data.season_year})
        subtitle = (f"The seasons of {years[0]} run from December {years[0] - 1} to November {years[0]}: "
                    "a season belongs to the year it ends in") if len(years) == 1 else subtitle
    seasons = alt.Chart(by_season).mark_bar().encode(
        x=alt.X("season_label:N", sort=order, title="Season",
                axis=alt.Axis(labelAngle=0, labelExpr="split(datum.label, ' ')")),     # "winter" over "2025"
        y=alt.Y("share:Q", stack="normalize", axis=alt.Axis(format="%"), title="Share of plays"),
        color=alt.Color("genre:N", scale=genre_colors(data.genre), title="Genre"),
        tooltip=["season_label", "genre", "plays", alt.Tooltip("share:Q", format=".1%")],
    ).properties(width=260, height=260)
    months = alt.Chart(data).mark_bar().encode(
        x=alt.X("month:O", title="Month of the year", axis=alt.Axis(labelAngle=0),
                sort=month_order),          # in time order: a season year opens in December
        y=alt.Y("plays:Q", stack="normalize", axis=alt.Axis(format="%"), title=None),
        color=alt.Color("genre:N", scale=genre_colors(data.genre), title="Genre"),
        tooltip=["month", "genre", "plays"],
    ).properties(width=420, height=260)
    return alt.hconcat(seasons, months).properties(title=_subtitled(headline, subtitle)), headline


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
    ).properties(title=heading(headline), width=WIDTH, height=220)
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
    ).properties(title=heading(headline), width=WIDTH, height=220)
    return chart, headline


def calendar_chart(data: pd.DataFrame) -> tuple[alt.Chart, str]:
    """Calendar heatmap: one square per day (weeks across, weekdays down), with the month (and the year
    at January and at the start) under the first week of each month; an empty or near-empty period
    gets one sentence."""
    if data.empty:
        return _empty("No days in this period")
    few = few_plays(int(data.plays.sum()), period_label(data.local_date.min(), data.local_date.max()))
    if few:
        return _empty(few)
    busiest = data.loc[data.plays.idxmax()]
    quiet = int((data.plays == 0).sum())
    headline = (f"Your busiest day was {pd.Timestamp(busiest.local_date):%a %d %b %Y} with {int(busiest.plays):,} "
                f"plays; {quiet} days were silent")
    frame = data.assign(day=pd.to_datetime(data.local_date).dt.strftime("%Y-%m-%d"),
                        week=pd.to_datetime(data.local_date).dt.to_period("W-SUN").dt.start_time.dt.strftime("%Y-%m-%d"),
                        weekday_name=[WEEKDAYS[w - 1] for w in data.weekday])
    label_expr = json.dumps(_calendar_labels(sorted(frame.week.unique()), pd.Timestamp(frame.day.min()),
                                             pd.Timestamp(frame.day.max()))) + \
        "[datum.value] || ''"
    chart = alt.Chart(frame).mark_rect().encode(
        x=alt.X("week:O", title=None, axis=alt.Axis(labelExpr=label_expr, labelAngle=0, labelAlign="left",
                                                    ticks=False, labelOverlap=False, labelFontSize=10)),
        y=alt.Y("weekday_name:N", sort=WEEKDAYS, title=None),
        color=alt.Color("plays:Q", scale=alt.Scale(scheme=SEQUENTIAL), title="Plays"),
        tooltip=["day", "plays"],
    ).properties(title=heading(headline), width=WIDTH, height=180)
    return chart, headline


def _calendar_labels(weeks: list[str], first_day: pd.Timestamp, last_day: pd.Timestamp) -> dict[str, str]:
    """The calendar's x labels: the week holding the 1st of a month gets the month ('Mar'), January and
    the first label also the year ('Jan 2025'); past LONG_AXIS_MONTHS months, Januaries only ('2025').
    The first week gets the month it starts in when the next label is at least 3 weeks away."""
    long = len(weeks) > LONG_AXIS_MONTHS * 52 / 12
    starts = {}
    for week in weeks:
        monday = pd.Timestamp(week)
        firsts = [day for day in (monday + pd.Timedelta(days=n) for n in range(7))
                  if day.day == 1 and first_day <= day <= last_day]
        if firsts and (firsts[0].month == 1 or not long):
            starts[week] = firsts[0]
    labels = {}
    if weeks and weeks[0] not in starts and (not starts or weeks.index(next(iter(starts))) >= 3):
        labels[weeks[0]] = f"{first_day:%Y}" if long else f"{first_day:%b %Y}"
    for week, day in starts.items():
        labels[week] = f"{day:%Y}" if long else (f"{day:%b %Y}" if day.month == 1 or not labels else f"{day:%b}")
    return labels


def period_label(first, last) -> str:
    """'2017' for one whole calendar year, else '1 Mar 2017 - 31 May 2017'."""
    first, last = pd.Timestamp(first), pd.Timestamp(last)
    if first.year == last.year and (first.month, first.day, last.month, last.day) == (1, 1, 12, 31):
        return str(first.year)
    return span_label(first, last)


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
    ).properties(title=heading(headline), width=WIDTH, height=240)
    return chart, headline


def top_chart(data: pd.DataFrame, entity: str, label: str) -> tuple[alt.Chart, str]:
    """Top artists / albums / tracks, with their movement against the period before only when there
    is one to compare with (all time, a first year or one after a silent year carry no labels). Plays
    without an album are not an album: the album headline says what share of plays has none."""
    no_album = float(data.no_album_share.iloc[0]) if "no_album_share" in data and len(data) else 0.0
    if data.empty:
        return _empty(f"No {entity}s in {label}")
    top = data.iloc[0]
    what = top["name"] if entity == "artist" else f"{top['name']} by {top['artist']}"
    headline = f"Your top {entity} of {label}: {what} ({int(top.plays):,} plays)"
    if no_album >= 0.005:
        headline += f"; {no_album:.0%} of your plays have no album"
    compared = "is_new" in data and data.is_new.notna().any()
    frame = data.assign(
        label=[f"{int(r['rank'])}. {r['name']}" + ("" if entity == "artist" else f" — {r.artist}") for _, r in data.iterrows()],
        move=[("new" if new is True else "" if new is None or pd.isna(m) else "=" if m == 0 else f"{int(m):+d}")
              for new, m in zip(data.is_new if compared else [None] * len(data), data.movement)])
    bars = alt.Chart(frame).mark_bar(color=OKABE_ITO[2]).encode(
        y=alt.Y("label:N", sort=None, title=None, axis=alt.Axis(labelLimit=360)), x=alt.X("plays:Q", title="Plays"),
        tooltip=["name", "artist", "plays", "rank"] + (["previous_rank", "move"] if compared else []))
    chart = (bars + bars.mark_text(align="left", dx=4).encode(text="move:N")) if compared else bars
    return chart.properties(title=heading(headline), width=WIDTH, height=max(160, 24 * len(frame))), headline


def discovery_chart(data: pd.DataFrame) -> tuple[alt.Chart, str]:
    """New artists per month over every month of the span. New artists a month = new artists / months
    (quiet months count); the share on new artists = plays of artists first played that year / plays.
    In the first year of a history every artist is new: it is named as such, not presented as a finding."""
    if data.empty or data.plays.sum() == 0:
        return _empty("No plays in this period")
    months, new, plays = len(data), int(data.new_artists.sum()), int(data.plays.sum())
    per_month = new / months
    amount = _figure(per_month)
    span = f"{new:,} in {months} month{'s' if months != 1 else ''}"
    artists = f"{new:,} new artist{'s' if new != 1 else ''} in {months} month{'s' if months != 1 else ''}"
    first_year = data.is_first_year.astype(bool).all() if "is_first_year" in data else False
    if first_year:
        start = pd.Timestamp(data.history_start.iloc[0])
        partial = bool(data.is_partial_year.astype(bool).any()) if "is_partial_year" in data else False
        headline = (f"{start.year} is the first{' (partial)' if partial else ''} year of your history "
                    f"(from {day_label(start)}): every artist you played was new, {artists}")
    else:
        share = int(data.plays_on_new.sum()) / plays if "plays_on_new" in data else float(data.share_on_new.mean())
        found = f"You discover {amount} new artists a month ({span})" if new else f"No new artists in {months} month{'s' if months != 1 else ''}"
        headline = f"{found}; {share:.0%} of your plays go to artists new that year"
    chart = alt.Chart(_months(data)).mark_bar(color=OKABE_ITO[6]).encode(
        x=_month_axis(months),
        y=alt.Y("new_artists:Q", title="New artists", axis=alt.Axis(tickMinStep=1)),
        tooltip=["month", "new_artists", "plays", alt.Tooltip("share_on_new:Q", format=".0%")],
    ).properties(title=heading(headline), width=WIDTH, height=240)
    return chart, headline


def artist_monthly_chart(data: pd.DataFrame, artist: str) -> tuple[alt.Chart, str]:
    if data.empty:
        return _empty(f"No plays of {artist} in this period")
    best = data.loc[data.plays.idxmax()]
    headline = f"{artist}: {int(data.plays.sum()):,} plays, most in {best.month} ({int(best.plays):,})"
    chart = alt.Chart(_months(data)).mark_line(point=True, color=OKABE_ITO[4]).encode(
        x=_month_axis(len(data)), y=alt.Y("plays:Q", title="Plays"),
        tooltip=["month", "plays"],
    ).properties(title=heading(headline), width=WIDTH, height=240)
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
    ).properties(title=heading(headline), width=WIDTH, height=200)
    return chart, headline
