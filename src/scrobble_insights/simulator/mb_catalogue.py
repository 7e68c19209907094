"""The simulated MusicBrainz database: artists and release groups derived from the last.fm catalogue.

Built deterministically from the seed and the last.fm `Catalogue`, so an artist MBID the last.fm
side sends (`artist.mbid` in user.getRecentTracks) is what MusicBrainz knows it by. The cases the
enrichment step must handle are all present:

* most artists with a last.fm MBID are in MusicBrainz under that MBID;
* a few of those MBIDs were merged into another entity (`redirects`: old -> target); a lookup of
  the old MBID answers the target's body, whose `id` differs from the one asked for;
* a few MBIDs last.fm sends are unknown to MusicBrainz (`unknown`): lookups answer 404;
* most artists without a last.fm MBID exist in MusicBrainz under an MBID of their own, found by name;
  some do not exist at all;
* some names belong to two distinct MusicBrainz artists (`ambiguous`), the second with its own
  MBID, country and disambiguation;
* each last.fm album is a release group with one to three releases; as in reality, the album MBID
  last.fm sends is a *release* MBID (one of the group's releases, `release_of`), not the group's; a few
  of those are unknown to MusicBrainz (`unknown_releases`);
* some MusicBrainz titles differ from last.fm's in case or punctuation (typographic apostrophes), and
  some albums have a single of the same title (a second release group: a title alone is ambiguous).

Values the recorded samples show are kept (the Person/Group and Album/EP type ids, country names);
other ids (areas, genres, other types) are name-based UUIDs made up here.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field

from scrobble_insights.simulator.catalogue import GENRES, Catalogue, build_mbid

NAMESPACE = uuid.UUID("6d5a3c1e-2f0b-4c59-9a57-1b1d1c6e2a10")
# Type ids seen in recorded bodies (tests/fixtures/musicbrainz): Person, Group; Album, EP.
ARTIST_TYPE_IDS = {"Person": "b6e035f4-3ce9-331c-97df-83397230b0df",
                   "Group": "e431f5f6-b5d2-343d-8b36-72607fffb74b"}
RG_TYPE_IDS = {"Album": "f529b476-6e62-324f-b0aa-1f3e33d313fc",
               "EP": "6d0c5bf6-7a33-3420-a519-44fc63eedebf",
               "Single": "d6038452-8ee0-3f68-affc-2de9a1ede0b9"}   # Single: seen in captures we may not copy
COUNTRIES = [("GB", "United Kingdom", "London", "GB-LND"), ("US", "United States", "New York", "US-NY"),
             ("FR", "France", "Paris", "FR-75"), ("DE", "Germany", "Berlin", "DE-BE"),
             ("SE", "Sweden", "Stockholm", "SE-AB"), ("JP", "Japan", "Tokyo", "JP-13"),
             ("KR", "South Korea", "Seoul", "KR-11"), ("BR", "Brazil", "São Paulo", "BR-SP"),
             ("JM", "Jamaica", "Kingston", "JM-01"), ("CA", "Canada", "Toronto", "CA-ON"),
             ("AU", "Australia", "Melbourne", "AU-VIC"), ("NO", "Norway", "Bergen", "NO-46"),
             ("IS", "Iceland", "Reykjavík", "IS-1"), ("MX", "Mexico", "Mexico City", "MX-CMX"),
             ("NG", "Nigeria", "Lagos", "NG-LA")]
GENDERS = ["Male", "Female", "Male", "Female", "Non-binary"]
UNKNOWN_SHARE = 0.05      # last.fm MBIDs MusicBrainz answers 404 for
MERGED_SHARE = 0.05       # last.fm MBIDs that were merged into another entity
NO_MBID_FOUND = 0.75      # artists without a last.fm MBID that MusicBrainz has anyway
AMBIGUOUS_SHARE = 0.04    # names shared with a second, distinct MusicBrainz artist
UNKNOWN_RELEASE_SHARE = 0.04   # release MBIDs last.fm sends that MusicBrainz does not know
VARIANT_TITLE_SHARE = 0.15     # MusicBrainz spells the title in another case or with typographic quotes
SAME_TITLE_SINGLE_SHARE = 0.1  # the title track also came out as a single: two release groups, one title
RELEASE_STATUS_IDS = {"Official": "4e304316-386d-3409-af2e-78857eec5cfe",
                      "Promotion": "518ffc83-5cde-34df-8627-81bff5093d92"}


def made_up_id(*parts: object) -> str:
    """A stable name-based UUID for ids the recorded samples do not give."""
    return str(uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts)))


def type_id(kind: str) -> str:
    """The MusicBrainz id of an artist or release-group type (recorded where known)."""
    return ARTIST_TYPE_IDS.get(kind) or RG_TYPE_IDS.get(kind) or made_up_id("type", kind)


@dataclass
class MBArtist:
    """One MusicBrainz artist as the simulator stores it."""

    mbid: str
    name: str
    sort_name: str
    kind: str                     # Person, Group, Orchestra, Choir, Other
    gender: str | None
    country: str | None           # ISO 3166-1 code, or None for no area
    begin: str | None             # partial date: YYYY, YYYY-MM or YYYY-MM-DD
    end: str | None
    disambiguation: str = ""
    isnis: list[str] = field(default_factory=list)
    genres: list[tuple[str, int]] = field(default_factory=list)
    tags: list[tuple[str, int]] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    release_groups: list[str] = field(default_factory=list)
    lastfm_aid: int = -1          # the last.fm artist it stands for (-1: a namesake only MB knows)


@dataclass
class MBRelease:
    """One release of a release group (an edition: a country, a format, a reissue)."""

    mbid: str
    title: str
    status: str                   # Official, Promotion


@dataclass
class MBReleaseGroup:
    """One release group: an album of the last.fm catalogue (or a single of the same title)."""

    mbid: str
    title: str
    primary_type: str             # Album, EP, Single
    first_release_date: str       # "" when unknown, as the real service sends
    artist: str                   # artist MBID
    releases: list[MBRelease] = field(default_factory=list)
    lastfm_album: int = -1        # the last.fm album it stands for (-1: a same-title single only MB has)


@dataclass
class MBCatalogue:
    """Every simulated MusicBrainz entity, with the cases tests look for."""

    artists: dict[str, MBArtist] = field(default_factory=dict)
    release_groups: dict[str, MBReleaseGroup] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)   # merged MBID -> target MBID
    unknown: set[str] = field(default_factory=set)           # last.fm MBIDs MusicBrainz lacks
    ambiguous: set[str] = field(default_factory=set)         # casefolded names of two artists
    by_lastfm: dict[int, str] = field(default_factory=dict)  # last.fm artist id -> MB artist MBID
    release_of: dict[str, str] = field(default_factory=dict)  # release MBID -> its release group's MBID
    unknown_releases: set[str] = field(default_factory=set)   # last.fm album (release) MBIDs MB lacks
    by_lastfm_album: dict[int, str] = field(default_factory=dict)  # last.fm album id -> release group MBID

    def resolve(self, mbid: str) -> MBArtist | None:
        """The artist an MBID names, following a merge redirect; None if unknown."""
        return self.artists.get(self.redirects.get(mbid, mbid))


def sort_name(name: str, kind: str) -> str:
    """'The Cure' -> 'Cure, The'; a two-word person 'Ann Bell' -> 'Bell, Ann'."""
    if name.startswith("The "):
        return f"{name[4:]}, The"
    words = name.split()
    if kind == "Person" and len(words) == 2:
        return f"{words[1]}, {words[0]}"
    return name


def partial_date(rng: random.Random, year: int) -> str:
    """A MusicBrainz partial date: year only, year-month, or a full date."""
    roll = rng.random()
    if roll < 0.4:
        return str(year)
    if roll < 0.6:
        return f"{year}-{rng.randint(1, 12):02d}"
    return f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def build_artist(rng: random.Random, cat: Catalogue, aid: int, mbid: str) -> MBArtist:
    """The MusicBrainz record of last.fm artist `aid`."""
    name, genre = cat.artist_name[aid], GENRES[cat.artist_genre[aid]]
    roll = rng.random()
    if genre[1] == "classical" and roll < 0.5:
        kind = rng.choice(["Orchestra", "Choir", "Person"])
    else:
        kind = "Person" if roll < 0.38 else "Group" if roll < 0.95 else "Other"
    born = rng.randint(1925, 2004) if kind == "Person" else rng.randint(1955, 2020)
    ended = rng.random() < (0.12 if kind == "Person" else 0.25)
    end = partial_date(rng, rng.randint(min(born + 3, 2025), 2025)) if ended else None
    country = rng.choice(COUNTRIES)[0] if rng.random() < 0.9 else None
    pool = genre[3]
    genres = [(g, rng.randint(1, 30)) for g in dict.fromkeys([genre[0]] + rng.sample(pool, min(2, len(pool))))
              if g.islower()] if rng.random() < 0.8 else []
    tags = sorted({t.lower(): rng.randint(-1, 40) for t in rng.sample(pool, min(4, len(pool)))}.items())
    aliases = [v for v in cat.artist_variants[aid] if v.casefold() != name.casefold()][:2]
    return MBArtist(mbid=mbid, name=name, sort_name=sort_name(name, kind), kind=kind,
                    gender=rng.choice(GENDERS) if kind == "Person" else None, country=country,
                    begin=partial_date(rng, born), end=end,
                    isnis=[f"{rng.randrange(10**15):016d}"] if rng.random() < 0.5 else [],
                    genres=genres, tags=tags, aliases=aliases, lastfm_aid=aid)


def mb_title(rng: random.Random, name: str) -> str:
    """The title as MusicBrainz spells it: usually last.fm's, sometimes with typographic apostrophes or in
    another case (the same after musicbrainz/match.py's normalisation)."""
    if rng.random() >= VARIANT_TITLE_SHARE:
        return name
    if "'" in name:
        return name.replace("'", "\u2019")
    return name.lower() if rng.random() < 0.5 else name.upper()


def add_release_groups(rng: random.Random, cat: Catalogue, mb: MBCatalogue, artist: MBArtist) -> None:
    """One release group per last.fm album, with one to three releases; the album MBID last.fm sends is
    one of those releases (or, for a few, a release MusicBrainz does not know). Some albums also get a
    single of the same title."""
    start = int(artist.begin[:4]) if artist.begin else 1960
    for album in cat.artist_albums[artist.lastfm_aid]:
        kind = rng.choices(["Album", "EP", "Single"], weights=[75, 15, 10])[0]
        year = rng.randint(min(start + 1, 2025), 2025)
        date = "" if rng.random() < 0.05 else partial_date(rng, year)
        title = mb_title(rng, cat.album_name[album])
        releases = [MBRelease(build_mbid(rng), title, "Official") for _ in range(1 + (rng.random() < 0.4)
                                                                                 + (rng.random() < 0.15))]
        lastfm_mbid = cat.album_mbid[album]
        if lastfm_mbid and rng.random() < UNKNOWN_RELEASE_SHARE:
            mb.unknown_releases.add(lastfm_mbid)
        elif lastfm_mbid:
            releases[rng.randrange(len(releases))].mbid = lastfm_mbid
        rg = MBReleaseGroup(build_mbid(rng), title, kind, date, artist.mbid, releases, album)
        groups = [rg]
        if kind == "Album" and rng.random() < SAME_TITLE_SINGLE_SHARE:
            single_date = str(year) if date else ""
            groups.append(MBReleaseGroup(build_mbid(rng), title, "Single", single_date, artist.mbid,
                                         [MBRelease(build_mbid(rng), title, "Promotion")]))
        for group in groups:
            mb.release_groups[group.mbid] = group
            artist.release_groups.append(group.mbid)
            mb.release_of.update({r.mbid: group.mbid for r in group.releases})
        mb.by_lastfm_album[album] = rg.mbid


def build_mb_catalogue(cat: Catalogue, seed: int) -> MBCatalogue:
    """The whole simulated MusicBrainz, derived from the last.fm catalogue (same seed, same answers)."""
    rng = random.Random(seed ^ 0x3B2A1)
    albums = random.Random(seed ^ 0x7E1EA5)       # release groups draw from their own stream
    mb = MBCatalogue()
    for aid, lastfm_mbid in enumerate(cat.artist_mbid):
        roll = rng.random()
        if lastfm_mbid and roll < UNKNOWN_SHARE:
            mb.unknown.add(lastfm_mbid)
            continue
        if not lastfm_mbid and roll >= NO_MBID_FOUND:
            continue
        mbid = lastfm_mbid or build_mbid(rng)
        if lastfm_mbid and roll < UNKNOWN_SHARE + MERGED_SHARE:
            mbid = build_mbid(rng)                  # the entity last.fm's MBID was merged into
            mb.redirects[lastfm_mbid] = mbid
        artist = build_artist(rng, cat, aid, mbid)
        mb.artists[mbid] = artist
        mb.by_lastfm[aid] = mbid
        add_release_groups(albums, cat, mb, artist)
        if rng.random() < AMBIGUOUS_SHARE:
            twin = build_artist(rng, cat, aid, build_mbid(rng))
            twin.lastfm_aid, twin.release_groups = -1, []
            twin.country = next(c for c, *_ in COUNTRIES if c != artist.country)
            twin.disambiguation = f"{twin.kind.lower()} from {twin.country}, not the {artist.country or 'other'} one"
            mb.artists[twin.mbid] = twin
            mb.ambiguous.add(artist.name.casefold())
    return mb
