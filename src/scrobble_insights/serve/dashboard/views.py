"""The dashboard's views, one function per tab. Each takes the `Warehouse` and the `Scope` and
draws the charts from `charts` (answer-stating titles, axis labels, Okabe-Ito colours) over the
answers from `queries`. Every chart or table is drawn inside `guarded`, so a failing question shows
a one-line error in its place and the rest of the page still works."""

from __future__ import annotations

import re
import textwrap
from contextlib import contextmanager

import altair as alt
import pandas as pd
import streamlit as st

from scrobble_insights.errors import WarehouseError
from scrobble_insights.serve import charts, origins, streaks
from scrobble_insights.serve.dashboard.data import Scope, Warehouse

MARKDOWN = re.compile(r"([!-/:-@\[-`{-~])")         # every ASCII punctuation character


def md(text) -> str:
    """Text from the data, shown literally in Markdown: no emphasis, links, maths, colours or emoji
    (bare URLs still become links: text from the link itself goes through `literal`)."""
    return MARKDOWN.sub(r"\\\1", str(text))


def literal(text) -> str:
    """Text from the page's link, shown exactly as given: an inline code span, inside which Markdown
    does nothing (no links, not even bare URLs), fenced by more backticks than the text holds."""
    text = " ".join(str(text).splitlines())          # a blank line would end the span
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    return f"{fence} {text} {fence}"


def first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


@contextmanager
def guarded(what: str):
    """Show a one-line message instead of a traceback when drawing `what` fails."""
    try:
        yield
    except WarehouseError as exc:
        st.warning(f"Cannot show {md(what)}: {md(first_line(exc))}", icon=":material/hourglass_empty:")
    except Exception as exc:        # noqa: BLE001 - one failing question must not take the page down
        st.error(f"Cannot show {md(what)}: {type(exc).__name__}: {md(first_line(exc))}", icon=":material/error:")


OTHER_YEARS = "#C4C4C4"      # the years not selected, behind the selected one (Okabe-Ito blue)
LEGEND_GRADIENT = 120
FULL, HALF, NARROW = 110, 52, 44    # characters of headline per title line, by the width of the column


def subtitle(chart: alt.TopLevelMixin, line: int) -> dict:
    """The chart's subtitle (the rule behind its answer, e.g. which years a trend counts), wrapped to
    the column, as TitleParams arguments: kept when the headline is wrapped."""
    title = chart.title if isinstance(chart.title, alt.TitleParams) else None
    if title is None or title.subtitle is alt.Undefined:
        return {}
    text = title.subtitle if isinstance(title.subtitle, str) else " ".join(title.subtitle)
    return {"subtitle": textwrap.wrap(text, int(line * 1.2)), "subtitleFontSize": title.subtitleFontSize,
            "subtitleColor": title.subtitleColor}


def show(built: tuple[alt.TopLevelMixin, str], line: int = FULL) -> None:
    """One chart, as wide as its column; its headline is also its accessible name.

    Streamlit would fit a stretched chart's title, axes and plot into the spec's height (squashing the
    plot): single-view charts fit their width only, so the height stays the plot's. Long headlines
    wrap onto a second line instead of being cut off with an ellipsis."""
    chart, headline = built
    if isinstance(chart, (alt.Chart, alt.LayerChart)):
        chart = chart.properties(autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
        if len(headline) > line:
            chart = chart.properties(title=alt.TitleParams(textwrap.wrap(headline, line), anchor="start",
                                                           fontSize=15, **subtitle(chart, line)))
        chart = chart.configure_legend(gradientLength=LEGEND_GRADIENT)   # shorter than the shortest heatmap
    st.altair_chart(chart, width="stretch", alt=headline)


# --- Overview ----------------------------------------------------------------------------------------------

def metrics(wh: Warehouse, scope: Scope) -> None:
    """Scrobbles, tracks per day (quiet days counted), distinct artists / albums / tracks."""
    kpis = wh("kpis", scope.filters)
    before = wh("kpis", scope.previous) if scope.previous else None
    compare = bool(before and before["days"])
    description = f"vs {scope.previous_label}" if compare else None
    if compare and before["days"] != kpis["days"]:          # e.g. the first year of the history is partial
        description += f" ({before['days']:,} days)"
    tiles = [("Scrobbles", "scrobbles", "{:,}", 0, f"Plays in {scope.label}"),
             ("Tracks per day", "per_day", "{:,.1f}", 1,
              f"Average over the {kpis['days']:,} days of {scope.label}, quiet days included"),
             ("Artists", "artists", "{:,}", 0, "Distinct artists played"),
             ("Albums", "albums", "{:,}", 0, "Distinct albums (artist + album) played"),
             ("Tracks", "tracks", "{:,}", 0, "Distinct tracks (artist + track) played")]
    for column, (label, key, fmt, digits, help_text) in zip(st.columns(len(tiles)), tiles):
        delta = f"{kpis[key] - before[key]:+,.{digits}f}" if compare else None
        column.metric(label, fmt.format(kpis[key]), delta, help=help_text, border=True,
                      delta_description=description if delta else None)


def at_a_glance(wh: Warehouse, scope: Scope) -> None:
    """The answers of the other views in one list: each line is a chart's headline."""
    answers = [
        lambda: charts.tags_pending(wh("tag_progress", scope.filters.user)) or "",
        lambda: charts.genre_share_chart(wh("genre_totals", scope.filters))[1],
        lambda: charts.clock_chart(wh("listening_clock", scope.filters))[1],
        lambda: charts.top_chart(wh("top_entities", scope.filters, "artist"), "artist", scope.label)[1],
        lambda: charts.top_chart(wh("top_entities", scope.filters, "track"), "track", scope.label)[1],
        lambda: charts.discovery_chart(wh("discovery_by_month", scope.filters))[1],
    ]
    lines = []
    for answer in answers:
        try:
            text = answer()
            if text:
                lines.append(f"- {md(text)}")
        except Exception:         # noqa: BLE001 - the view itself shows the error
            continue
    if lines:
        st.markdown(f"**{scope.label.capitalize()} at a glance**\n" + "\n".join(lines))


def overview(wh: Warehouse, scope: Scope) -> None:
    with guarded("the key figures"):
        metrics(wh, scope)
    with guarded("the summary"):
        at_a_glance(wh, scope)
    left, right = st.columns([3, 2], gap="large")
    with left, guarded("the weekday profile"):
        this = wh("weekday_profile", scope.filters)
        before = wh("weekday_profile", scope.previous) if scope.previous else this.iloc[0:0]
        show(charts.weekday_chart(this, before, scope.label, scope.previous_label or "before"), HALF)
    with right, guarded("plays per year"):
        data = wh("plays_per_year", scope.everything)
        chart, headline = charts.years_chart(data)
        if scope.year and not data.empty:          # the selected year stands out, as in a year picker
            chart = chart.encode(color=alt.condition(alt.datum.year == scope.year, alt.value(charts.OKABE_ITO[4]),
                                                     alt.value(OTHER_YEARS)))
        show((chart, headline), NARROW)
    streaks_and_diversity(wh, scope)


# --- Genres ------------------------------------------------------------------------------------------------

def genres(wh: Warehouse, scope: Scope) -> None:
    level = "genre_family"
    if scope.filters.genre:      # inside one family, its own genres are the interesting split
        level = "primary_genre"
        st.caption(f"Genre filter **{md(scope.filters.genre)}**: the charts split it into its genres.")
    left, right = st.columns(2, gap="large")
    with guarded("the artist tags"):
        pending = charts.tags_pending(wh("tag_progress", scope.filters.user))
        if pending:
            st.info(pending + ".")
    with left, guarded("the genre shares"):
        show(charts.genre_share_chart(wh("genre_totals", scope.filters, level)), HALF)
    with right, guarded("the genre trend"):
        show(charts.genre_trend_chart(wh("genre_by_year", scope.everything, 8, level)), HALF)
    with guarded("the genre sources"):        # MusicBrainz's curated genres or last.fm tags (issue 14)
        st.caption(origins.genre_source_line(wh("origin_rows", origins.GENRE_SOURCES, scope.filters.user)))
    with guarded("genres by season"):
        show(charts.season_chart(wh("genre_by_season", scope.filters, 8, level)))


# --- Time ---------------------------------------------------------------------------------------------------

def time_of_day(wh: Warehouse, scope: Scope) -> None:
    with guarded("the listening clock"):
        show(charts.clock_chart(wh("listening_clock", scope.filters)))
    left, right = st.columns(2, gap="large")
    with left, guarded("plays per hour"):
        show(charts.hour_chart(wh("hour_profile", scope.filters)), HALF)
    with right, guarded("the sessions"):
        if scope.filters.genre:
            st.caption("Sessions count every play, whatever the genre filter")
        show(charts.sessions_chart(wh("sessions", scope.filters)), HALF)
    with guarded("the calendar"):
        show(charts.calendar_chart(wh("daily_plays", scope.filters)))


# --- Top music ------------------------------------------------------------------------------------------------

def top_music(wh: Warehouse, scope: Scope) -> None:
    if scope.previous is not None and wh("kpis", scope.previous)["scrobbles"] > 0:     # else nothing to compare with
        st.caption(f"Arrows compare each rank with {scope.previous_label}: +2 climbed two places, "
                   "= kept its place, new was not in the chart before.")
    left, right = st.columns(2, gap="large")
    for column, entity in ((left, "artist"), (right, "album")):
        with column, guarded(f"the top {entity}s"):
            show(charts.top_chart(wh("top_entities", scope.filters, entity), entity, scope.label), HALF)
    with guarded("the top tracks"):
        show(charts.top_chart(wh("top_entities", scope.filters, "track"), "track", scope.label))
    with guarded("discoveries"):
        show(charts.discovery_chart(wh("discovery_by_month", scope.filters)))


# --- Artist ---------------------------------------------------------------------------------------------------

BAR = charts.OKABE_ITO[1]      # sky blue bars behind the numbers in the artist's tables


def table(frame: pd.DataFrame, bars: dict[str, tuple[float, float]] | None = None, formats: dict | None = None,
          rows: int = 12) -> None:
    """A static table (readable at once, in screenshots and by screen readers) with in-cell bars for
    the `bars` columns ({column: (low, high)}); more than `rows` rows scroll."""
    styler = frame.style.hide(axis="index")
    for column, (low, high) in (bars or {}).items():
        styler = styler.bar(subset=[column], color=BAR, vmin=low, vmax=high, height=60, width=80)
    if formats:
        styler = styler.format(formats)
    height = 40 + 36 * rows if len(frame) > rows else "content"
    st.table(styler, border="horizontal", height=height)


def every_month(monthly: pd.DataFrame, start, end) -> pd.DataFrame:
    """Plays per month with the quiet months of the period as zeros (so the line drops to them)."""
    if monthly.empty:
        return monthly
    months = pd.period_range(pd.Timestamp(start), pd.Timestamp(end), freq="M").strftime("%Y-%m")
    return (monthly.set_index("month").reindex(months, fill_value=0).rename_axis("month").reset_index()
            .astype({"plays": int}))


def artist(wh: Warehouse, scope: Scope) -> None:
    names = wh("artist_names", scope.filters)
    if not names:
        st.info(f"No artists in {scope.label}: widen the period or the genre.")
        return
    name = st.selectbox(f"Artist (by plays in {scope.label})", names, key="artist",
                        bind="query-params")
    with guarded(f"{name}'s plays per month"):
        first, last = wh("date_bounds", scope.filters.user)
        months = every_month(wh("artist_monthly", scope.filters, name),
                             max(filter(None, [scope.filters.start, first])), min(filter(None, [scope.filters.end, last])))
        show(charts.artist_monthly_chart(months, name))
    left, right = st.columns(2, gap="large")
    with left, guarded(f"{name}'s top tracks"):
        st.markdown(f"**{md(name)}'s top tracks in {scope.label}**")
        tracks = wh("artist_top_tracks", scope.filters, name)
        table(tracks.rename(columns={"track": "Track", "plays": "Plays"}),
              bars={"Plays": (0, max(1, int(tracks.plays.max() if len(tracks) else 1)))})
    with right, guarded(f"when you play {name}"):
        show(charts.artist_hours_chart(wh("artist_hours", scope.filters, name), name), HALF)
    left, right = st.columns(2, gap="large")
    with left, guarded(f"{name}'s tags"):
        st.markdown(f"**{md(name)}'s last.fm tags and the genre each folds into**")
        tags = wh("artist_tags", name)
        if tags.empty:
            st.info("No tags for this artist yet.")
        else:
            table(pd.DataFrame({"Tag": tags.tag, "Weight": tags.weight,
                                "Folds into genre": tags.genre.fillna("— (not a genre)")}),
                  bars={"Weight": (0, 100)})
    with right, guarded(f"{name}'s genres"):
        st.markdown(f"**{md(name)}'s genres** (share of the tag weight that names a genre)")
        folded = wh("artist_genres", name)
        if folded.empty:
            st.info("None of this artist's tags is a known genre.")
        else:
            table(pd.DataFrame({"Genre": folded.genre, "Share": folded.share,
                                "Primary": ["✓ primary" if p else "" for p in folded.is_primary]}),
                  bars={"Share": (0.0, 1.0)}, formats={"Share": "{:.0%}"})


VIEWS = {"Overview": overview, "Genres": genres, "Time": time_of_day, "Top music": top_music, "Artist": artist}


# --- streaks and diversity (drawn at the end of the Overview) -----------------------------------------------

def streaks_and_diversity(wh: Warehouse, scope: Scope) -> None:
    """The longest and current runs of days with plays, and how concentrated each year's listening was
    (share of plays on the top 10 artists; entropy and Gini in the tooltip). Streaks count every play,
    whatever the genre filter."""
    if scope.filters.genre:
        st.caption("Streaks and concentration count every play, whatever the genre filter")
    left, right = st.columns(2, gap="large")
    with left, guarded("the listening streaks"):
        show(streaks.streaks_chart(wh("streak_runs", scope.filters), wh("streaks", scope.filters), scope.label), HALF)
    with right, guarded("the concentration per year"):
        show(streaks.concentration_chart(wh("concentration_by_year", scope.everything), scope.year), HALF)
