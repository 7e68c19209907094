"""The Origins tab: how old the music you play is, where it comes from, bands or solo artists, and
which source decided your genres, from the MusicBrainz marts (serve/origins.py). Every play counts,
whatever the genre filter; the countries, types and genre sources cover the whole history. Before the
enrichment has run, each section is one sentence naming the command."""

from __future__ import annotations

import streamlit as st

from scrobble_insights.serve import origins as o
from scrobble_insights.serve.dashboard.data import Scope, Warehouse
from scrobble_insights.serve.dashboard.views import HALF, guarded, md, show

NAME = "Origins"


def origins(wh: Warehouse, scope: Scope) -> None:
    user = scope.filters.user
    if not wh("origins_known", user):
        st.info(o.NOT_ENRICHED + ".", icon=":material/travel_explore:")
        return
    st.caption("From MusicBrainz: release years, the artists' countries and types, curated genres. Every play "
               "counts" + (", whatever the genre filter" if scope.filters.genre else "") + "; local time.")
    st.subheader("How old is the music you play", anchor=False)
    with guarded("the release decades"):
        yearly = wh("origin_rows", o.AGE_YEARLY, user)
        if scope.year:
            line = o.year_line(yearly, scope.year)
            if line:
                st.markdown(md(line) + ".")
        show(o.decades_chart(wh("origin_rows", o.AGE, user), yearly))
    with guarded("the age of the music"):
        show(o.music_age_chart(yearly))
    left, right = st.columns(2, gap="large")
    with left:
        st.subheader("Where your music comes from", anchor=False)
        with guarded("the countries"):
            show(o.countries_chart(wh("origin_rows", o.COUNTRIES, user)), HALF)
    with right:
        st.subheader("Bands or solo", anchor=False)
        with guarded("the artist types"):
            show(o.artist_types_chart(wh("origin_rows", o.TYPES, user)), HALF)
    st.subheader("Where your genres come from", anchor=False)
    with guarded("the genre sources"):
        show(o.genre_sources_chart(wh("origin_rows", o.GENRE_SOURCES, user)))
