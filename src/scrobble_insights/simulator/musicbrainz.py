"""The simulated MusicBrainz web service (ws/2, JSON): routes, query parsing and MB-shaped bodies.

Served by the same HTTP server as last.fm, under `/ws/2/`:

    GET /ws/2/artist/<mbid>?inc=genres+tags+aliases&fmt=json      lookup (a merged MBID answers the target)
    GET /ws/2/artist?query=arid:(a OR b)&limit=100&fmt=json        search by MBIDs, score 100 each
    GET /ws/2/artist?query=artist:"Name"&limit=&offset=&fmt=json   search by name, scored 0-100
    GET /ws/2/release-group/<mbid>?fmt=json                        lookup
    GET /ws/2/release-group?query=reid:(r1 OR r2)&limit=100&fmt=json  search by release MBIDs, score 100 each
    GET /ws/2/release-group?artist=<mbid>&limit=&offset=&fmt=json  browse

Bodies follow tests/fixtures/musicbrainz/ key for key (docs/musicbrainz-api-notes.md says where each
fact comes from). Errors are `{"error": ..., "help": ...}`: 400 for a malformed MBID, a bad `inc`
or a request that is neither lookup, browse nor search; 404 for an unknown MBID; 503 for a client
past the rate limit. Choices where the real service is unknown are listed in the notes.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import TYPE_CHECKING, Any

from scrobble_insights.simulator.mb_catalogue import (
    COUNTRIES,
    RELEASE_STATUS_IDS,
    MBArtist,
    MBCatalogue,
    MBReleaseGroup,
    made_up_id,
    type_id,
)
from scrobble_insights.simulator.methods import Reply, dumps

if TYPE_CHECKING:
    from scrobble_insights.simulator.core import Simulator

JSON = "application/json; charset=utf-8"
HELP = "For usage, please see: https://musicbrainz.org/development/mmd"
RATE_LIMITED = ("Your requests are exceeding the allowable rate limit. Please see "
                "https://musicbrainz.org/doc/XML_Web_Service/Rate_Limiting for more information.")
INCS = {"artist": {"aliases", "genres", "tags", "release-groups", "annotation", "ratings"},
        "release-group": {"artist-credits", "genres", "tags", "aliases", "releases", "annotation", "ratings"}}
DEFAULT_LIMIT, MAX_LIMIT = 25, 100
AREAS = {code: (name, city, sub) for code, name, city, sub in COUNTRIES}
UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
NAME = re.compile(r'^(?:artist:)?\s*(?:"((?:[^"\\]|\\.)*)"|(.+))$')
ESCAPED = re.compile(r"\\(.)")           # Lucene escapes: \" \/ \! \( ... stand for the character


def error(status: int, message: str) -> Reply:
    """MusicBrainz's error body (error first, then help, as the 400/503 captures have it)."""
    return Reply(status, dumps({"error": message, "help": HELP}, escape_slashes=False), JSON)


def not_found() -> Reply:
    return Reply(404, dumps({"help": HELP, "error": "Not Found"}, escape_slashes=False), JSON)


def rate_limited() -> Reply:
    return error(503, RATE_LIMITED)


def is_mbid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text.lower() and int(uuid.UUID(text)) != 0
    except ValueError:
        return False


# --- bodies -------------------------------------------------------------------------------------
def area(code: str | None) -> dict | None:
    """A country area as an artist lookup carries it."""
    if not code:
        return None
    return {"iso-3166-1-codes": [code], "disambiguation": "", "id": made_up_id("area", code), "type": None,
            "sort-name": AREAS[code][0], "type-id": None, "name": AREAS[code][0]}


def city(code: str | None) -> dict | None:
    """The begin area (a city) as an artist lookup carries it."""
    if not code:
        return None
    _, name, sub = AREAS[code]
    return {"sort-name": name, "type-id": None, "name": name, "type": None, "iso-3166-2-codes": [sub],
            "disambiguation": "", "id": made_up_id("city", code)}


def artist_lookup(artist: MBArtist, incs: set[str]) -> dict:
    """GET /ws/2/artist/<mbid>: the key order of the 2026 capture; inc= adds lists at the end."""
    person = artist.kind == "Person"
    body: dict[str, Any] = {
        "begin-area": city(artist.country) if person else None, "id": artist.mbid, "type": artist.kind,
        "name": artist.name, "ipis": [], "disambiguation": artist.disambiguation,
        "life-span": {"end": artist.end, "ended": artist.end is not None, "begin": artist.begin},
        "isnis": artist.isnis, "end-area": None, "gender": artist.gender, "area": area(artist.country),
        "sort-name": artist.sort_name, "type-id": type_id(artist.kind), "country": artist.country}
    if "aliases" in incs:
        body["aliases"] = [{"name": a, "sort-name": a, "type": None, "type-id": None, "locale": None,
                            "primary": None, "begin": None, "end": None, "ended": False} for a in artist.aliases]
    if "genres" in incs:
        body["genres"] = [{"name": g, "disambiguation": "", "id": made_up_id("genre", g), "count": n}
                          for g, n in artist.genres]
    if "tags" in incs:
        body["tags"] = [{"count": n, "name": t} for t, n in artist.tags]
    return body


def search_area(code: str, kind: str, name: str) -> dict:
    return {"id": made_up_id("area" if kind == "Country" else "city", code), "type": kind, "name": name, "sort-name": name,
            "life-span": {"ended": None}}


def artist_hit(artist: MBArtist, score: int) -> dict:
    """One artist of a search answer: keys only where there is a value, as the 2026 capture has them."""
    hit: dict[str, Any] = {"id": artist.mbid, "type": artist.kind, "type-id": type_id(artist.kind),
                           "score": score, "name": artist.name, "sort-name": artist.sort_name}
    if artist.gender:
        hit["gender"] = artist.gender.lower()
    if artist.country:
        name, town, _ = AREAS[artist.country]
        hit["country"] = artist.country
        hit["area"] = search_area(artist.country, "Country", name)
        if artist.kind == "Person":
            hit["begin-area"] = search_area(artist.country, "City", town)
    if artist.disambiguation:
        hit["disambiguation"] = artist.disambiguation
    span: dict[str, Any] = {"begin": artist.begin} if artist.begin else {}
    hit["life-span"] = {**span, "end": artist.end, "ended": True} if artist.end else {**span, "ended": None}
    if artist.aliases:
        hit["aliases"] = [{"sort-name": a, "name": a, "locale": None, "type": None, "primary": None,
                           "begin-date": None, "end-date": None} for a in artist.aliases]
    if artist.tags:
        hit["tags"] = [{"count": n, "name": t} for t, n in artist.tags]
    return hit


def release_group(rg: MBReleaseGroup, artist: MBArtist | None = None, incs: frozenset[str] = frozenset()) -> dict:
    """A release group, as its lookup and the browse list carry it; inc= genres/tags (the artist's, as a
    stand-in) and artist-credits add lists at the end."""
    body: dict[str, Any] = {
        "first-release-date": rg.first_release_date, "disambiguation": "", "primary-type": rg.primary_type,
        "secondary-type-ids": [], "secondary-types": [], "title": rg.title,
        "primary-type-id": type_id(rg.primary_type), "id": rg.mbid}
    if artist is not None and "artist-credits" in incs:
        body["artist-credit"] = [{"name": artist.name, "joinphrase": "", "artist": {
            "id": artist.mbid, "name": artist.name, "sort-name": artist.sort_name, "type": artist.kind,
            "type-id": type_id(artist.kind), "disambiguation": artist.disambiguation}}]
    if "genres" in incs:
        body["genres"] = [{"name": g, "disambiguation": "", "id": made_up_id("genre", g), "count": n}
                          for g, n in (artist.genres if artist else [])]
    if "tags" in incs:
        body["tags"] = [{"count": n, "name": t} for t, n in (artist.tags if artist else [])]
    return body


def release_group_hit(rg: MBReleaseGroup, artist: MBArtist | None, score: int) -> dict:
    """One release group of a search answer, with the keys and order of a 2025 capture (unlicensed, so
    not copied; docs/musicbrainz-api-notes.md §4): `type-id` is the primary type's when there are no
    secondary types, `count` the number of releases, `releases` each {id, status-id, title, status}."""
    hit: dict[str, Any] = {"id": rg.mbid, "type-id": type_id(rg.primary_type), "score": score,
                           "primary-type-id": type_id(rg.primary_type),
                           "artist-credit-id": made_up_id("artist-credit", rg.artist), "count": len(rg.releases),
                           "title": rg.title, "first-release-date": rg.first_release_date,
                           "primary-type": rg.primary_type}
    if artist is not None:
        credit: dict[str, Any] = {"id": artist.mbid, "name": artist.name, "sort-name": artist.sort_name}
        if artist.disambiguation:
            credit["disambiguation"] = artist.disambiguation
        hit["artist-credit"] = [{"name": artist.name, "artist": credit}]
    hit["releases"] = [{"id": r.mbid, "status-id": RELEASE_STATUS_IDS[r.status], "title": r.title,
                        "status": r.status} for r in rg.releases]
    if artist is not None and artist.tags:
        hit["tags"] = [{"count": n, "name": t} for t, n in artist.tags]
    return hit


def search_release_groups(mb: MBCatalogue, query: str) -> list[MBReleaseGroup]:
    """Release groups holding the releases of `reid:(r1 OR r2 …)` (or `reid:a OR reid:b`), score 100, in
    query order, each once; or named by `rgid:`. Unknown MBIDs are simply not found."""
    found: list[MBReleaseGroup] = []
    by_release = "reid:" in query
    for mbid in UUID.findall(query):
        rgid = mb.release_of.get(mbid.lower()) if by_release else mbid.lower()
        rg = mb.release_groups.get(rgid) if rgid else None
        if rg is not None and all(g is not rg for g in found):
            found.append(rg)
    return found


# --- search -------------------------------------------------------------------------------------
def name_score(query: str, artist: MBArtist) -> int:
    """0-100: exact name 100, an alias 95, otherwise shared words (a stand-in for Lucene's scoring)."""
    q, name = query.casefold().strip(), artist.name.casefold()
    if q == name:
        return 100
    if any(q == a.casefold() for a in artist.aliases):
        return 95
    words, have = set(q.split()), set(name.split())
    return int(80 * len(words & have) / len(words | have)) if words & have else 0


def search(mb: MBCatalogue, query: str) -> list[tuple[MBArtist, int]]:
    """Artists matching MBIDs (`arid:(a OR b …)` or `arid:a OR arid:b`; score 100, query order) or a name
    (`artist:"…"`, `artist:…` or bare, Lucene escapes undone), best first."""
    if "arid:" in query:
        found = []
        for mbid in UUID.findall(query):
            artist = mb.artists.get(mbid.lower())       # the index holds current MBIDs only
            if artist and all(a is not artist for a, _ in found):
                found.append((artist, 100))
        return found
    match = NAME.match(query.strip())
    text = (match.group(1) if match and match.group(1) is not None else match.group(2) if match else "") or ""
    text = ESCAPED.sub(r"\1", text)
    scored = [(a, name_score(text, a)) for a in mb.artists.values()]
    hits = sorted([(a, s) for a, s in scored if s > 0], key=lambda p: (-p[1], p[0].lastfm_aid < 0, p[0].mbid))
    # namesakes: the one with fewer release groups scores a little lower, as a real index would
    return [(a, s - 2 * (i > 0 and s == 100 and not a.release_groups)) for i, (a, s) in enumerate(hits)]


def page(params: dict[str, str]) -> tuple[int, int]:
    """limit (1-100, else the default 25 as the real service does) and offset."""
    try:
        limit = int(params.get("limit", DEFAULT_LIMIT))
    except ValueError:
        limit = DEFAULT_LIMIT
    try:
        offset = max(0, int(params.get("offset", 0)))
    except ValueError:
        offset = 0
    return (limit if 1 <= limit <= MAX_LIMIT else DEFAULT_LIMIT), offset


def created(now: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z"


# --- routing ------------------------------------------------------------------------------------
def endpoint(path: str, params: dict[str, str]) -> str:
    """The request log's name for a /ws/2/ request, e.g. `mb.artist.search`."""
    parts = [p for p in path[len("/ws/2/"):].split("/") if p]
    if not parts:
        return "mb.unknown"
    if len(parts) > 1:
        return f"mb.{parts[0]}.lookup"
    return f"mb.{parts[0]}.{'search' if 'query' in params else 'browse'}"


def call(sim: Simulator, path: str, params: dict[str, str]) -> Reply:
    """Answer one /ws/2/ request (after rate limit and faults)."""
    if params.get("fmt", "json") != "json":
        return Reply(406, b"<error><text>The simulator serves fmt=json only.</text></error>", "application/xml")
    mb = sim.musicbrainz
    parts = [p for p in path[len("/ws/2/"):].split("/") if p]
    entity, mbid = (parts + [None, None])[:2]
    if entity not in ("artist", "release-group") or len(parts) > 2:
        return error(400, f"{entity} is not a supported resource of the simulator.")
    if mbid is not None:
        if not is_mbid(mbid):
            return error(400, "Invalid mbid.")
        incs = frozenset(i for i in re.split(r"[+ ]", params.get("inc", "")) if i)
        bad = sorted(incs - INCS[entity])
        if bad:
            return error(400, f"{bad[0]} is not a valid inc parameter for the {entity} resource.")
        if entity == "artist":
            artist = mb.resolve(mbid.lower())
            return not_found() if artist is None else Reply(200, dumps(artist_lookup(artist, incs), False), JSON)
        rg = mb.release_groups.get(mbid.lower())
        if rg is None:
            return not_found()
        return Reply(200, dumps(release_group(rg, mb.artists.get(rg.artist), incs), False), JSON)
    limit, offset = page(params)
    if entity == "artist" and params.get("query", "").strip():
        hits = search(mb, params["query"])
        body = {"created": created(time.time()), "count": len(hits), "offset": offset,
                "artists": [artist_hit(a, s) for a, s in hits[offset:offset + limit]]}
        return Reply(200, dumps(body, False), JSON)
    if entity == "release-group" and params.get("query", "").strip():
        groups = search_release_groups(mb, params["query"])
        body = {"created": created(time.time()), "count": len(groups), "offset": offset,
                "release-groups": [release_group_hit(g, mb.artists.get(g.artist), 100)
                                   for g in groups[offset:offset + limit]]}
        return Reply(200, dumps(body, False), JSON)
    if entity == "release-group" and "artist" in params:
        if not is_mbid(params["artist"]):
            return error(400, "Invalid mbid.")
        artist = mb.resolve(params["artist"].lower())
        if artist is None:
            return not_found()
        groups = [mb.release_groups[r] for r in artist.release_groups]
        if params.get("type"):                     # e.g. type=album|ep
            wanted = {t.casefold() for t in params["type"].split("|")}
            groups = [g for g in groups if g.primary_type.casefold() in wanted]
        body = {"release-group-offset": offset, "release-group-count": len(groups),
                "release-groups": [release_group(g) for g in groups[offset:offset + limit]]}
        return Reply(200, dumps(body, False), JSON)
    return error(400, f"The given parameters do not match any available query type for the {entity} resource.")
