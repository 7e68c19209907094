"""Scrobble Insights dashboard (Streamlit): `streamlit run app.py`, or `scrobble-insights dashboard`.

Reads the warehouse named by SCROBBLE_INSIGHTS_WAREHOUSE_PATH (else the configured data directory's
read-only snapshot). The sidebar picks the listener, the year (or all time), optional dates and a genre; links
can carry them too: ?user=alice&year=2025&genre=rock&view=Time.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

import streamlit as st

from scrobble_insights.errors import WarehouseBusyError, WarehouseError
from scrobble_insights.serve import charts
from scrobble_insights.serve.dashboard import compare, data, origins, views
from scrobble_insights.serve.dashboard.data import ALL_GENRES, ALL_TIME, Scope, Warehouse
from scrobble_insights.serve.dashboard.views import literal, md

# Less empty space above the title than Streamlit's default.
STYLE = "<style>[data-testid='stMainBlockContainer'] { padding-top: 2.5rem; }</style>"


def _param_text(value) -> str:
    return "all" if value == ALL_TIME else str(value)


def _remember(key: str) -> None:
    """Sidebar change -> the URL, so the page can be shared or reloaded as it is."""
    value = st.session_state[key]
    if value == ALL_GENRES:
        st.query_params.pop(key, None)
    else:
        st.query_params[key] = _param_text(value)
    if key == "user":        # another listener: their own years, genres and artists
        for other in ("year", "genre", "dates", "custom_dates"):
            st.query_params.pop(other, None)
            st.session_state.pop(other, None)
    if key in ("year", "user"):
        st.session_state.pop("dates", None)


def _links(values, key: str) -> str:
    return ", ".join(f"[{md(v)}](?{key}={quote(_param_text(v))})" for v in values)


def pick_user(users: list[str]) -> str | None:
    requested = st.query_params.get("user")
    if requested is not None and requested.lower() in users:
        st.session_state["user"] = requested.lower()
    if len(users) > 1:
        st.sidebar.selectbox("Listener", users, key="user", on_change=_remember, args=("user",))
    if requested is not None and requested.lower() not in users:
        st.warning(f"There is no listener called {literal(requested)} in this warehouse. It holds "
                   f"{_links(users, 'user')}: pick one" + (" in the sidebar." if len(users) > 1 else "."),
                   icon=":material/person_search:")
        return None
    return st.session_state.get("user", users[0]) if len(users) > 1 else users[0]


def pick_year(wh: Warehouse, user: str) -> tuple[bool, int | None]:
    """(ok, year); year None means all time."""
    years = wh("years", user)
    first, last = wh("date_bounds", user)
    options = [ALL_TIME, *years]
    requested = data.parse_year(st.query_params.get("year"))
    if requested is not None and requested in options:
        st.session_state["year"] = requested
    elif st.session_state.get("year") not in options:
        st.session_state["year"] = data.default_year(years, first, last) or ALL_TIME
    st.sidebar.selectbox("Year", options, key="year", format_func=str, on_change=_remember, args=("year",),
                         help="The latest full year is shown first; 'All time' covers the whole history.")
    if requested is not None and requested not in options:
        st.warning(f"**{md(user)}** has no plays in {literal(requested)}. Years with data: {_links(years, 'year')}, "
                   f"or [all time](?year=all). Pick one in the sidebar.", icon=":material/event_busy:")
        return False, None
    year = st.session_state["year"]
    return True, None if year == ALL_TIME else int(year)


def pick_dates(wh: Warehouse, user: str, year: int | None) -> tuple[date, date] | None:
    first, last = wh("date_bounds", user)
    low = max(first, date(year, 1, 1)) if year else first
    high = min(last, date(year, 12, 31)) if year else last
    if not st.sidebar.toggle("Choose dates", key="custom_dates",
                             help=f"Narrow the view to dates within {year or 'the whole history'}"):
        return None
    picked = st.sidebar.date_input("Dates", value=(low, high), min_value=low, max_value=high, key="dates",
                                   format="YYYY-MM-DD")
    if isinstance(picked, (tuple, list)) and len(picked) == 2:
        start, end = min(picked), max(picked)
        return None if (start, end) == (low, high) else (start, end)
    st.sidebar.caption("Pick the last day too.")
    return None


def pick_genre(wh: Warehouse, user: str) -> str | None:
    options = [ALL_GENRES, *wh("genre_families", user)]
    requested = st.query_params.get("genre")
    if requested is not None and requested in options:
        st.session_state["genre"] = requested
    elif st.session_state.get("genre") not in options:
        st.session_state["genre"] = ALL_GENRES
    genre = st.sidebar.selectbox("Genre", options, key="genre", on_change=_remember, args=("genre",),
                                 help="The genre family each artist's tags fold into")
    if requested is not None and requested not in options:
        st.sidebar.warning(f"No plays in genre {literal(requested)}: showing all genres.")
    return None if genre == ALL_GENRES else genre


def describe(scope: Scope, wh: Warehouse) -> str:
    first, last = wh("date_bounds", scope.filters.user)
    return (f"**{md(scope.filters.user)}** · {scope.label} · {md(scope.filters.genre or 'all genres')} · "
            f"history from {first:%Y-%m-%d} to {last:%Y-%m-%d}")


def dashboard(wh: Warehouse, caption) -> None:
    """The sidebar filters, then the views; `caption` (under the title) says what is shown."""
    wh.check()
    users = wh("users")
    if not users:
        st.info("The warehouse has no listeners yet: run `scrobble-insights backfill --user NAME --since "
                "YYYY-MM-DD`, then `scrobble-insights transform`.", icon=":material/database:")
        return
    st.sidebar.header("Filters")
    user = pick_user(users)
    if user is None:
        return
    if not wh("years", user):
        st.info(f"**{md(user)}** has no plays in the warehouse yet.", icon=":material/music_off:")
        return
    ok, year = pick_year(wh, user)
    if not ok:
        return
    dates = pick_dates(wh, user, year)
    genre = pick_genre(wh, user)
    scope = data.build_scope(user, year, dates, genre)
    caption.caption(describe(scope, wh))
    scrobbles = wh("kpis", scope.filters)["scrobbles"]
    if scrobbles == 0:
        what = f"{genre} plays" if genre else "plays"
        st.info(f"No {md(what)} for **{md(user)}** in {scope.label}. Choose another "
                f"{'genre, ' if genre else ''}year or dates in the sidebar.", icon=":material/filter_alt_off:")
        return
    if scrobbles < charts.FEW_PLAYS:      # near-empty: one sentence, not charts that read patterns into a few plays
        what = f"{genre} play" if genre else "play"
        st.info(f"Only {scrobbles} {md(what)}{'s' if scrobbles != 1 else ''} for **{md(user)}** in {scope.label}: "
                f"too few to show a pattern. Choose another {'genre, ' if genre else ''}year or dates in the sidebar.",
                icon=":material/filter_alt_off:")
        return
    shown = dict(views.VIEWS)
    shown[origins.NAME] = origins.origins      # MusicBrainz's answers (issue 14)
    if len(users) > 1:                 # listeners side by side: only with someone to compare with
        shown[compare.NAME] = compare.compare
    tabs = st.tabs(list(shown), key="view", bind="query-params", on_change="rerun")
    for tab, (name, draw) in zip(tabs, shown.items()):
        if tab.open is False:          # only the open tab runs its queries
            continue
        with tab, views.guarded(f"the {name} view"):
            draw(wh, scope)


def main() -> None:
    st.set_page_config(page_title="Scrobble Insights", page_icon="🎧", layout="wide")
    st.html(STYLE)
    st.title("Scrobble Insights", anchor=False)
    caption = st.empty()
    try:
        dashboard(Warehouse(data.warehouse_source()), caption)
    except WarehouseError as exc:
        if isinstance(exc, WarehouseBusyError) or "cannot open" in str(exc):    # in use or unreadable
            st.warning(f"Cannot read the warehouse right now (is the pipeline writing to it?): {exc}. "
                       "Reload the page in a moment.", icon=":material/hourglass_empty:")
        else:
            st.info(f"Nothing to show yet: {exc}", icon=":material/database:")
    except Exception as exc:       # noqa: BLE001 - a one-line message, never a traceback
        st.error(f"The dashboard cannot read this warehouse: {type(exc).__name__}: {views.first_line(exc)}",
                 icon=":material/error:")


main()
