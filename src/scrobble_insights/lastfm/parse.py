"""Parse last.fm JSON bodies into plain records. Pure functions: no I/O.

The API's JSON is generated from XML, so it has quirks (see shared API notes): a one-item list is
sent as a bare object, numbers arrive as strings (and in some years as numbers), empty collections
come in a legacy shape without the list key, and a "now playing" item without a date is put first.
Everything here accepts all of those forms.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from scrobble_insights.errors import (
    LastfmError,
    PermanentLastfmError,
    RateLimitedError,
    TransientLastfmError,
)
from scrobble_insights.lastfm.codes import classify


def as_list(value: Any) -> list:
    """A list from a list, a bare object (one-item collapse) or nothing."""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return value
    return [value]


def to_int(value: Any, what: str) -> int:
    """An int from a JSON number or a string of digits."""
    if isinstance(value, bool):
        raise TransientLastfmError(f"last.fm sent {what}={value!r}, expected a number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise TransientLastfmError(f"last.fm sent {what}={value!r}, expected a number")


def decode_body(text: str, *, status: int, method: str) -> dict:
    """JSON body -> dict, raising the right error for error bodies and non-JSON answers."""
    try:
        body = json.loads(text)
    except ValueError:
        snippet = " ".join(text[:60].split())
        kind = "an HTML page" if "<html" in text[:500].lower() else "a body that is not valid JSON"
        raise TransientLastfmError(
            f"{method}: last.fm sent {kind} (HTTP {status}, {len(text)} bytes: {snippet!r}); will retry",
            method=method,
        ) from None
    if not isinstance(body, dict):
        raise TransientLastfmError(f"{method}: last.fm sent JSON that is not an object (HTTP {status})",
                                   method=method)
    if "error" in body:
        raise error_from_body(body, status=status, method=method)
    if status >= 500:
        raise TransientLastfmError(f"{method}: last.fm answered HTTP {status}", method=method)
    return body


def error_from_body(body: dict, *, status: int, method: str) -> LastfmError:
    """The exception for an error body ``{"error": code, "message": text}``."""
    try:
        code = to_int(body.get("error"), "error")
    except TransientLastfmError:
        return TransientLastfmError(f"{method}: last.fm sent a malformed error body (HTTP {status})",
                                    method=method)
    info = classify(code)
    message = str(body.get("message", "")).strip() or info.name
    text = f"{method}: last.fm error {code} ({message}) — {info.hint}"
    if code == 29:
        return RateLimitedError(text, code=code, method=method)
    if info.transient:
        return TransientLastfmError(text, code=code, method=method)
    return PermanentLastfmError(text, code=code, method=method)


# --- user.getRecentTracks -----------------------------------------------------------------------

@dataclass
class RecentTracksPage:
    """One page of user.getRecentTracks, now-playing item removed."""

    user: str
    page: int
    per_page: int
    total_pages: int
    total: int
    tracks: list[dict] = field(default_factory=list)   # raw track objects, exactly as sent
    nowplaying: dict | None = None


def is_nowplaying(track: dict) -> bool:
    """True for the "now playing" item: flagged, or without a date (it is not a scrobble)."""
    attr = track.get("@attr") or {}
    return str(attr.get("nowplaying", "")).lower() == "true" or "date" not in track


def parse_recent_tracks(body: dict) -> RecentTracksPage:
    """Parse a user.getRecentTracks body (current, one-item-object and legacy-empty shapes)."""
    root = body.get("recenttracks")
    if not isinstance(root, dict):
        raise TransientLastfmError("user.getRecentTracks: the body has no 'recenttracks' object")
    # Current shape: attributes under "@attr"; legacy empty shape: flat next to "#text".
    attr = root.get("@attr") if isinstance(root.get("@attr"), dict) else root
    items = as_list(root.get("track"))
    tracks: list[dict] = []
    nowplaying = None
    for item in items:
        if not isinstance(item, dict):
            raise TransientLastfmError("user.getRecentTracks: a track entry is not an object")
        if is_nowplaying(item):
            nowplaying = item
        else:
            tracks.append(item)
    return RecentTracksPage(
        user=str(attr.get("user", "")),
        page=to_int(attr.get("page", 1), "page"),
        per_page=to_int(attr.get("perPage", 0), "perPage"),
        total_pages=to_int(attr.get("totalPages", 0), "totalPages"),
        total=to_int(attr.get("total", 0), "total"),
        tracks=tracks,
        nowplaying=nowplaying,
    )


def _name_and_mbid(obj: Any) -> tuple[str, str]:
    """(name, mbid) of an artist/album object in either the plain ('#text') or extended ('name') shape."""
    if isinstance(obj, str):
        return obj, ""
    if not isinstance(obj, dict):
        return "", ""
    name = obj.get("#text", obj.get("name", ""))
    return str(name or ""), str(obj.get("mbid") or "")


def artist_name(track: dict) -> str:
    """The artist's name of one raw scrobbled track, as scrobble_record gives it."""
    return _name_and_mbid(track.get("artist"))[0]


def scrobble_record(track: dict) -> dict:
    """Flatten one raw scrobbled track (plain or extended shape) into warehouse columns."""
    artist, artist_mbid = _name_and_mbid(track.get("artist"))
    album, album_mbid = _name_and_mbid(track.get("album"))
    date = track.get("date")
    if not isinstance(date, dict) or "uts" not in date:
        raise TransientLastfmError("user.getRecentTracks: a scrobble has no date.uts")
    loved = track.get("loved")
    return {
        "played_at_uts": to_int(date["uts"], "date.uts"),
        "artist_name": artist,
        "artist_mbid": artist_mbid,
        "track_name": str(track.get("name") or ""),
        "track_mbid": str(track.get("mbid") or ""),
        "album_name": album,
        "album_mbid": album_mbid,
        "track_url": str(track.get("url") or ""),
        "loved": None if loved is None else str(loved) == "1",
    }


# --- artist.getTopTags ----------------------------------------------------------------------------

@dataclass
class TopTags:
    artist: str                      # the name last.fm answered for (differs when autocorrected)
    tags: list[tuple[str, int]]      # (tag as typed by users, weight 0-100), in the API's order


def parse_top_tags(body: dict) -> TopTags:
    """Parse artist.getTopTags: list, one-item object, empty list, or legacy shape without 'tag'."""
    root = body.get("toptags")
    if not isinstance(root, dict):
        raise TransientLastfmError("artist.getTopTags: the body has no 'toptags' object")
    attr = root.get("@attr") if isinstance(root.get("@attr"), dict) else root
    tags = []
    for item in as_list(root.get("tag")):
        if not isinstance(item, dict) or not str(item.get("name", "")).strip():
            continue
        tags.append((str(item["name"]), to_int(item.get("count", 0), "tag count")))
    return TopTags(artist=str(attr.get("artist", "")), tags=tags)


# --- user.getInfo -------------------------------------------------------------------------------------

@dataclass
class UserInfo:
    name: str
    playcount: int
    registered_uts: int
    country: str


def parse_user_info(body: dict) -> UserInfo:
    """Parse user.getInfo (numbers as strings since 2020, as numbers in 2018)."""
    user = body.get("user")
    if not isinstance(user, dict):
        raise TransientLastfmError("user.getInfo: the body has no 'user' object")
    registered = user.get("registered") or {}
    if isinstance(registered, dict):
        reg = registered.get("unixtime", registered.get("#text", 0))
    else:
        reg = registered
    return UserInfo(
        name=str(user.get("name", "")),
        playcount=to_int(user.get("playcount", 0), "playcount"),
        registered_uts=to_int(reg or 0, "registered"),
        country=str(user.get("country") or ""),
    )
