"""Turn bronze lines into warehouse rows (column lists, ready for Arrow)."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import datetime, timezone

import pyarrow as pa

from scrobble_insights.lastfm.parse import parse_top_tags, parse_user_info, scrobble_record
from scrobble_insights.load.tables import RAW_TABLES
from scrobble_insights.musicbrainz.match import match_name, match_title, release_group_holding

SCROBBLE_SCHEMA = RAW_TABLES["scrobbles"].arrow_schema()
DAY_SCHEMA = RAW_TABLES["extracted_days"].arrow_schema()
TAG_SCHEMA = RAW_TABLES["artist_tags"].arrow_schema()
FETCH_SCHEMA = RAW_TABLES["artist_tag_fetches"].arrow_schema()
USER_INFO_SCHEMA = RAW_TABLES["user_infos"].arrow_schema()
MB_ARTIST_SCHEMA = RAW_TABLES["mb_artists"].arrow_schema()
MB_RELEASE_GROUP_SCHEMA = RAW_TABLES["mb_release_groups"].arrow_schema()


def scrobble_id(user: str, record: dict, occurrence: int) -> str:
    """Stable id of a scrobble. `occurrence` numbers identical scrobbles (same second, artist,
    track, album) so that two plays last.fm counts twice stay two rows."""
    key = "\x1f".join([user, str(record["played_at_uts"]), record["artist_name"], record["track_name"],
                       record["album_name"], str(occurrence)])
    return hashlib.md5(key.encode("utf-8")).hexdigest()


def scrobble_rows(user: str, lines: list[dict], columns: dict[str, list]) -> int:
    """Append the rows of one bronze day file to `columns`; returns how many."""
    seen: Counter[tuple] = Counter()
    for line in lines:
        record = scrobble_record(line["track"])
        identity = (record["played_at_uts"], record["artist_name"], record["track_name"], record["album_name"])
        occurrence = seen[identity]
        seen[identity] += 1
        columns["scrobble_id"].append(scrobble_id(user, record, occurrence))
        columns["user_name"].append(user)
        columns["played_date"].append(datetime.fromtimestamp(record["played_at_uts"], timezone.utc).date())
        columns["fetched_at"].append(datetime.fromisoformat(line["fetched_at"]))
        for name in ("played_at_uts", "artist_name", "artist_mbid", "track_name", "track_mbid",
                     "album_name", "album_mbid", "track_url", "loved"):
            columns[name].append(record[name])
    return len(lines)


def empty_columns(schema: pa.Schema) -> dict[str, list]:
    return {name: [] for name in schema.names}


def tag_rows(record: dict, tags: dict[str, list], fetches: dict[str, list]) -> None:
    """Append the rows of one landed artist.getTopTags answer."""
    artist = record["artist"]
    fetched_at = datetime.fromisoformat(record["fetched_at"])
    body = record["body"]
    if "error" in body:
        parsed_artist, parsed_tags, status = "", [], "not_found"
    else:
        parsed = parse_top_tags(body)
        parsed_artist, parsed_tags, status = parsed.artist, parsed.tags, "ok"
    for rank, (name, weight) in enumerate(parsed_tags, start=1):
        tags["artist_name"].append(artist)
        tags["tag_name"].append(name)
        tags["tag_weight"].append(weight)
        tags["tag_rank"].append(rank)
        tags["fetched_at"].append(fetched_at)
    fetches["artist_name"].append(artist)
    fetches["answered_as"].append(parsed_artist)
    fetches["status"].append(status)
    fetches["tag_count"].append(len(parsed_tags))
    fetches["fetched_at"].append(fetched_at)


def to_table(columns: dict[str, list], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pydict(columns, schema=schema)


def user_info_rows(record: dict, columns: dict[str, list]) -> None:
    """Append the row of one landed user.getInfo answer."""
    info = parse_user_info(record["body"])
    columns["user_name"].append(record["user"])
    columns["playcount"].append(info.playcount)
    columns["registered_uts"].append(info.registered_uts)
    columns["country"].append(info.country)
    columns["fetched_at"].append(datetime.fromisoformat(record["fetched_at"]))


def mb_artist_rows(record: dict) -> list[dict]:
    """The raw.mb_artists rows one landed MusicBrainz answer gives (one per asked key it settles).

    - an `arid:(…)` search settles each asked MBID it holds (match "mbid"); the others stay open (they
      are looked up);
    - a name search settles its name: "name" (an unambiguous hit, musicbrainz/match.py), "ambiguous"
      or "unknown";
    - a lookup settles its key: for an MBID key "mbid" (same id), "merged" (another id) or "unknown"
      (404); for a name key "name" (its genres), or "unknown" (404).
    """
    fetched_at = datetime.fromisoformat(record["fetched_at"])
    body, request, keys = record["body"], record["request"], record["keys"]

    def row(key: str, mbid: str | None, match: str, score: int | None, answer: str, raw: dict) -> dict:
        kind, _, asked = key.partition(":")
        return {"artist_key": key, "asked_mbid": asked if kind == "mbid" else None,
                "asked_name": asked if kind == "name" else None, "mbid": mbid, "match": match, "score": score,
                "answer": answer, "fetched_at": fetched_at,
                "body": json.dumps(raw, ensure_ascii=False, separators=(",", ":"))}

    if request == "artist.search.arid":
        hits = {str(h.get("id", "")).lower(): h for h in body.get("artists") or [] if isinstance(h, dict)}
        return [row(key, hits[mbid]["id"], "mbid", hits[mbid].get("score"), "search", hits[mbid])
                for key, mbid in zip(keys, record["asked"]) if mbid.lower() in hits]
    if request == "artist.search.name":
        found = match_name(record["asked"], body)
        return [row(keys[0], found.hit["id"] if found.hit else None, found.kind, found.score, "search",
                    found.hit if found.hit else body)]
    if request == "artist.lookup":
        key = keys[0]
        if record["status"] == 404:
            return [row(key, None, "unknown", None, "lookup", body)]
        mbid = str(body.get("id", ""))
        match = "name" if key.startswith("name:") else ("mbid" if mbid.lower() == key[5:].lower() else "merged")
        return [row(key, mbid, match, None, "lookup", body)]
    raise ValueError(f"unknown MusicBrainz request {request!r}")


def mb_release_group_rows(record: dict) -> list[dict]:
    """The raw.mb_release_groups rows one landed release-group answer gives (one per album it was about).

    - a `reid:(…)` search: an album whose release is among a hit's `releases` gets that group (match
      "mbid", score as sent); one whose release no hit holds is "unknown" (MusicBrainz lacks the release);
    - a browse of the artist's release groups (every page): an album whose title, normalised, is that of
      exactly one group gets it ("title"); of two or more, none ("ambiguous": e.g. an album and its single);
      of none, "unknown" (also when the artist's MBID answered 404).
    `body` is the hit, the candidates of an ambiguous title, or the answer's envelope for a miss.
    """
    fetched_at = datetime.fromisoformat(record["fetched_at"])

    def row(ref: str, asked: dict, match: str, answer: str, group: dict | None, score: int | None, raw) -> dict:
        group = group or {}
        return {"album_ref": ref, "asked_release_mbid": asked.get("release_mbid"),
                "asked_artist_mbid": asked.get("artist_mbid"), "asked_artist_name": asked.get("artist_name"),
                "asked_title": asked["title"], "release_group_mbid": group.get("id"), "title": group.get("title"),
                "primary_type": group.get("primary-type"), "first_release_date": group.get("first-release-date"),
                "match": match, "score": score, "answer": answer, "fetched_at": fetched_at,
                "body": json.dumps(raw, ensure_ascii=False, separators=(",", ":"))}

    request, keys, asked = record["request"], record["keys"], record["asked"]
    if request == "release-group.search.reid":
        body = record["body"]
        hits = [h for h in body.get("release-groups") or [] if isinstance(h, dict)]
        envelope = {k: v for k, v in body.items() if k != "release-groups"}
        rows = []
        for ref, about in zip(keys, asked):
            hit = release_group_holding(about["release_mbid"], hits)
            rows.append(row(ref, about, "mbid", "search", hit, hit.get("score"), hit) if hit else
                        row(ref, about, "unknown", "search", None, None, envelope))
        return rows
    if request == "release-group.browse":
        bodies = record["bodies"]
        groups = [g for b in bodies for g in b.get("release-groups") or [] if isinstance(g, dict)]
        envelope = {k: v for k, v in bodies[0].items() if k != "release-groups"} if bodies else {}
        rows = []
        for ref, about in zip(keys, asked):
            kind, group, candidates = match_title(about["title"], groups) if record["status"] == 200 else \
                ("unknown", None, [])
            raw = group if group else {"candidates": candidates} if candidates else envelope
            rows.append(row(ref, about, kind, "browse", group, None, raw))
        return rows
    raise ValueError(f"unknown MusicBrainz release-group request {request!r}")
