"""The simulator's music catalogue: artists, albums, tracks and their last.fm tags.

One catalogue is built from the config seed and shared by every simulated user, so
artist.getTopTags answers the same for everybody. Everything is stored in parallel
lists indexed by integer ids, so a scrobble only needs to remember a track id.

Genre names come from the beets lastgenre vocabulary (genres.txt / genres-tree.yaml);
tag lists add the spelling variants and junk tags real last.fm users type.
"""

from __future__ import annotations

import random
import unicodedata
import uuid
import zlib
from itertools import accumulate

from scrobble_insights.simulator import words as W

PLACEHOLDER_IMAGE = "2a96cbd8b46e442fc41c2b86b821562f.png"
VARIANT_ARTISTS = 0.08   # share of artists some of whose plays are scrobbled under another spelling
VARIANT_UNTAGGED = 0.6   # the same for an artist with an accent, an apostrophe or a hyphen in its name
VARIANT_PLAYS = 12       # per cent of such an artist's plays that carry a variant spelling
# A few transliterations last.fm corrects to the artist's own (Cyrillic) name.
CYRILLIC = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                    "a b v g d e yo zh z i y k l m n o p r s t u f kh ts ch sh shch  y  e yu ya".split(" ")))

# (primary tag, genre family, season) -> season +1 = more in local summer, -1 = winter.
# The tag list starts with the primary genre, then spelling variants and related genres.
GENRES: list[tuple[str, str, int, list[str]]] = [
    ("indie rock", "rock", 0, ["indie rock", "indie", "alternative", "Indie Rock", "indie-rock",
                               "rock", "post-punk", "garage rock", "alternative rock"]),
    ("post-rock", "rock", 0, ["post-rock", "post rock", "Post-Rock", "instrumental", "experimental",
                              "math rock", "ambient", "shoegaze"]),
    ("classic rock", "rock", 0, ["classic rock", "rock", "Classic Rock", "hard rock", "blues rock",
                                 "psychedelic rock", "70s"]),
    ("punk rock", "rock", 0, ["punk rock", "punk", "Punk", "hardcore punk", "post-punk", "pop punk",
                              "garage rock"]),
    ("heavy metal", "metal", 0, ["heavy metal", "metal", "Heavy Metal", "hard rock", "thrash metal",
                                 "power metal", "NWOBHM"]),
    ("death metal", "metal", 0, ["death metal", "Death Metal", "metal", "melodic death metal",
                                 "black metal", "brutal death metal", "doom metal"]),
    ("pop", "pop", 1, ["pop", "Pop", "synth-pop", "electropop", "dance", "synthpop"]),
    ("dream pop", "pop", 0, ["dream pop", "dream-pop", "shoegaze", "indie pop", "Lo-Fi",
                             "chillwave", "Dreamy"]),
    ("k-pop", "pop", 1, ["k-pop", "K-Pop", "kpop", "korean", "dance", "pop"]),
    ("house", "electronic", 1, ["house", "deep house", "electronic", "Electronic", "dance",
                                "electronica", "disco"]),
    ("techno", "electronic", 0, ["techno", "Techno", "minimal techno", "electronic", "dub techno",
                                 "industrial", "electronica"]),
    ("ambient", "electronic", -1, ["ambient", "Ambient", "electronica", "drone", "downtempo",
                                   "chillout", "idm", "experimental"]),
    ("drum and bass", "electronic", 0, ["drum and bass", "drum n bass", "dnb", "Drum & Bass",
                                        "jungle", "liquid funk", "electronic"]),
    ("hip hop", "hip hop", 0, ["hip hop", "Hip-Hop", "hiphop", "rap", "Rap", "hip-hop",
                               "underground hip-hop", "conscious hip hop"]),
    ("trap", "hip hop", 0, ["trap", "Trap", "rap", "Hip-Hop", "hip hop", "gangsta rap"]),
    ("r&b", "r&b", 0, ["rnb", "R&B", "soul", "neo soul", "neo-soul", "contemporary r&b",
                       "r and b", "funk"]),
    ("jazz", "jazz", 0, ["jazz", "Jazz", "bebop", "cool jazz", "jazz fusion", "smooth jazz",
                         "instrumental", "piano"]),
    ("folk", "folk", -1, ["folk", "Folk", "indie folk", "singer-songwriter", "acoustic",
                          "americana", "folk rock"]),
    ("classical", "classical", -1, ["classical", "Classical", "baroque", "contemporary classical",
                                    "modern classical", "piano", "opera", "orchestral"]),
    ("reggae", "reggae", 1, ["reggae", "Reggae", "dub", "roots reggae", "ska", "dancehall",
                             "jamaica"]),
    ("reggaeton", "latin", 1, ["reggaeton", "Reggaeton", "latin", "Latin", "latin pop", "salsa",
                               "cumbia", "spanish"]),
    ("bossa nova", "latin", 1, ["bossa nova", "Bossa Nova", "latin", "brazilian", "latin jazz",
                                "samba", "mpb"]),
    ("country", "country", 0, ["country", "Country", "americana", "bluegrass",
                               "alternative country", "alt-country", "outlaw country"]),
    ("soundtrack", "soundtrack", 0, ["soundtrack", "Soundtrack", "film score", "video game music",
                                     "OST", "instrumental", "epic", "score"]),
    ("blues", "blues", 0, ["blues", "Blues", "blues rock", "delta blues", "electric blues",
                           "chicago blues"]),
]

JUNK_TAGS = ["favorites", "Favourite", "favourite", "00s", "90s", "80s", "10s", "british",
             "american", "USA", "UK", "swedish", "canadian", "german", "female vocalists",
             "male vocalists", "awesome", "albums I own", "love", "beautiful", "chill", "mellow",
             "Bandcamp", "cool", "amazing", "my top artists", "check out", "summer", "night",
             "melancholic", "energetic", "catchy", "underrated", "guilty pleasure"]


class Catalogue:
    """All artists, albums and tracks, as parallel lists indexed by integer ids."""

    def __init__(self) -> None:
        self.artist_name: list[str] = []
        self.artist_mbid: list[str] = []
        self.artist_genre: list[int] = []
        self.artist_tags: list[list[tuple[str, int]]] = []
        self.artist_albums: list[list[int]] = []
        self.artist_tracks: list[list[int]] = []      # by popularity, most played first
        self.artist_track_cw: list[list[float]] = []  # cumulative Zipf weights over artist_tracks
        self.album_name: list[str] = []
        self.album_mbid: list[str] = []
        self.album_image: list[str] = []
        self.album_tracks: list[list[int]] = []       # track list in album order
        self.track_name: list[str] = []
        self.track_mbid: list[str] = []
        self.track_artist: list[int] = []
        self.track_album: list[int] = []              # -1 = no album
        self.track_duration: list[int] = []
        self.by_name: dict[str, int] = {}             # casefolded name -> artist id
        self.by_key: dict[str, int] = {}              # autocorrect key -> artist id
        self.by_mbid: dict[str, int] = {}
        self.artist_variants: list[tuple[str, ...]] = []   # other spellings some plays are scrobbled with
        self.by_variant: dict[str, int] = {}          # casefolded variant spelling -> artist id
        self.untagged: set[str] = set()               # casefolded variants last.fm keeps as an untagged page

    def find_artist(self, name: str, autocorrect: bool = False) -> int | None:
        """Artist id for a case-insensitive name, or a looser match with autocorrect."""
        found = self.by_name.get(name.strip().casefold())
        if found is None:
            found = self.by_variant.get(name.strip().casefold())
        if found is None and autocorrect:
            found = self.by_key.get(artist_key(name))
        return found

    def spelling(self, aid: int, uts: int) -> str:
        """The artist name a play at `uts` was scrobbled with: usually the canonical one, for a few
        artists a variant in about VARIANT_PLAYS per cent of plays. A hash of (artist, second), not the
        RNG: histories stay as they were, and an edited or re-read scrobble keeps its spelling."""
        variants = self.artist_variants[aid]
        if variants:
            h = zlib.crc32(f"{aid}:{uts}".encode())
            if h % 100 < VARIANT_PLAYS:
                return variants[(h // 100) % len(variants)]
        return self.artist_name[aid]

    def artist_mbid_as_scrobbled(self, aid: int, name: str) -> str:
        """The artist MBID a play under `name` carries: none for an untagged variant (a page of its own)."""
        return "" if name.casefold() in self.untagged else self.artist_mbid[aid]

    def track_image(self, tid: int) -> str:
        """Image file name (32 hex + extension) for a track: its album's cover."""
        album = self.track_album[tid]
        return self.album_image[album] if album >= 0 else PLACEHOLDER_IMAGE

    def add_track_variant(self, tid: int, new_name: str) -> int:
        """Copy a track under a new name (used by scrobble edits); returns the new id."""
        self.track_name.append(new_name)
        self.track_mbid.append(self.track_mbid[tid])
        self.track_artist.append(self.track_artist[tid])
        self.track_album.append(self.track_album[tid])
        self.track_duration.append(self.track_duration[tid])
        return len(self.track_name) - 1


def artist_key(name: str) -> str:
    """Autocorrect key: casefold, collapse whitespace, drop a leading 'the '."""
    key = " ".join(name.casefold().split())
    return key[4:] if key.startswith("the ") else key


def build_mbid(rng: random.Random) -> str:
    """A random UUID4 string drawn from the seeded RNG."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def build_catalogue(seed: int, artists: int | None = None) -> Catalogue:
    """Build the whole catalogue deterministically from the seed (with `artists` artists, default
    360-520: a real history of 40,000 plays has a few thousand, bench/first_answer.py asks for that)."""
    rng = random.Random(seed ^ 0x5CA7A106)
    cat = Catalogue()
    n_artists = rng.randint(360, 520)
    n_artists = artists or n_artists
    for _ in range(n_artists):
        genre = rng.randrange(len(GENRES))
        name = _unique_artist_name(rng, cat, genre)
        aid = len(cat.artist_name)
        cat.artist_name.append(name)
        cat.by_name[name.casefold()] = aid
        cat.by_key[artist_key(name)] = aid
        mbid = build_mbid(rng) if rng.random() < 0.65 else ""
        cat.artist_mbid.append(mbid)
        if mbid:
            cat.by_mbid[mbid] = aid
        cat.artist_genre.append(genre)
        cat.artist_tags.append(build_tags(rng, name, genre))
        cat.artist_albums.append([])
        _add_albums(rng, cat, aid, genre)
        tracks = [t for album in cat.artist_albums[aid] for t in cat.album_tracks[album]]
        tracks += [_add_track(rng, cat, aid, -1, genre) for _ in range(_singles(rng))]
        rng.shuffle(tracks)
        cat.artist_tracks.append(tracks)
        cat.artist_track_cw.append(list(accumulate(1.0 / (r + 1) ** 0.9 for r in range(len(tracks)))))
    add_variants(random.Random(seed ^ 0x5BE11), cat)   # an RNG of its own: the catalogue above is unchanged
    return cat


def spelling_variants(name: str) -> list[tuple[str, bool]]:
    """Other spellings of an artist name as players scrobble them: (spelling, untagged). Accent dropped,
    U+2019 for an ASCII apostrophe, U+2010 for a hyphen: last.fm keeps these as a page of their own
    without tags (untagged, not corrected). Case changed, a 'The ' added or dropped, a Cyrillic name
    transliterated: last.fm's autocorrect answers the canonical artist for these."""
    out = []
    plain = "".join(c for c in unicodedata.normalize("NFD", name) if unicodedata.category(c) != "Mn")
    if plain != name and plain.isascii():
        out.append((plain, True))
    if "'" in name:
        out.append((name.replace("'", "\u2019"), True))
    if "-" in name:
        out.append((name.replace("-", "\u2010"), True))
    cased = " ".join(w.capitalize() if w.islower() and len(w) > 2 else w for w in name.split(" "))
    if cased == name:
        cased = name.replace(" The ", " the ") if " The " in name else name.lower()
    out.append((cased, False))
    if name.startswith("The "):
        out.append((name[4:], False))
    if all(c.lower() in CYRILLIC or not c.isalpha() for c in name) and any(c.isalpha() for c in name):
        latin = "".join(CYRILLIC.get(c.lower(), c) for c in name)
        out.append((" ".join(w.capitalize() for w in latin.split(" ")), False))
    return [(v, untagged) for v, untagged in out if v and v != name]


def add_variants(rng: random.Random, cat: Catalogue) -> None:
    """Give some artists one or two variant spellings (never another artist's): VARIANT_UNTAGGED of those
    with a name that has an untagged variant (few names do), VARIANT_ARTISTS of the others."""
    for aid, name in enumerate(cat.artist_name):
        cat.artist_variants.append(())
        options = spelling_variants(name)
        if rng.random() >= (VARIANT_UNTAGGED if any(untagged for _, untagged in options) else VARIANT_ARTISTS):
            continue
        chosen = []
        for variant, untagged in rng.sample(options, min(len(options), rng.randint(1, 2))):
            folded = variant.casefold()
            if cat.by_name.get(folded, aid) != aid or cat.by_variant.get(folded, aid) != aid \
                    or cat.by_key.get(artist_key(variant), aid) != aid:
                continue
            chosen.append(variant)
            if folded not in cat.by_name:
                cat.by_variant[folded] = aid
            if untagged:
                cat.untagged.add(folded)
            else:
                cat.by_key.setdefault(artist_key(variant), aid)   # what autocorrect finds it by
        cat.artist_variants[aid] = tuple(chosen)


def _singles(rng: random.Random) -> int:
    """Number of album-less tracks an artist gets (usually none)."""
    return rng.randint(1, 2) if rng.random() < 0.15 else 0


def _unique_artist_name(rng: random.Random, cat: Catalogue, genre: int) -> str:
    """Draw artist names until one is unique even under autocorrect folding."""
    while True:
        name = W.artist_name(rng, GENRES[genre][1])
        if name.casefold() not in cat.by_name and artist_key(name) not in cat.by_key:
            return name


def _add_albums(rng: random.Random, cat: Catalogue, aid: int, genre: int) -> None:
    """Give an artist 1-6 albums of 5-14 tracks each."""
    parent = GENRES[genre][1]
    for _ in range(rng.choices(range(1, 7), weights=[18, 22, 20, 16, 13, 11])[0]):
        album = len(cat.album_name)
        cat.album_name.append(W.album_name(rng, parent))
        cat.album_mbid.append(build_mbid(rng) if rng.random() < 0.5 else "")
        if rng.random() < 0.12:
            cat.album_image.append(PLACEHOLDER_IMAGE)
        else:
            ext = ".jpg" if rng.random() < 0.6 else ".png"
            cat.album_image.append(f"{rng.getrandbits(128):032x}{ext}")
        cat.album_tracks.append([])
        cat.artist_albums[aid].append(album)
        for _ in range(rng.randint(5, 14)):
            cat.album_tracks[album].append(_add_track(rng, cat, aid, album, genre))


def _add_track(rng: random.Random, cat: Catalogue, aid: int, album: int, genre: int) -> int:
    """Append one track and return its id."""
    parent = GENRES[genre][1]
    cat.track_name.append(W.track_name(rng, parent))
    cat.track_mbid.append(build_mbid(rng) if rng.random() < 0.55 else "")
    cat.track_artist.append(aid)
    cat.track_album.append(album)
    mean, spread = (400, 160) if parent == "classical" else (228, 50)
    cat.track_duration.append(int(min(900, max(95, rng.gauss(mean, spread)))))
    return len(cat.track_name) - 1


def build_tags(rng: random.Random, name: str, genre: int) -> list[tuple[str, int]]:
    """A noisy artist.getTopTags list: (tag, count) sorted by count, top count 100.

    ~2% of artists have no tags and ~3% only junk tags; the rest have 5-40 tags mixing
    the primary genre (and its spelling variants), a secondary genre and junk.
    """
    roll = rng.random()
    if roll < 0.02:
        return []
    size = int(5 + 35 * rng.random() ** 1.6)
    weighted: dict[str, float] = {}
    if roll >= 0.05:
        pool = GENRES[genre][3]
        top = pool[0] if rng.random() < 0.7 else rng.choice(pool[:3])
        weighted[top] = 100.0
        for tag in rng.sample(pool, rng.randint(2, len(pool))):
            weighted.setdefault(tag, rng.uniform(4, 95) * rng.random() ** 0.5)
        other = GENRES[rng.randrange(len(GENRES))][3]
        for tag in rng.sample(other, rng.randint(0, 3)):
            weighted.setdefault(tag, rng.uniform(1, 30))
    if rng.random() < 0.75:
        weighted.setdefault("seen live", rng.uniform(11, 40))
    if rng.random() < 0.4:
        weighted.setdefault(name, rng.uniform(1, 15))
    junk = rng.sample(JUNK_TAGS, len(JUNK_TAGS))
    while len(weighted) < size and junk:
        weighted.setdefault(junk.pop(), 100.0 * 2.718 ** -rng.uniform(1.5, 4.6))
    if roll < 0.05:  # junk only: the strongest junk tag becomes the 100
        best = max(weighted, key=weighted.__getitem__)
        weighted[best] = 100.0
    pairs = [(tag, max(1, min(100, round(w)))) for tag, w in weighted.items()]
    pairs.sort(key=lambda p: -p[1])
    return pairs[:size] if len(pairs) > size else pairs

