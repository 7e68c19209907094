"""When and where your music comes from (issue 14): the questions over the MusicBrainz marts and the
charts that answer them, shared by the dashboard's Origins tab and the report.

The marts hold the rules (docs/decisions/0013-origins-answers.md):
mart_music_age (user x local listening year x release decade), mart_music_age_yearly (user x listening
year: dated share, median release year and age, share of new music), mart_artist_countries (user x the
artist's country), mart_artist_types (user x the artist's type) and mart_genre_sources (user x primary
genre, its plays split by the source that decided the genre). The questions only select a listener's
rows; every play counts, whatever the genre filter (the marts have no genre), and the countries, types
and genre sources cover the whole history.

Honest headlines (ADR 0006): a headline names a decade, an age, a country or an artist type only when at
least MIN_KNOWN_SHARE of the plays it speaks for are known (dated, with a country, with a type) and at
least charts.FEW_PLAYS of them; otherwise it says how much is known. A warehouse modelled before the
enrichment existed (the marts absent) or never enriched (nothing known) gets one sentence naming the
command to run, never an error; where only some answers are known (e.g. artists enriched, albums not
yet: no release years), each section without any is that sentence.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from scrobble_insights.load.warehouse import tables
from scrobble_insights.serve.charts import FEW_PLAYS, OKABE_ITO, WIDTH, plural, sentence
from scrobble_insights.serve.queries import df

AGE = "mart_music_age"
AGE_YEARLY = "mart_music_age_yearly"
COUNTRIES = "mart_artist_countries"
TYPES = "mart_artist_types"
GENRE_SOURCES = "mart_genre_sources"
COLUMNS = {
    AGE: "listen_year, release_decade, plays, share_of_dated",
    AGE_YEARLY: "listen_year, plays, dated_plays, dated_share, median_release_year, median_age_years, "
                "new_music_share",
    COUNTRIES: "country_code, country_name, plays, artists, share_of_known",
    TYPES: "artist_type, plays, artists, share_of_known",
    GENRE_SOURCES: "genre, plays, musicbrainz_plays, lastfm_plays",
}
ORDER = {AGE: "listen_year, release_decade", AGE_YEARLY: "listen_year", COUNTRIES: "plays DESC, country_name",
         TYPES: "plays DESC, artist_type", GENRE_SOURCES: "plays DESC, genre"}

MIN_KNOWN_SHARE = 0.5     # a headline names an answer only when at least half the plays it speaks for are known
ENRICH = "run `scrobble-insights enrich`, then `scrobble-insights transform`"
NOT_ENRICHED = f"No MusicBrainz answers about your music yet: {ENRICH} to see them"


# --- the questions --------------------------------------------------------------------------------------

def origin_marts(con) -> bool:
    """Does the warehouse hold every MusicBrainz mart (modelled after the enrichment existed)?"""
    return set(COLUMNS) <= tables(con, "marts")


def origins_known(con, user: str) -> bool:
    """Does MusicBrainz know anything about the listener's music: a release year, a country, an artist
    type or a genre? False when the marts are absent (modelled before the enrichment existed) or hold
    nothing known (the enrichment never ran): the answers are then one sentence, NOT_ENRICHED."""
    if not origin_marts(con):
        return False
    rows = {mart: origin_rows(con, mart, user, present=True) for mart in (AGE_YEARLY, COUNTRIES, TYPES, GENRE_SOURCES)}
    return bool(rows[AGE_YEARLY].dated_plays.sum() or rows[COUNTRIES].country_code.notna().any()
                or rows[TYPES].artist_type.notna().any() or rows[GENRE_SOURCES].musicbrainz_plays.sum())


def origin_rows(con, mart: str, user: str, present: bool | None = None) -> pd.DataFrame:
    """A listener's rows of one MusicBrainz mart (its contract's columns, in a stable order); no rows
    when the warehouse was modelled before the mart existed (`present`: already known to exist, which
    spares BigQuery a listing of the dataset)."""
    if mart not in COLUMNS:
        raise ValueError(f"{mart!r} is not one of {', '.join(COLUMNS)}")
    if not (present if present is not None else mart in tables(con, "marts")):
        return pd.DataFrame(columns=[c.strip() for c in COLUMNS[mart].split(",")])
    return df(con, f"SELECT {COLUMNS[mart]} FROM marts.{mart} WHERE user_name = ? ORDER BY {ORDER[mart]}", [user])


def titled(headline: str, subtitle: str) -> alt.TitleParams:
    """The headline with the rule behind it (what is known, what is left out) underneath."""
    return alt.TitleParams(headline, subtitle=subtitle, anchor="start", fontSize=15, subtitleFontSize=12,
                           subtitleColor="#555")


# --- the answers in words ---------------------------------------------------------------------------------

def speaks(known: int, plays: int) -> bool:
    """Enough is known to name an answer: MIN_KNOWN_SHARE of the plays and FEW_PLAYS plays at least."""
    return plays > 0 and known >= FEW_PLAYS and known / plays >= MIN_KNOWN_SHARE


def known_part(known: int, plays: int, what: str) -> str:
    """'Only 12% of your plays have a release year', or with a high share but few plays, 'Only 3 of your
    5 plays have a release year': the opening of a headline that names no answer."""
    if plays and known / plays < MIN_KNOWN_SHARE:
        return f"Only {known / plays:.0%} of your plays {what}"
    return f"Only {known:,} of your {plays:,} plays {what}"


def _years(value) -> str:
    """A median age: '14' or '4.5'."""
    value = float(value)
    return f"{value:.0f}" if value == round(value) else f"{value:.1f}"


def _year_list(years) -> str:
    return ", ".join(str(int(y)) for y in years)


def year_line(yearly: pd.DataFrame, year: int) -> str | None:
    """One calendar year in a sentence (dated share, median age, new music), or None without a row or
    a dated play (the charts then say what to run)."""
    row = yearly[yearly.listen_year == year]
    if row.empty or not int(row.iloc[0].dated_plays):
        return None
    row = row.iloc[0]
    plays, dated = int(row.plays), int(row.dated_plays)
    if not speaks(dated, plays):
        few = known_part(dated, plays, "have a release year")
        return f"In {year}, {few[0].lower()}{few[1:]}: too few to say how old the music you played was"
    return (f"In {year} the music you played was a median {_years(row.median_age_years)} years old "
            f"(released around {int(row.median_release_year)}); {row.new_music_share:.0%} of it came out that "
            f"year or the year before ({row.dated_share:.0%} of your plays have a release year)")


# --- the charts -------------------------------------------------------------------------------------------

def decades_chart(age: pd.DataFrame, yearly: pd.DataFrame) -> tuple[alt.Chart, str]:
    """The release decades of each listening year's dated plays as 100 % stacked bars, each bar labelled
    with the share of the year's plays that has a release year; the headline names the leading decade
    over the whole history only when enough plays are dated."""
    plays, dated_plays = int(yearly.plays.sum()) if len(yearly) else 0, int(yearly.dated_plays.sum()) if len(yearly) else 0
    dated = age[age.release_decade.notna() & (age.plays > 0)]
    if dated_plays == 0 or dated.empty:
        return sentence(f"None of your plays has a release year yet: {ENRICH} to see how old your music is")
    decades = dated.groupby("release_decade").plays.sum().sort_index()
    lead = decades.sort_values(ascending=False, kind="stable").index[0]
    if speaks(dated_plays, plays):
        headline = (f"The {int(lead)}s lead what you play: {decades[lead] / dated_plays:.0%} of your plays with a "
                    f"release year")
    else:
        headline = f"{known_part(dated_plays, plays, 'have a release year')}: too few to say which decade you play most"
    subtitle = (f"{dated_plays / plays:.0%} of your plays ({dated_plays:,} of {plays:,}) have a release year (the "
                "first release of the album, from MusicBrainz); above each bar, that year's share (or, faint, its "
                f"dated plays when fewer than {FEW_PLAYS})")
    frame = dated.assign(year=dated.listen_year.astype(int).astype(str),
                         decade=[f"{int(d)}s" for d in dated.release_decade],
                         year_dated=dated.listen_year.map(dict(zip(yearly.listen_year, yearly.dated_plays))))
    order = [f"{int(d)}s" for d in decades.index]
    years = [str(y) for y in range(int(yearly.listen_year.min()), int(yearly.listen_year.max()) + 1)]
    coverage = yearly[yearly.dated_plays > 0].assign(
        year=lambda d: d.listen_year.astype(int).astype(str),
        label=lambda d: [f"{s:.0%} dated" if n >= FEW_PLAYS else plural(n, "dated play")
                         for s, n in zip(d.dated_share, d.dated_plays)], top=1.0)
    x = alt.X("year:O", title="Year you played it", scale=alt.Scale(domain=years), axis=alt.Axis(labelAngle=0))
    bars = alt.Chart(frame).mark_bar().encode(
        x=x, y=alt.Y("plays:Q", stack="normalize", axis=alt.Axis(format="%"), title="Share of dated plays"),
        color=alt.Color("decade:O", sort=order, scale=alt.Scale(scheme="viridis", domain=order), title="Released in"),
        order=alt.Order("release_decade:Q"),
        opacity=alt.condition(alt.datum.year_dated >= FEW_PLAYS, alt.value(1.0), alt.value(0.35)),   # a few plays: faint
        tooltip=[alt.Tooltip("year:O", title="Year"), alt.Tooltip("decade:N", title="Released in"), "plays",
                 alt.Tooltip("share_of_dated:Q", format=".1%", title="Share of dated plays")])
    labels = alt.Chart(coverage).mark_text(dy=-6, fontSize=11, color="#555").encode(
        x=x, y=alt.Y("top:Q"), text="label:N")
    chart = alt.layer(bars, labels).properties(title=titled(headline, subtitle), width=WIDTH, height=300)
    return chart, headline


def music_age_chart(yearly: pd.DataFrame) -> tuple[alt.Chart, str]:
    """The median age of what you play (listening year - release year) per year, drawn only for the
    years with enough dated plays (the rule is the subtitle); the headline compares the first and the
    last of them."""
    if yearly.empty or int(yearly.dated_plays.sum()) == 0:
        return sentence(f"None of your plays has a release year yet: {ENRICH} to see how old your music is")
    speaking = yearly[[speaks(int(d), int(p)) for d, p in zip(yearly.dated_plays, yearly.plays)]]
    quiet = [y for y in yearly.listen_year if y not in set(speaking.listen_year)]
    if speaking.empty:
        headline = (f"No year has a release year for {MIN_KNOWN_SHARE:.0%} of its plays yet: too few to say how old "
                    "the music you play is")
    elif len(speaking) == 1:
        row = speaking.iloc[0]
        headline = f"In {int(row.listen_year)} the music you played was a median {_years(row.median_age_years)} years old"
    else:
        first, last = speaking.iloc[0], speaking.iloc[-1]
        headline = (f"The music you play was a median {_years(first.median_age_years)} years old in "
                    f"{int(first.listen_year)}, {_years(last.median_age_years)} in {int(last.listen_year)}")
    subtitle = (f"Age = the year you played it - the year its album first came out; a year is drawn when at least "
                f"{MIN_KNOWN_SHARE:.0%} of its plays (and {FEW_PLAYS}) have a release year"
                + (f" (left out: {_year_list(quiet)})" if quiet else ""))
    years = [str(y) for y in range(int(yearly.listen_year.min()), int(yearly.listen_year.max()) + 1)]
    frame = speaking.assign(year=speaking.listen_year.astype(int).astype(str))
    chart = alt.Chart(frame).mark_line(point=True, color=OKABE_ITO[4]).encode(
        x=alt.X("year:O", title="Year you played it", scale=alt.Scale(domain=years), axis=alt.Axis(labelAngle=0)),
        y=alt.Y("median_age_years:Q", title="Median age (years)", scale=alt.Scale(zero=True)),
        tooltip=[alt.Tooltip("year:O", title="Year"), alt.Tooltip("median_age_years:Q", title="Median age"),
                 alt.Tooltip("median_release_year:Q", title="Median release year"),
                 alt.Tooltip("new_music_share:Q", format=".0%", title="New music (0-1 year old)"),
                 alt.Tooltip("dated_share:Q", format=".0%", title="Plays with a release year")],
    ).properties(title=titled(headline, subtitle), width=WIDTH, height=260)
    return chart, headline


def _known(data: pd.DataFrame, column: str) -> tuple[pd.DataFrame, int, int]:
    """The rows with a known `column`, their plays and every play."""
    known = data[data[column].notna() & (data.plays > 0)]
    return known, int(known.plays.sum()), int(data.plays.sum()) if len(data) else 0


def countries_chart(data: pd.DataFrame, top: int = 15) -> tuple[alt.Chart, str]:
    """The artists' countries as sorted bars (names, no map: nothing to download), the `top` most played;
    the headline names the leading country only when enough plays have a known country."""
    known, known_plays, plays = _known(data, "country_code")
    if known_plays == 0:
        return sentence(f"None of your artists has a known country yet: {ENRICH} to see where your music comes from")
    frame = known.assign(country=known.country_name.fillna(known.country_code),
                         share=known.plays / known_plays).head(int(top))
    lead = frame.iloc[0]
    if speaks(known_plays, plays):
        headline = (f"{lead.country} leads where your music comes from: {lead.share:.0%} of the plays whose "
                    "artist's country is known")
    else:
        headline = (f"{known_part(known_plays, plays, 'have an artist with a known country')}: too few to say "
                    "where your music comes from")
    subtitle = (f"{known_plays / plays:.0%} of your plays ({known_plays:,} of {plays:,}) have an artist whose country "
                f"MusicBrainz knows; unknown: {plays - known_plays:,} plays"
                + (f"; the {int(top)} most played of {len(known)} countries" if len(known) > top else ""))
    chart = alt.Chart(frame).mark_bar(color=OKABE_ITO[2]).encode(
        y=alt.Y("country:N", sort="-x", title=None), x=alt.X("share:Q", axis=alt.Axis(format="%"),
                                                             title="Share of plays with a known country"),
        tooltip=["country", "country_code", "plays", "artists", alt.Tooltip("share:Q", format=".1%")],
    ).properties(title=titled(headline, subtitle), width=WIDTH, height=max(120, 24 * len(frame)))
    return chart, headline


TYPE_LABELS = {"Group": "bands", "Person": "solo artists", "Orchestra": "orchestras", "Choir": "choirs",
               "Character": "characters", "Other": "other"}


def artist_types_chart(data: pd.DataFrame) -> tuple[alt.Chart, str]:
    """Plays by artist type (bands = MusicBrainz's Group, solo artists = Person, ...); the headline
    weighs bands against solo artists only when enough plays have a known type."""
    known, known_plays, plays = _known(data, "artist_type")
    if known_plays == 0:
        return sentence(f"None of your artists has a known type yet: {ENRICH} to see bands against solo artists")
    frame = known.assign(kind=[TYPE_LABELS.get(t, str(t)) for t in known.artist_type],
                         share=known.plays / known_plays)
    shares = dict(zip(frame.kind, frame.share))
    band, solo = shares.get("bands", 0.0), shares.get("solo artists", 0.0)
    if not speaks(known_plays, plays):
        headline = (f"{known_part(known_plays, plays, 'have an artist whose type is known')}: too few to say "
                    "whether you play more bands or solo artists")
    else:
        (lead, a), (other, b) = sorted((("bands", band), ("solo artists", solo)), key=lambda p: -p[1])
        headline = (f"{lead.capitalize()} get {a:.0%} of your plays, {other} {b:.0%} (of the plays whose artist "
                    "type is known)")
    subtitle = (f"{known_plays / plays:.0%} of your plays ({known_plays:,} of {plays:,}) have an artist whose type "
                "MusicBrainz knows; bands = groups")
    chart = alt.Chart(frame).mark_bar().encode(
        y=alt.Y("kind:N", sort="-x", title=None), x=alt.X("share:Q", axis=alt.Axis(format="%"),
                                                          title="Share of plays with a known artist type"),
        color=alt.Color("kind:N", scale=alt.Scale(domain=list(TYPE_LABELS.values()), range=OKABE_ITO[:6]),
                        legend=None),
        tooltip=[alt.Tooltip("kind:N", title="Type"), "plays", "artists", alt.Tooltip("share:Q", format=".1%")],
    ).properties(title=titled(headline, subtitle), width=WIDTH, height=max(100, 30 * len(frame)))
    return chart, headline


SOURCES = {"musicbrainz_plays": "MusicBrainz genres", "lastfm_plays": "last.fm tags", "no_plays": "no genre"}


def source_shares(data: pd.DataFrame) -> dict[str, float]:
    """The share of plays whose genre each source decided: {musicbrainz, lastfm, none}."""
    plays = int(data.plays.sum()) if len(data) else 0
    if plays == 0:
        return {"musicbrainz": 0.0, "lastfm": 0.0, "none": 0.0}
    mb, lastfm = int(data.musicbrainz_plays.sum()), int(data.lastfm_plays.sum())
    return {"musicbrainz": mb / plays, "lastfm": lastfm / plays, "none": (plays - mb - lastfm) / plays}


def genre_source_line(data: pd.DataFrame, top: int = 3) -> str:
    """The Genres view's caption: which source decided the genres of your plays (all time), overall and
    for the `top` most played genres ("rock: 100% MusicBrainz; jazz: 60% MusicBrainz, 40% last.fm tags")."""
    share = source_shares(data)
    if share["musicbrainz"] == 0:
        return f"Genres here come from last.fm tags only: {ENRICH} to add MusicBrainz's curated genres."
    decided = data[(data.musicbrainz_plays + data.lastfm_plays) > 0].head(int(top))
    genres = "; ".join(
        f"{genre}: " + ", ".join(f"{n / (mb + lastfm):.0%} {name}" for n, name in ((mb, "MusicBrainz"),
                                                                               (lastfm, "last.fm tags")) if n)
        for genre, mb, lastfm in zip(decided.genre, decided.musicbrainz_plays, decided.lastfm_plays))
    return (f"Which source decided the genres (all time): MusicBrainz's curated genres for {share['musicbrainz']:.0%} "
            f"of your plays, last.fm tags for {share['lastfm']:.0%}, none for {share['none']:.0%} ({genres}).")


def genre_sources_chart(data: pd.DataFrame, top: int = 12) -> tuple[alt.Chart, str]:
    """The `top` most played genres, each bar split by the source that decided the genre of its plays."""
    share = source_shares(data)
    if share["musicbrainz"] == 0:
        return sentence(f"Your genres come from last.fm tags only: {ENRICH} to add MusicBrainz's curated genres")
    headline = (f"MusicBrainz's curated genres decide the genre of {share['musicbrainz']:.0%} of your plays, "
                f"last.fm tags {share['lastfm']:.0%}; {share['none']:.0%} have no genre")
    frame = data.head(int(top)).assign(no_plays=lambda d: d.plays - d.musicbrainz_plays - d.lastfm_plays)
    long = frame.melt(id_vars=["genre"], value_vars=list(SOURCES), var_name="source", value_name="source_plays")
    long = long[long.source_plays > 0].assign(source=lambda d: d.source.map(SOURCES))
    chart = alt.Chart(long).mark_bar().encode(
        y=alt.Y("genre:N", sort=list(frame.genre), title=None), x=alt.X("source_plays:Q", title="Plays"),
        color=alt.Color("source:N", sort=list(SOURCES.values()), title="Genre decided by",
                        scale=alt.Scale(domain=list(SOURCES.values()), range=[OKABE_ITO[4], OKABE_ITO[0], "#BBBBBB"])),
        tooltip=["genre", alt.Tooltip("source:N", title="Decided by"), alt.Tooltip("source_plays:Q", title="Plays")],
    ).properties(title=titled(headline, "Plays credited to each artist's primary genre, split by the source "
                                          "that decided it"),
                 width=WIDTH, height=max(120, 24 * len(frame)))
    return chart, headline
