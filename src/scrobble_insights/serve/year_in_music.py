"""The 'year in music' part of the report for one year: its answers (`answers`: top artist, album and
track, discoveries, peak day and hour, the longest streak, how concentrated the year was, the genre
families against the year before), each read from a mart as `queries` does, and the short sentences
and cards that word them (`render_story`), every name from the data escaped."""

from __future__ import annotations

import html
from datetime import date

import pandas as pd

from scrobble_insights.serve.charts import FEW_PLAYS, day_label, period_label, plural, span_label
from scrobble_insights.serve.queries import DAYS, ENTITIES, HOURS, PLAYS, TRACKS, Filters, df
from scrobble_insights.serve.streaks import CONCENTRATION, STREAKS_YEARLY, first_row

NEAR_EMPTY_DAYS = 3            # fewer days with plays than this (or fewer than FEW_PLAYS plays): one sentence

STYLE = """
.story { background: white; border-radius: 8px; padding: 18px 22px; margin: 22px 0 8px; box-shadow: 0 1px 3px rgba(0,0,0,.08); }
.story h2 { margin-top: 0; }
.story p.lead { font-size: 17px; margin: 6px 0 14px; }
.story .cards { display: grid; grid-template-columns: repeat(3, 1fr); gap: 12px; }
.story .card { border: 1px solid #e3e3e3; border-radius: 8px; padding: 12px 14px; }
.story .card .what { display: block; color: #555; font-size: 13px; }
.story .card b { display: block; font-size: 19px; margin: 3px 0; overflow-wrap: anywhere; }
.story .card .detail { font-size: 13px; color: #333; }
.story ul.genres { margin: 6px 0 0; padding-left: 18px; }
.story ul.genres b { display: inline; font-size: 15px; }
.story .cards { align-items: start; }
"""


# --- the answers ----------------------------------------------------------------------------------------------

def _best(con, sql: str, params: list) -> dict | None:
    """The first row of a query ordered best first by `plays` with LIMIT 2, and `tie`: the second row
    when it has as many plays, else None (None when there is no row)."""
    frame = df(con, sql, params)
    if frame.empty:
        return None
    tied = len(frame) > 1 and frame.plays.iloc[1] == frame.plays.iloc[0]
    return {**frame.iloc[0].to_dict(), "tie": frame.iloc[1].to_dict() if tied else None}


def answers(con, user: str, year: int, families: int = 5) -> dict:
    """A year's answers for the 'year in music' page, each from a mart: the calendar and the longest
    streak (mart_listening_streaks_yearly), the top artist, album (not '(no album)') and track
    (mart_top_music_yearly), the artists new that year and the most played of them (mart_track_plays'
    discovery measures), the peak day (mart_daily_plays) and hour (mart_hourly_plays), the top genre families' shares against
    the year before (mart_genre_share) and the concentration figures (mart_artist_concentration_yearly).
    Each answer is None when the year has none; a top answer's `tie` is the next one when it has as
    many plays (the first by name, date or hour is shown)."""
    f = Filters(user).for_year(year)
    where, params = f.where()
    calendar = first_row(con, f"""SELECT first_date, last_date, days, days_with_plays, longest_streak_days,
                                       longest_streak_start_date, longest_streak_end_date
                                FROM {STREAKS_YEARLY} WHERE user_name = ? AND year = ?""", [user, year]) or {}
    plays = int(con.execute(f"SELECT coalesce({PLAYS}, 0) FROM {DAYS} d WHERE d.user_name = ? AND d.year = ?",
                            [user, year]).fetchone()[0])
    no_album = "AND entity_key NOT IN (SELECT album_key FROM marts.dim_album WHERE is_unknown)"   # '(no album)'
    top = {entity: _best(con, f"""SELECT entity_name AS name, artist_name AS artist, plays
                                  FROM marts.mart_top_music_yearly WHERE user_name = ? AND year = ? AND entity_type = ?
                                  {no_album if entity == 'album' else ''}
                                  ORDER BY plays DESC, entity_name LIMIT 2""", [user, year, entity])
           for entity in ENTITIES}
    new_artists = int(con.execute(f"SELECT coalesce(CAST(sum(new_artists) AS BIGINT), 0) FROM {TRACKS} s WHERE {where}",
                                  params).fetchone()[0])
    discovery = _best(con, f"""SELECT a.artist_name AS name, p.plays
                               FROM (SELECT artist_key, CAST(sum(plays_on_artists_new_that_year) AS BIGINT) AS plays
                                     FROM {TRACKS} s WHERE {where} GROUP BY 1) p
                               JOIN marts.dim_artist a USING (artist_key)
                               WHERE p.plays > 0 ORDER BY p.plays DESC, name LIMIT 2""", params)
    peak_day = _best(con, f"""SELECT local_date, plays FROM {DAYS} d WHERE d.user_name = ? AND d.year = ? AND plays > 0
                              ORDER BY plays DESC, local_date LIMIT 2""", [user, year])
    peak_hour = _best(con, f"""SELECT hour, {PLAYS} AS plays FROM {HOURS} s WHERE {where}
                               GROUP BY 1 ORDER BY plays DESC, hour LIMIT 2""", params)
    shares = df(con, """SELECT CAST(period AS INTEGER) AS year, genre, plays, share FROM marts.mart_genre_share
                        WHERE user_name = ? AND period_grain = 'year' AND genre_level = 'parent' AND period IN (?, ?)""",
                [user, str(year), str(year - 1)])
    this, before = shares[shares.year == year], shares[shares.year == year - 1]
    genres = (this.sort_values(["plays", "genre"], ascending=[False, True]).head(int(families))
              .merge(before[["genre", "share"]].rename(columns={"share": "previous_share"}), on="genre", how="left")
              [["genre", "plays", "share", "previous_share"]])
    if before.plays.sum() > 0:                 # played the year before, not this family: 0 % then
        genres["previous_share"] = genres.previous_share.fillna(0.0)
    concentration = first_row(con, f"""SELECT artists, top10_share, entropy_bits, evenness, effective_artists, gini
                                     FROM {CONCENTRATION} WHERE user_name = ? AND year = ?""", [user, year])
    return {"user": user, "year": year, "plays": plays,
            "first_date": calendar.get("first_date"), "last_date": calendar.get("last_date"),
            "days": int(calendar.get("days", 0)), "days_with_plays": int(calendar.get("days_with_plays", 0)),
            "top": top, "new_artists": new_artists, "top_discovery": discovery,
            "peak_day": peak_day, "peak_hour": peak_hour,
            "genres": genres, "previous_year_plays": int(before.plays.sum()),
            "longest_streak": ({"days": calendar["longest_streak_days"], "start_date": calendar["longest_streak_start_date"],
                                "end_date": calendar["longest_streak_end_date"]}
                               if calendar.get("longest_streak_days") else None),
            "concentration": concentration}


# --- the page -------------------------------------------------------------------------------------------------

def e(value) -> str:
    return html.escape(str(value))


def _present(value) -> bool:
    return value is not None and not (isinstance(value, float) and pd.isna(value))


def coverage(facts: dict) -> str:
    """'' for a whole year, else which part of it the history holds ('1 Jan 2025 – 9 Mar 2025')."""
    first, last = facts.get("first_date"), facts.get("last_date")
    if not (_present(first) and _present(last)):
        return ""
    held = period_label(first, last)
    return "" if held == str(facts["year"]) else held


def near_empty_sentence(facts: dict) -> str:
    """One sentence for a year with (almost) nothing in it."""
    year, plays = facts["year"], facts["plays"]
    held = coverage(facts)
    if plays == 0:
        return f"Your history has no plays in {year} yet" + (f" (it holds {e(held)} of that year)." if held else ".")
    top = facts["top"].get("artist")
    sentence = f"In {year} you played {plural(plays, 'track')} on {plural(facts['days_with_plays'], 'day')}"
    if held:
        sentence += f" (your history holds {e(held)} of it)"
    if top:
        share = int(top["plays"]) / plays
        if share == 1:
            sentence += f", all by {e(top['name'])}"
        elif share > 0.5:
            sentence += f", most of them by {e(top['name'])}"
        elif top.get("tie"):
            sentence += f", {e(top['name'])} among the artists played most"
        else:
            sentence += f", more by {e(top['name'])} than by any other artist"
    return sentence + "."


def weekday_label(day) -> str:
    """'Sat 14 Jun 2025'."""
    return f"{pd.Timestamp(day):%a} {day_label(day)}"


def tie(best: dict, label) -> str:
    """', as many as <the tied one>' (escaped) when the best answer has a tie, else ''."""
    return f", as many as {e(label(best['tie']))}" if best.get("tie") else ""


def card(slug: str, what: str, value: str, detail: str = "") -> str:
    """One card: values already escaped."""
    return (f'<div class="card" data-fact="{slug}"><span class="what">{what}</span><b>{value}</b>'
            f'<span class="detail">{detail}</span></div>')


def cards(facts: dict) -> list[str]:
    out = []
    year = facts["year"]
    for entity in ("artist", "album", "track"):
        top = facts["top"].get(entity)
        if top:
            by = "" if entity == "artist" else f"by {e(top['artist'])} · "
            out.append(card(f"top-{entity}", f"Top {entity}", e(top["name"]),
                            f"{by}{plural(top['plays'], 'play')}{tie(top, lambda other: other['name'])}"))
    if facts["new_artists"] > 0:
        detail = ""
        if facts["top_discovery"]:
            found = facts["top_discovery"]
            detail = (f"most played of them: {e(found['name'])} ({plural(found['plays'], 'play')}"
                      f"{tie(found, lambda other: other['name'])})")
        if facts["previous_year_plays"] == 0:
            detail += ("; " if detail else "") + f"nothing was played before {year} in this history"
        out.append(card("discoveries", "New artists", plural(facts["new_artists"], "new artist"), detail))
    if facts["peak_day"]:
        peak = facts["peak_day"]
        out.append(card("peak-day", "Peak day", e(weekday_label(peak["local_date"])),
                        plural(peak["plays"], "play") + tie(peak, lambda other: f"on {weekday_label(other['local_date'])}")))
    if facts["peak_hour"]:
        hour = int(facts["peak_hour"]["hour"])
        out.append(card("peak-hour", "Peak hour", f"{hour:02d}:00",
                        f"{plural(facts['peak_hour']['plays'], 'play')} between {hour:02d}:00 and {hour:02d}:59 over the year"
                        + tie(facts["peak_hour"], lambda other: f"at {int(other['hour']):02d}:00")))
    streak = facts["longest_streak"]
    if streak:
        days = int(streak["days"])
        detail = (e(span_label(streak["start_date"], streak["end_date"])) if days > 1
                  else "you never played on two days in a row")
        out.append(card("streak", "Longest streak", f"{plural(days, 'day')} in a row" if days > 1 else plural(days, "day"),
                        detail))
    figures = facts["concentration"]
    if figures:
        out.append(card("concentration", "Top 10 artists' share", f"{figures['top10_share']:.0%} of plays",
                        f"over {plural(figures['artists'], 'artist')}; entropy {figures['entropy_bits']:.2f} bits, "
                        f"as diverse as {figures['effective_artists']:.1f} equally played artists; "
                        f"Gini {figures['gini']:.2f}"))
    return out


def genre_lines(facts: dict) -> str:
    """The top genre families of the year, each with its share the year before."""
    genres: pd.DataFrame = facts["genres"]
    if genres.empty:
        return ""
    year, compare = facts["year"], facts["previous_year_plays"] > 0
    items = []
    for row in genres.itertuples():
        text = f"<b>{e(row.genre)}</b> <span data-share>{row.share:.0%}</span>"
        if compare:
            text += f" (<span data-previous>{row.previous_share:.0%}</span> in {year - 1})"
        items.append(f'<li data-genre="{e(row.genre)}">{text}</li>')
    title = f"Genre families in {year}" + (f" against {year - 1}" if compare else f" (nothing played in {year - 1})")
    return (f'<div class="card" data-fact="genres"><span class="what">{title}</span>'
            f'<ul class="genres">{"".join(items)}</ul></div>')


def render_story(facts: dict) -> str:
    """The 'year in music' block (HTML, with its own style) for `answers`."""
    year, plays = facts["year"], facts["plays"]
    last = facts.get("last_date")
    so_far = _present(last) and pd.Timestamp(last).date() < date(year, 12, 31)        # the year is not over yet
    heading = f'<h2>{year} in music{" so far" if so_far else ""}</h2>'
    if plays < FEW_PLAYS or facts["days_with_plays"] < NEAR_EMPTY_DAYS:
        return (f'<style>{STYLE}</style><section class="story" data-year="{year}">{heading}'
                f'<p class="lead">{near_empty_sentence(facts)}</p></section>')
    held = coverage(facts)
    lead = (f"{plural(plays, 'play')} on {facts['days_with_plays']:,} of the {plural(facts['days'], 'day')}"
            + (f" your history holds ({e(held)})" if held else f" of {year}") + ".")
    top = facts["top"].get("artist")
    if top:
        lead += f" {e(top['name'])} was your artist of the year."
    return (f'<style>{STYLE}</style><section class="story" data-year="{year}">{heading}<p class="lead">{lead}</p>'
            f'<div class="cards">{"".join(cards(facts))}{genre_lines(facts)}</div></section>')
