"""What a MusicBrainz answer means for one artist or album we asked about: pure functions, no I/O.

Used twice with the same result: by the enrichment step (to decide what to ask next and count it) and by
the loader (to turn landed answers into raw.mb_artists and raw.mb_release_groups rows), so a rebuild from
bronze decides as the run did. The rules are docs/decisions/0011-musicbrainz-matching-and-batching.md
(artists) and docs/decisions/0012-release-groups.md (albums).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

CLOSE_SCORE = 5           # a second hit within this many points of the best is a rival: no match
LUCENE_SPECIAL = re.compile(r'([+\-!(){}\[\]^"~*?:\\/]|&&|\|\|)')
MATCHED = ("mbid", "merged", "name")
KINDS = MATCHED + ("unknown", "ambiguous")
RELEASE_MATCHED = ("mbid", "title")       # raw.mb_release_groups.match of an album with its release group


TYPOGRAPHIC = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2010": "-",
                             "\u2011": "-", "\u2013": "-", "\u2014": "-"})


def normalise(name: str) -> str:
    """Compatibility-normalised, case-folded, typographic quotes and dashes made plain, whitespace
    collapsed: 'Ｂjörk  ' equals 'björk', and 'Vera’s Moon' equals "Vera's Moon"."""
    return " ".join(unicodedata.normalize("NFKC", name).translate(TYPOGRAPHIC).casefold().split())


def lucene_escape(text: str) -> str:
    r"""Escape Lucene's special characters (+ - && || ! ( ) { } [ ] ^ " ~ * ? : \ /)."""
    return LUCENE_SPECIAL.sub(r"\\\1", text)


def name_query(name: str) -> str:
    return f'artist:"{lucene_escape(name)}"'


def arid_query(mbids: list[str]) -> str:
    return "arid:(" + " OR ".join(mbids) + ")"


def reid_query(mbids: list[str]) -> str:
    """Release groups holding any of these releases (a release belongs to exactly one group)."""
    return "reid:(" + " OR ".join(mbids) + ")"


def match_title(title: str, groups: list[dict]) -> tuple[str, dict | None, list[dict]]:
    """An album title among an artist's release groups: ("title", the group, [it]) when exactly one group
    has the title after normalisation, ("ambiguous", None, the candidates) when several do (an album and
    a single of the same name), ("unknown", None, []) when none does. Never the closest title."""
    wanted = normalise(title)
    same = [g for g in groups if isinstance(g, dict) and normalise(str(g.get("title", ""))) == wanted]
    if len(same) == 1:
        return "title", same[0], same
    return ("ambiguous" if same else "unknown"), None, same


def release_group_holding(release_mbid: str, hits: list[dict]) -> dict | None:
    """The release-group search hit whose `releases` hold this release MBID, if any."""
    wanted = release_mbid.lower()
    for hit in hits:
        if isinstance(hit, dict) and any(str(r.get("id", "")).lower() == wanted
                                         for r in hit.get("releases") or [] if isinstance(r, dict)):
            return hit
    return None


@dataclass(frozen=True)
class NameMatch:
    kind: str                 # "name", "ambiguous" or "unknown"
    hit: dict | None          # the accepted hit (kind "name") else None
    score: int | None         # the best score seen


def match_name(name: str, body: dict) -> NameMatch:
    """Accept a name-search hit only when it is unambiguous: its normalised name equals the asked one,
    its score is 100, and no other hit has the same normalised name or a score within CLOSE_SCORE.
    Never the top hit blindly: an unknown artist still gets weak partial matches."""
    hits = [h for h in body.get("artists") or [] if isinstance(h, dict)]
    wanted = normalise(name)
    best = max((_score(h) for h in hits), default=None)
    same = [h for h in hits if normalise(str(h.get("name", ""))) == wanted]
    exact = [h for h in same if _score(h) == 100]
    if not exact:
        return NameMatch("unknown", None, best)
    chosen = exact[0]
    rivals = [h for h in hits if h is not chosen and
              (normalise(str(h.get("name", ""))) == wanted or _score(h) >= 100 - CLOSE_SCORE)]
    if rivals:
        return NameMatch("ambiguous", None, best)
    return NameMatch("name", chosen, 100)


def _score(hit: dict) -> int:
    try:
        return int(hit.get("score", 0))
    except (TypeError, ValueError):
        return 0
