"""The shareable report: one self-contained HTML file (scripts and styles inlined, opens with no
network), or the charts as PNG images. Same questions and charts as the dashboard."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import altair as alt

from scrobble_insights.errors import ConfigError
from scrobble_insights.serve import charts, comparison, origins, streaks, year_in_music
from scrobble_insights.serve import comparison_charts as cc
from scrobble_insights.serve import queries as q
from scrobble_insights.serve.queries import Filters

PNG_WIDTH = 820


@dataclass
class Section:
    slug: str
    view: str
    chart: alt.TopLevelMixin
    headline: str


def build_sections(con, user: str, year: int | None) -> tuple[list[Section], dict, str]:
    """Every chart of the report for a user and a year (None = all time), the KPIs and a label."""
    everything = Filters(user)
    period = everything.for_year(year) if year else everything
    label = str(year) if year else "all time"
    before = q.previous_period(period)
    sections = []
    kpis = q.kpis(con, period)
    few = charts.few_plays(kpis["scrobbles"], label)
    if few:          # an empty or near-empty period: one sentence ("No plays in 2017"), not charts about zero
        return [Section("no-plays", "Overview", *charts.sentence(few))], kpis, label

    def add(slug: str, view: str, built) -> None:
        chart, headline = built
        sections.append(Section(slug, view, chart, headline))

    add("weekday", "Overview", charts.weekday_chart(
        q.weekday_profile(con, period), q.weekday_profile(con, before) if before else q.weekday_profile(con, period).iloc[0:0],
        label, str(year - 1) if year else ""))
    add("years", "Overview", charts.years_chart(q.plays_per_year(con, everything)))
    pending = charts.tags_pending(q.tag_progress(con, user))
    if pending:
        add("tags-pending", "Genres", charts.sentence(pending))
    add("genres", "Genres", charts.genre_share_chart(q.genre_totals(con, period)))
    add("genre-trend", "Genres", charts.genre_trend_chart(q.genre_by_year(con, everything)))
    add("seasons", "Genres", charts.season_chart(q.genre_by_season(con, period)))
    add("clock", "Time", charts.clock_chart(q.listening_clock(con, period)))
    add("hours", "Time", charts.hour_chart(q.hour_profile(con, period)))
    add("calendar", "Time", charts.calendar_chart(q.daily_plays(con, period)))
    add("sessions", "Time", charts.sessions_chart(q.sessions(con, period)))
    for entity in ("artist", "album", "track"):
        add(f"top-{entity}s", "Top music", charts.top_chart(q.top_entities(con, period, entity), entity, label))
    add("discovery", "Top music", charts.discovery_chart(q.discovery_by_month(con, period)))
    add("streaks", "Streaks and diversity", streaks.streaks_chart(streaks.streak_runs(con, period), streaks.streaks(con, period), label))
    add("diversity", "Streaks and diversity", streaks.concentration_chart(streaks.concentration_by_year(con, everything), year))
    for slug, built in origin_sections(con, user, year):
        add(slug, "Origins", built)
    for slug, built in compare_sections(con, period, label):
        add(slug, "Compare", built)
    return sections, kpis, label


def compare_sections(con, period: Filters, label: str) -> list[tuple[str, tuple]]:
    """The dashboard's Compare tab, for a warehouse of several listeners (issue 13): every listener over the
    report's period, when two of them or more have enough plays to compare (none otherwise: the report
    is about its listener). The overlap of top artists (one sentence for a pair), who listens when."""
    users = tuple(q.users(con))
    if len(users) < 2:
        return []
    answers = comparison.comparison(con, comparison.Period(users, period.start, period.end))
    figures, pairs, n = answers["figures"], answers["pairs"], answers["n"]
    if cc.nothing_to_compare(figures, label):
        return []
    few = cc.too_few(figures, label)
    overlap = cc.similarity_chart(pairs, n, label) if len(pairs) > 1 else charts.sentence(
        cc.pair_headline(pairs.iloc[0], n, label))
    return ([("compare-too-few", charts.sentence(few))] if few else []) + [
        ("compare-overlap", overlap),
        ("compare-hours", cc.hours_chart(answers["clock"], label)),
        ("compare-weekdays", cc.weekdays_chart(answers["clock"], label))]


def origin_sections(con, user: str, year: int | None) -> list[tuple[str, tuple]]:
    """When and where the music comes from (issue 14): a year's line, the release decades, the median
    age, the countries, the artist types and the genre sources; one sentence before the enrichment."""
    if not origins.origins_known(con, user):
        return [("origins-pending", charts.sentence(origins.NOT_ENRICHED))]
    rows = {mart: origins.origin_rows(con, mart, user, present=True) for mart in origins.COLUMNS}
    yearly = rows[origins.AGE_YEARLY]
    line = origins.year_line(yearly, year) if year else None
    return ([("music-year", charts.sentence(line))] if line else []) + [
        ("music-decades", origins.decades_chart(rows[origins.AGE], yearly)),
        ("music-age", origins.music_age_chart(yearly)),
        ("countries", origins.countries_chart(rows[origins.COUNTRIES])),
        ("artist-types", origins.artist_types_chart(rows[origins.TYPES])),
        ("genre-sources", origins.genre_sources_chart(rows[origins.GENRE_SOURCES]))]


def _pick_user(con, user: str | None) -> str:
    known = q.users(con)
    if not known:
        raise ConfigError("the warehouse has no users yet: run `scrobble-insights backfill` first")
    if user is None:
        if len(known) > 1:
            raise ConfigError(f"the warehouse holds several users ({', '.join(known)}): pick one with --user")
        return known[0]
    if user.lower() not in known:
        raise ConfigError(f"unknown user {user!r}: the warehouse holds {', '.join(known)}")
    return user.lower()


def write_report(source: str | Path, output: Path, *, user: str | None = None, year: int | None = None,
                 fmt: str = "html") -> list[Path]:
    """Write the report (one HTML file) or the charts (PNG files in the `output` directory), reading the
    warehouse read-only: pass load.warehouse.reader_source (DuckDB's snapshot, or BigQuery)."""
    if fmt not in ("html", "png"):
        raise ConfigError(f"--format {fmt!r} is not html or png")
    con = q.connect(source)
    try:
        user = _pick_user(con, user)
        if year is not None and year not in q.years(con, user):
            raise ConfigError(f"no data for {year}: {user}'s history covers {', '.join(map(str, q.years(con, user)))}")
        sections, kpis, label = build_sections(con, user, year)
        story = year_in_music.render_story(year_in_music.answers(con, user, year)) if year else ""
    finally:
        con.close()
    if fmt == "png":
        return _write_pngs(sections, output)
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.name}.tmp")
    tmp.write_text(render_html(sections, kpis, user, label, story), encoding="utf-8")
    tmp.replace(output)
    return [output]


def _write_pngs(sections: list[Section], directory: Path) -> list[Path]:
    import vl_convert as vlc

    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for number, section in enumerate(sections, start=1):
        spec = _fixed_width(section.chart.to_dict())
        path = directory / f"{number:02d}-{section.slug}.png"
        path.write_bytes(vlc.vegalite_to_png(spec, scale=2))
        written.append(path)
    return written


def _fixed_width(spec: dict) -> dict:
    """'container' widths need a page; images get a fixed width."""
    if spec.get("width") == "container":
        spec["width"] = PNG_WIDTH
    for part in spec.get("hconcat", []) + spec.get("vconcat", []) + spec.get("layer", []):
        if part.get("width") == "container":
            part["width"] = PNG_WIDTH
    return spec


STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1b1b1b; background: #fafafa; }
header { background: #0b3d5c; color: white; padding: 28px 40px; }
header h1 { margin: 0 0 6px 0; font-size: 26px; }
header p { margin: 0; opacity: .85; }
main { max-width: 1100px; margin: 0 auto; padding: 20px 40px 60px; }
.kpis { display: grid; grid-template-columns: repeat(5, 1fr); gap: 12px; margin: 20px 0 10px; }
.kpi { background: white; border-radius: 8px; padding: 14px 16px; box-shadow: 0 1px 3px rgba(0,0,0,.08); }
.kpi b { display: block; font-size: 24px; }
.kpi span { color: #555; font-size: 13px; }
h2 { margin: 34px 0 8px; font-size: 19px; border-bottom: 2px solid #0b3d5c; padding-bottom: 4px; }
section.chart { background: white; border-radius: 8px; padding: 14px; margin: 14px 0; box-shadow: 0 1px 3px rgba(0,0,0,.08); }
section.chart .vega { width: 100%; }
footer { color: #666; font-size: 12px; margin-top: 40px; }
"""


def render_html(sections: list[Section], kpis: dict, user: str, label: str, story: str = "") -> str:
    """The page: a year's 'year in music' block (`story`, HTML from year_in_music.render_story), KPIs,
    one section per chart grouped by view, and one inline script that draws them."""
    specs, blocks, view = {}, [], None
    for number, section in enumerate(sections):
        if section.view != view:
            view = section.view
            blocks.append(f"<h2>{html.escape(view)}</h2>")
        element = f"chart-{number}"
        specs[element] = section.chart.to_dict()
        blocks.append(f'<section class="chart" data-slug="{section.slug}"><div id="{element}" class="vega" '
                      f'aria-label="{html.escape(section.headline)}"></div></section>')
    cards = [("scrobbles", f"{kpis['scrobbles']:,}"), ("tracks a day (quiet days counted)", f"{kpis['per_day']:.1f}"),
             ("artists", f"{kpis['artists']:,}"), ("albums", f"{kpis['albums']:,}"), ("tracks", f"{kpis['tracks']:,}")]
    kpi_html = "".join(f'<div class="kpi"><b>{value}</b><span>{name}</span></div>' for name, value in cards)
    snippet = ("const specs = " + json.dumps(specs).replace("</", "<\\/") + ";\n"
               "window.chartsDrawn = 0;\n"
               "for (const [id, spec] of Object.entries(specs)) {\n"
               "  vegaEmbed('#' + id, spec, {actions: false, renderer: 'svg'})\n"
               "    .then(() => { window.chartsDrawn += 1; })\n"
               "    .catch((error) => { document.getElementById(id).textContent = 'Chart failed: ' + error; });\n"
               "}\n")
    script = _bundle(snippet).replace("</script", "<\\/script")
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Scrobble Insights — {html.escape(user)}, {html.escape(label)}</title>
<style>{STYLE}</style></head>
<body>
<header><h1>Scrobble Insights — {html.escape(user)}</h1><p>Your listening, {html.escape(label)}. Local time, quiet days counted.</p></header>
<main>
{story}
<div class="kpis">{kpi_html}</div>
{''.join(blocks)}
<footer>Made by scrobble-insights on {generated} from your last.fm history. This file needs no network.</footer>
</main>
<script type="module">{script}</script>
</body></html>
"""


def _bundle(snippet: str) -> str:
    import vl_convert as vlc

    return vlc.javascript_bundle(snippet)
