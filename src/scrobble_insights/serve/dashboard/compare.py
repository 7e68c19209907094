"""The Compare tab: every listener of the warehouse side by side over the period chosen in the sidebar
(shown only when the warehouse holds two listeners or more)."""

from __future__ import annotations

import streamlit as st

from scrobble_insights.serve import comparison_charts as cc
from scrobble_insights.serve.charts import span_label
from scrobble_insights.serve.comparison import Period, shared_artists
from scrobble_insights.serve.dashboard.data import Scope, Warehouse
from scrobble_insights.serve.dashboard.views import HALF, guarded, md, show, table

NAME = "Compare"


def period_label(scope: Scope, figures) -> str:
    """The period compared, named: the year or dates chosen; all time with its first and last day."""
    if not scope.filters.all_time:
        return scope.label
    first, last = figures.first_day.dropna(), figures.last_day.dropna()
    if first.empty:
        return "all time"
    return f"all time ({span_label(first.min(), last.max())})"


def compare(wh: Warehouse, scope: Scope) -> None:
    users = tuple(wh("users"))
    period = Period(users, scope.filters.start, scope.filters.end)
    answers = wh("comparison", period)
    figures, pairs, n = answers["figures"], answers["pairs"], answers["n"]
    label = period_label(scope, figures)
    st.caption(f"Every listener in this warehouse over {md(label)}, each in their own local time; tracks per day "
               "count the quiet days of each one's history within the period"
               + (". Every play counts, whatever the genre filter." if scope.filters.genre else "."))
    few = cc.too_few(figures, label)
    if few:
        st.info(md(few), icon=":material/person_off:")
    with guarded("the listeners' figures"):
        st.markdown(f"**Side by side, {md(label)}**")
        table(cc.figures_table(figures), formats={"Tracks per day": "{:,.1f}", "Plays": "{:,}"})
    nothing = cc.nothing_to_compare(figures, label)
    if nothing:
        st.info(md(nothing), icon=":material/group_off:")
        return
    eligible = list(figures.user_name[figures.enough])
    if len(eligible) >= 3:
        left, right = st.columns([3, 2], gap="large")
        with left, guarded("the overlap of top artists"):
            show(cc.similarity_chart(pairs, n, label), HALF)
        with right, guarded("the most similar listeners"):
            st.markdown(f"**Most similar listener, by top-{n} artists shared**")
            table(cc.most_similar_table(pairs, n), rows=20)
    with guarded("the shared artists"):
        shared_with(answers, eligible, scope.filters.user, label)
    left, right = st.columns(2, gap="large")
    with left, guarded("who listens when"):
        show(cc.hours_chart(answers["clock"], label), HALF)
    with right, guarded("the weekdays"):
        show(cc.weekdays_chart(answers["clock"], label), HALF)


def shared_with(answers: dict, eligible: list[str], user: str, label: str) -> None:
    """One pair in detail: the artists both have in their top lists, with each one's plays. The pair is
    the sidebar's listener (else the first who can be compared) and the one picked, by default the most
    similar."""
    pairs, n = answers["pairs"], answers["n"]
    me = user if user in eligible else eligible[0]
    mine = pairs[(pairs.listener == me) | (pairs.other == me)]
    others = [o for o in eligible if o != me]
    best = mine.sort_values(["jaccard", "listener", "other"], ascending=[False, True, True]).iloc[0]
    default = best.other if best.listener == me else best.listener
    other = st.selectbox(f"Compare {me} with", others, index=others.index(default), key=f"compare_with_{me}",
                         help="Preselected: the listener whose top artists overlap most") \
        if len(others) > 1 else others[0]
    pair = mine[(mine.listener == other) | (mine.other == other)].iloc[0]
    st.markdown(f"**{md(cc.pair_headline(pair, n, label))}**")
    frame = shared_artists(answers["top"], me, other)
    if frame.empty:
        return
    high = max(1, int(frame[[me, other]].max().max()))
    table(frame.rename(columns={"artist": "Artist", me: f"{me}'s plays", other: f"{other}'s plays"}),
          bars={f"{me}'s plays": (0, high), f"{other}'s plays": (0, high)})
