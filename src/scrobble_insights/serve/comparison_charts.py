"""Listeners side by side: the headlines and charts over `comparison`'s answers, for the dashboard.

Each builder returns `(chart, headline)` as in `charts`, or a headline string. Headlines name the period
compared, state ties ("a tie"), never name 'unknown' as a genre, and name the listeners with too few
plays to compare instead of reading a pattern into them.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from scrobble_insights.serve.charts import OKABE_ITO, SEQUENTIAL, WIDTH, heading, plural, sentence
from scrobble_insights.serve.comparison import MIN_PLAYS, hour_shares, most_similar, peaks, weekday_shares
from scrobble_insights.serve.queries import WEEKDAYS

LINES = 8               # up to this many listeners: one line each; more: a heatmap (one row each)


def names(items: list[str]) -> str:
    """'ana', 'ana and ben', 'ana, ben and cy'."""
    items = [str(i) for i in items]
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def too_few(figures: pd.DataFrame, label: str) -> str | None:
    """The sentence naming the listeners with too few plays in the period to compare, else None."""
    few = figures[~figures.enough]
    if few.empty:
        return None
    each = [f"{user} ({plural(plays, 'play')})" for user, plays in zip(few.user_name, few.plays)]
    verb = "has" if len(each) == 1 else "have"
    return (f"{names(each)} {verb} too few plays in {label} to compare: at least {MIN_PLAYS} "
            f"{'are' if MIN_PLAYS != 1 else 'is'} needed")


def nothing_to_compare(figures: pd.DataFrame, label: str) -> str | None:
    """The one sentence when fewer than two listeners have enough plays, else None."""
    enough = list(figures.user_name[figures.enough])
    if len(enough) >= 2:
        return None
    if not enough:
        return f"No listener has {MIN_PLAYS} plays in {label}: nothing to compare"
    return f"Only {enough[0]} has {MIN_PLAYS} plays or more in {label}: nothing to compare"


def top_genre_text(genres: list[str], share: float) -> str:
    if not genres:
        return "— (no known genre)"
    if len(genres) == 1:
        return f"{genres[0]} ({share:.0%})"
    return f"{' = '.join(genres)} (a tie, {share:.0%} each)"


def figures_table(figures: pd.DataFrame) -> pd.DataFrame:
    """The side-by-side headline figures, as a table to show."""
    return pd.DataFrame({
        "Listener": figures.user_name,
        "Plays": figures.plays,
        "Days": figures.days,
        "Tracks per day": figures.per_day.round(1),
        "Distinct artists": figures.artists,
        "Top genre": [top_genre_text(g, s) for g, s in zip(figures.top_genres, figures.top_genre_share)],
        "Compared": ["yes" if ok else f"no: under {MIN_PLAYS} plays" for ok in figures.enough],
    })


# --- overlap of top artists -------------------------------------------------------------------------------------

def pair_headline(pair: pd.Series, n: int, label: str) -> str:
    """'ana and ben share 2 of the 4 artists in their top-50 lists in 2025 (50%); the shared artists get
    83% of ana's plays and 58% of ben's'."""
    a, b = pair.listener, pair.other
    if pair.shared == 0:
        return f"{a} and {b} share none of the artists in their top-{n} lists in {label}"
    return (f"{a} and {b} share {pair.shared} of the {plural(pair.either, 'artist')} in their top-{n} lists in "
            f"{label} ({pair.jaccard:.0%}); the shared artists get {pair.listener_share:.0%} of {a}'s plays "
            f"and {pair.other_share:.0%} of {b}'s")


def alike_headline(pairs: pd.DataFrame, n: int, label: str) -> str:
    """The most alike pair(s) of listeners (a tie names every pair)."""
    if pairs.empty:
        return f"Nothing to compare in {label}"
    best = pairs.jaccard.max()
    if best == 0:
        return f"No two listeners share an artist in their top-{n} lists in {label}"
    top = pairs[pairs.jaccard == best].sort_values(["listener", "other"])
    couples = [f"{a} and {b}" for a, b in zip(top.listener, top.other)]
    if len(couples) == 1:
        return f"Most alike in {label}: {couples[0]}, who share {best:.0%} of the artists in their top-{n} lists"
    return (f"Most alike in {label}, a tie: {'; '.join(couples)}, who share {best:.0%} of the artists in "
            f"their top-{n} lists")


def similarity_chart(pairs: pd.DataFrame, n: int, label: str) -> tuple[alt.Chart, str]:
    """Every pair of listeners: the share of the artists in their top-n lists that both hold (a matrix,
    readable for a club of 20)."""
    headline = alike_headline(pairs, n, label)
    if pairs.empty:
        return sentence(headline)
    both = pd.concat([pairs, pairs.rename(columns={"listener": "other", "other": "listener"})], ignore_index=True)
    both = both.assign(percent=[f"{j:.0%}" for j in both.jaccard])
    listeners = sorted(set(both.listener))
    base = alt.Chart(both).encode(
        x=alt.X("other:N", sort=listeners, title=None, axis=alt.Axis(labelAngle=-30, orient="top")),
        y=alt.Y("listener:N", sort=listeners, title=None))
    cells = base.mark_rect().encode(
        color=alt.Color("jaccard:Q", scale=alt.Scale(scheme=SEQUENTIAL, domain=[0, 1]),
                        title=f"Top-{n} artists shared", legend=alt.Legend(format=".0%")),
        tooltip=["listener", "other", alt.Tooltip("shared:Q", title="artists shared"),
                 alt.Tooltip("either:Q", title="artists in either list"),
                 alt.Tooltip("jaccard:Q", title="shared / either", format=".0%")])
    text = base.mark_text(fontSize=11).encode(
        text="percent:N", color=alt.condition(alt.datum.jaccard > 0.5, alt.value("black"), alt.value("white")))
    size = max(160, 28 * len(listeners))
    chart = alt.layer(cells, text).properties(title=heading(headline), width=size, height=size)
    return chart, headline


def most_similar_table(pairs: pd.DataFrame, n: int) -> pd.DataFrame:
    """For each listener, the most similar other listener(s), as a table to show."""
    best = most_similar(pairs)
    return pd.DataFrame({
        "Listener": best.listener,
        "Most similar": [", ".join(o) + (" (a tie)" if len(o) > 1 else "") for o in best.others],
        f"Top-{n} artists shared": [f"{j:.0%}" for j in best.jaccard],
    })


# --- who listens when ---------------------------------------------------------------------------------------------

def _peak_text(user: str, found: list[int], preposition: str, fmt) -> str:
    """'ana at 21:00', 'ben on Mondays and Sundays (a tie)'."""
    if not found:
        return f"{user} never"
    return f"{user} {preposition} {names([fmt(v) for v in found])}" + (" (a tie)" if len(found) > 1 else "")


def hours_headline(shares: pd.DataFrame, label: str) -> str:
    found = peaks(shares, "hour")
    if len(found) <= 3:
        parts = [_peak_text(u, h, "at", lambda v: f"{v:02d}:00") for u, h in found.items()]
        return f"Who listens when in {label}: {'; '.join(parts)} (each in their own local time)"
    earliest = min(min(h) for h in found.values() if h)
    latest = max(max(h) for h in found.values() if h)
    early = [u for u, h in found.items() if earliest in h]
    late = [u for u, h in found.items() if latest in h]
    return (f"Peak hours in {label} run from {earliest:02d}:00 ({names(early)}) to {latest:02d}:00 "
            f"({names(late)}), each in their own local time")


def hours_chart(clock: pd.DataFrame, label: str) -> tuple[alt.Chart, str]:
    """Each listener's share of plays by local hour, on one chart."""
    shares = hour_shares(clock)
    headline = hours_headline(shares, label)
    return _profile(shares, "hour:O", "Hour of the day (each listener's local time)", headline,
                    sort=list(range(24))), headline


def weekdays_headline(shares: pd.DataFrame, label: str) -> str:
    found = peaks(shares, "weekday")
    parts = [_peak_text(u, d, "on", lambda v: f"{WEEKDAYS[v - 1]}s") for u, d in found.items()]
    if len(parts) <= 3:
        return f"Busiest weekday in {label}: {'; '.join(parts)}"
    counts = pd.Series([d[0] for d in found.values() if len(d) == 1], dtype="int64").value_counts()
    if counts.empty:
        return f"Busiest weekdays in {label}, listener by listener"
    top = sorted(counts.index[counts == counts.max()])
    days = names([WEEKDAYS[d - 1] for d in top])
    return (f"In {label}, {days} {'is' if len(top) == 1 else 'are each'} the busiest weekday of "
            f"{counts.max()} of the {len(found)} listeners")


def weekdays_chart(clock: pd.DataFrame, label: str) -> tuple[alt.Chart, str]:
    """Each listener's share of plays by local weekday, on one chart."""
    shares = weekday_shares(clock)
    headline = weekdays_headline(shares, label)
    return _profile(shares.assign(day=[d[:3] for d in shares.weekday_name]), "day:N", "Weekday", headline,
                    sort=[d[:3] for d in WEEKDAYS]), headline


def _profile(shares: pd.DataFrame, x: str, title: str, headline: str, sort: list) -> alt.Chart:
    """Lines (one per listener) up to LINES listeners, else a heatmap with one row per listener."""
    listeners = list(dict.fromkeys(shares.user_name))
    tooltip = ["user_name", x.split(":")[0], "plays", alt.Tooltip("share:Q", format=".1%")]
    axis = alt.X(x, sort=sort, title=title, axis=alt.Axis(labelAngle=0))
    if len(listeners) <= LINES:
        chart = alt.Chart(shares).mark_line(point=True).encode(
            x=axis, y=alt.Y("share:Q", title="Share of the listener's plays", axis=alt.Axis(format=".0%")),
            color=alt.Color("user_name:N", sort=listeners, title="Listener",
                            scale=alt.Scale(domain=listeners, range=OKABE_ITO[:len(listeners)])),
            tooltip=tooltip)
        height = 260
    else:
        chart = alt.Chart(shares).mark_rect().encode(
            x=axis, y=alt.Y("user_name:N", sort=listeners, title=None),
            color=alt.Color("share:Q", scale=alt.Scale(scheme=SEQUENTIAL), title="Share of plays",
                            legend=alt.Legend(format=".0%")),
            tooltip=tooltip)
        height = 18 * len(listeners)
    return chart.properties(title=heading(headline), width=WIDTH, height=height)
