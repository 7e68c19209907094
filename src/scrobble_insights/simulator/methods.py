"""The simulated last.fm API methods: parameter checks and last.fm-shaped bodies.

Bodies follow the recorded samples field for field (key order, JSON types, `#text`,
`@attr`, four image sizes, `\\/`-escaped slashes in user.* bodies). Key order follows
the most recent capture of each shape: the 2026 page for plain recent tracks, the 2023
captures for `extended=1` and user.getInfo, the 2022 capture for artist.getTopTags.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import quote_plus

from scrobble_insights.simulator import words
from scrobble_insights.simulator.catalogue import PLACEHOLDER_IMAGE
from scrobble_insights.simulator.faults import MESSAGES
from scrobble_insights.simulator.history import DAY, UserHistory, utc_text

if TYPE_CHECKING:
    from scrobble_insights.simulator.core import Simulator

JSON = "application/json"
JSON_UTF8 = "application/json; charset=UTF-8"
IMAGE_HOST = "https://lastfm.freetls.fastly.net/i/u/"
IMAGE_SIZES = (("small", "34s"), ("medium", "64s"), ("large", "174s"), ("extralarge", "300x300"))
URL_SAFE = "&()!,"          # last.fm keeps these unescaped in /music/ URLs; "'" becomes %27
COUNTRIES = {"Europe/London": "United Kingdom", "America/New_York": "United States",
             "America/Los_Angeles": "United States", "Europe/Berlin": "Germany",
             "Australia/Sydney": "Australia", "America/Sao_Paulo": "Brazil",
             "Asia/Tokyo": "Japan", "Europe/Paris": "France", "Europe/Minsk": "Belarus"}


@dataclass
class Reply:
    """One HTTP answer: status, body bytes and Content-Type."""

    status: int
    body: bytes
    content_type: str = JSON


def dumps(obj: Any, escape_slashes: bool = True) -> bytes:
    """Compact UTF-8 JSON; '/' written as '\\/' like last.fm's user.* bodies."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return (text.replace("/", "\\/") if escape_slashes else text).encode("utf-8")


def user_error(status: int, code: int, message: str | None = None) -> Reply:
    """Error in the user.* style: message first, no links."""
    return Reply(status, dumps({"message": message or MESSAGES[code], "error": code}))


def artist_error(code: int, message: str) -> Reply:
    """Error in the artist.* style: error first, links, HTTP 200."""
    body = {"error": code, "message": message, "links": []}
    return Reply(200, dumps(body, escape_slashes=False), JSON_UTF8)


def images(file: str) -> list[dict[str, str]]:
    """The four image sizes for one image file."""
    return [{"size": size, "#text": f"{IMAGE_HOST}{path}/{file}"} for size, path in IMAGE_SIZES]


def music_url(artist: str, track: str | None = None, noredirect: bool = False) -> str:
    """www.last.fm music URL with '+'-encoded names."""
    url = "https://www.last.fm/music/" + ("+noredirect/" if noredirect else "")
    url += quote_plus(artist, safe=URL_SAFE)
    return url if track is None else f"{url}/_/{quote_plus(track, safe=URL_SAFE)}"


def call(sim: Simulator, params: dict[str, str]) -> Reply:
    """Answer one API request (api_key check, then method dispatch)."""
    cfg = sim.config
    key = params.get("api_key", "")
    if key and key in cfg.suspended_keys:
        return user_error(403, 26)
    if not key or (cfg.api_key is not None and key != cfg.api_key):
        return user_error(403, 10)
    handler = METHODS.get(params.get("method", "").lower())
    if handler is None:
        return user_error(400, 3)
    return handler(sim, params)


def parse_int(value: str | None, default: int | None) -> int | None:
    """Integer parameter; default when absent, ValueError when not a number."""
    if value is None or value == "":
        return default
    return int(value.strip())


def _user(sim: Simulator, params: dict[str, str]) -> UserHistory | Reply:
    """The requested user's history, or the error last.fm answers."""
    name = params.get("user", "")
    if not name:
        return user_error(400, 6, "Invalid parameters - Your request is missing the [user] parameter")
    hist = sim.user(name)
    return hist if hist is not None else user_error(404, 6, "User not found")


def recent_tracks(sim: Simulator, params: dict[str, str]) -> Reply:
    """user.getRecentTracks: newest first, [from, to) window ([from, to] with inclusive_to), now-playing
    extra on page 1."""
    cfg = sim.config
    if not params.get("user"):
        return _user(sim, params)        # the missing-parameter error
    checks = []
    for name, default, low, high in (("page", 1, 1, 1_000_000), ("limit", 50, 1, 1000)):
        try:
            value = parse_int(params.get(name), default)
        except ValueError:
            value = 0
        if not low <= value <= high:
            return user_error(400, 6, f"{name} param out of bounds ({low}-{high})")
        checks.append(value)
    page, limit = checks
    try:
        window = parse_int(params.get("from"), None), parse_int(params.get("to"), None)
    except ValueError:
        return user_error(400, 6, "Invalid parameters - from and to must be Unix timestamps")
    if cfg.inclusive_to and window[1] is not None:
        window = window[0], window[1] + 1        # a play at exactly `to` is in the window too
    extended = params.get("extended", "0").lower() in ("1", "true")
    with sim.lock:
        hist = _user(sim, params)
        if isinstance(hist, Reply):
            return hist
        if hist.spec.private:
            return user_error(403, 17)
        lo, hi = hist.bounds(*window)
        total = hi - lo
        items = [track_item(hist, tid, uts, extended) for uts, tid in hist.page(lo, hi, page, limit)]
        if hist.spec.nowplaying and page == 1:
            items.insert(0, track_item(hist, hist.listener.now_playing(sim.now()), None, extended))
    pages = -(-total // limit)
    nums = (limit, pages, page, total) if cfg.numbers_as_numbers else (
        str(limit), str(pages), str(page), str(total))
    user = hist.spec.name
    if extended:
        attr = {"user": user, "totalPages": nums[1], "page": nums[2], "perPage": nums[0],
                "total": nums[3]}
    else:
        attr = {"perPage": nums[0], "totalPages": nums[1], "page": nums[2], "user": user,
                "total": nums[3]}
    track: Any = items[0] if cfg.collapse_single and len(items) == 1 else items
    return Reply(200, dumps({"recenttracks": {"track": track, "@attr": attr}}))


def track_item(hist: UserHistory, tid: int, uts: int | None, extended: bool) -> dict[str, Any]:
    """One track of a recent-tracks page; uts None renders the now-playing item."""
    cat = hist.cat
    aid, album = cat.track_artist[tid], cat.track_album[tid]
    artist = cat.artist_name[aid] if uts is None else cat.spelling(aid, uts)
    name = cat.track_name[tid]
    album_obj = {"mbid": cat.album_mbid[album] if album >= 0 else "",
                 "#text": cat.album_name[album] if album >= 0 else ""}
    url = music_url(artist, name, noredirect=aid % 41 == 7)
    image = images(cat.track_image(tid))
    mbid = cat.track_mbid[tid]
    if not extended:
        item: dict[str, Any] = {"artist": {"mbid": cat.artist_mbid_as_scrobbled(aid, artist), "#text": artist},
                                "streamable": "0", "image": image, "mbid": mbid,
                                "album": album_obj, "name": name}
        if uts is None:
            item["@attr"] = {"nowplaying": "true"}
        item["url"] = url
        if uts is not None:
            item["date"] = {"uts": str(uts), "#text": utc_text(uts)}
        return item
    item = {"artist": {"url": music_url(artist), "name": artist,
                       "image": images(PLACEHOLDER_IMAGE), "mbid": ""}}
    if uts is not None:
        item["date"] = {"uts": str(uts), "#text": utc_text(uts)}
    item.update({"mbid": mbid, "name": name, "image": image})
    if uts is None:
        item.update({"streamable": "0", "album": album_obj, "url": url,
                     "@attr": {"nowplaying": "true"}})
    else:
        item.update({"url": url, "streamable": "0", "album": album_obj})
    item["loved"] = "1" if tid in hist.listener.loved else "0"
    return item


def top_tags(sim: Simulator, params: dict[str, str]) -> Reply:
    """artist.getTopTags by name (case-insensitive) or mbid; autocorrect=1 folds spellings and corrects
    known variants (case, 'The ', transliterations) to the canonical artist; an untagged variant (accent
    dropped, Unicode apostrophe or hyphen) answers as itself with no tags.

    Counts are JSON numbers (2018+ captures), or strings with `tag_counts_as_strings`.
    With autocorrect=0, @attr.artist echoes the name as sent.
    """
    cat, cfg = sim.catalogue, sim.config
    autocorrect = params.get("autocorrect", "0") == "1"
    name, mbid = params.get("artist", ""), params.get("mbid", "").strip().lower()
    with sim.lock:
        if not mbid and name.strip().casefold() in cat.untagged:
            # a variant spelling last.fm keeps as a page of its own, without tags (no correction)
            body = {"toptags": {"tag": [], "@attr": {"artist": name}}}
            return Reply(200, dumps(body, escape_slashes=False), JSON_UTF8)
        aid = cat.by_mbid.get(mbid) if mbid else None
        if aid is None and name:
            aid = cat.find_artist(name, autocorrect)
        if aid is None:
            return artist_error(6, "The artist you supplied could not be found")
        label = cat.artist_name[aid] if autocorrect or not name else name
        tags = [{"count": str(count) if cfg.tag_counts_as_strings else count, "name": tag,
                 "url": "https://www.last.fm/tag/" + quote_plus(tag, safe=URL_SAFE)}
                for tag, count in cat.artist_tags[aid]]
    tag: Any = tags[0] if cfg.collapse_single and len(tags) == 1 else tags
    body = {"toptags": {"tag": tag, "@attr": {"artist": label}}}
    return Reply(200, dumps(body, escape_slashes=False), JSON_UTF8)


def user_info(sim: Simulator, params: dict[str, str]) -> Reply:
    """user.getInfo with playcount and distinct counts true to the current history."""
    with sim.lock:
        hist = _user(sim, params)
        if isinstance(hist, Reply):
            return hist
        counts = dict(hist.counts())
    spec = hist.spec
    rng = random.Random(hist.listener.seed ^ 0xF00D)
    realname = "" if rng.random() < 0.3 else words.person(rng)
    registered = hist.listener.start - rng.randint(0, 400) * DAY - rng.randrange(DAY)
    avatar = f"{rng.getrandbits(128):032x}.png"
    country = COUNTRIES.get(spec.timezone) or rng.choice(sorted(set(COUNTRIES.values())))
    legacy = sim.config.numbers_as_numbers
    user = {"name": spec.name, "age": "0", "subscriber": "0", "realname": realname,
            "bootstrap": "0",
            "playcount": counts["playcount"] if legacy else str(counts["playcount"]),
            "artist_count": str(counts["artist_count"]), "playlists": "0",
            "track_count": str(counts["track_count"]),
            "album_count": str(counts["album_count"]), "image": images(avatar),
            "registered": {"unixtime": registered if legacy else str(registered),
                           "#text": registered},
            "country": country, "gender": "n",
            "url": "https://www.last.fm/user/" + quote_plus(spec.name, safe=URL_SAFE),
            "type": "user"}
    return Reply(200, dumps({"user": user}))


METHODS: dict[str, Callable[[Simulator, dict[str, str]], Reply]] = {
    "user.getrecenttracks": recent_tracks,
    "artist.gettoptags": top_tags,
    "user.getinfo": user_info,
}
