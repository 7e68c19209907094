"""The genre vocabulary: the vendored beets lastgenre files patched by overlay.yaml.

`load_vocabulary()` reads and checks the files once (lazily, cached). `build_vocabulary()` does the
work from file texts, so tests can build a vocabulary from small made-up files. The lookups at the
end (`canonical_genre`, `genre_info`, `hierarchy_rows`, `tag_rows`) feed dbt's reference table and
seed; ranking an artist's genres is dbt's job (int_artist_genres_ranked), not Python's.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import yaml

BEETS_VERSION = "2.14.1"
VENDORED_FILES = ("genres.txt", "genres-tree.yaml", "aliases.yaml")
OVERLAY_FILE = "overlay.yaml"

# The fixed families a dashboard groups genres into; "other" catches every remaining family.
GENRE_FAMILIES = (
    "rock", "metal", "pop", "electronic", "hip hop", "r&b", "jazz", "blues", "folk", "country",
    "classical", "reggae", "latin", "world", "soundtrack", "other",
)
OTHER = "other"
UNKNOWN = "unknown"  # what callers show for an artist without any genre tag

_QUOTES = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "_": " ",
})
_EXTRA_DASHES = "\u2212\u2043\u02d7"  # minus sign, hyphen bullet, modifier minus (not category Pd)


def normalize_tag(tag: str) -> str:
    """NFKC, casefold, `_` -> space, dashes -> "-", curly quotes -> straight, single spaces, trimmed."""
    text = unicodedata.normalize("NFKC", tag).casefold().translate(_QUOTES)
    if not text.isascii():
        text = "".join("-" if ch in _EXTRA_DASHES or unicodedata.category(ch) == "Pd" else ch for ch in text)
    return " ".join(text.split())


@dataclass(frozen=True)
class GenreInfo:
    """Where a genre sits: direct parent, top of its tree, dashboard family and depth (root = 0)."""

    genre: str
    parent: str | None
    root: str
    genre_family: str
    depth: int


@dataclass(frozen=True)
class Vocabulary:
    """Known genres, alias rules, spelling index and the patched hierarchy, ready for lookups."""

    aliases: tuple[tuple[re.Pattern[str], str], ...]
    genres: frozenset[str]
    spellings: dict[str, str]  # genre name without spaces and hyphens -> canonical genre
    info: dict[str, GenreInfo]
    _cache: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)

    def canonical(self, key: str) -> str | None:
        """The genre a normalised tag stands for: first matching alias, then known genres only.

        Known genres are matched ignoring spaces and hyphens, so "dream-pop", "dreampop" and
        "dream pop" are one genre, as are beets' own duplicates like "jazz-rock" / "jazz rock".
        """
        if key not in self._cache:
            if len(self._cache) > 200_000:
                self._cache.clear()
            self._cache[key] = self.spellings.get(squash(apply_aliases(self.aliases, key)))
        return self._cache[key]


def squash(name: str) -> str:
    """A genre name without spaces and hyphens, the key that spelling variants share."""
    return name.replace(" ", "").replace("-", "")


def apply_aliases(aliases: tuple[tuple[re.Pattern[str], str], ...], key: str) -> str:
    """Rewrite a normalised tag with the first alias whose pattern matches all of it."""
    for pattern, template in aliases:
        match = pattern.fullmatch(key)
        if match:
            return normalize_tag(match.expand(template))
    return key


def build_version(overlay: bytes, vendored: bytes) -> str:
    """Version string for a vocabulary: beets release plus short hashes of vendored files and overlay."""
    vendored_hash = hashlib.sha256(vendored).hexdigest()[:8]
    overlay_hash = hashlib.sha256(overlay).hexdigest()[:8]
    return f"beets-{BEETS_VERSION}-{vendored_hash}+overlay-{overlay_hash}"


def read_file(name: str) -> bytes:
    """Bytes of a file shipped in this package (`vocabulary/...` or `overlay.yaml`)."""
    return resources.files(__package__).joinpath(name).read_bytes()


def read_vendored() -> bytes:
    """The vendored data files, concatenated in a fixed order (input for the version hash)."""
    return b"".join(read_file(f"vocabulary/{name}") for name in VENDORED_FILES)


@cache
def load_vocabulary() -> Vocabulary:
    """The packaged vocabulary, built on first use and then reused."""
    texts = [read_file(f"vocabulary/{name}").decode("utf-8") for name in VENDORED_FILES]
    return build_vocabulary(*texts, read_file(OVERLAY_FILE).decode("utf-8"))


def build_vocabulary(whitelist: str, tree: str, aliases: str, overlay: str) -> Vocabulary:
    """Combine the three beets files and our overlay into a checked Vocabulary."""
    patch = yaml.safe_load(overlay) or {}
    tree_parent = parse_tree(yaml.safe_load(tree))
    dropped = {normalize_tag(g) for g in patch.get("not_genres") or []}
    whitelisted = {normalize_tag(line) for line in whitelist.splitlines() if line.strip()}
    stray = (dropped - whitelisted) | (dropped & tree_parent.keys())
    if stray:
        raise ValueError(f"overlay not_genres must name whitelist-only entries: {sorted(stray)}")
    genres = (whitelisted - dropped) | tree_parent.keys() | {normalize_tag(g) for g in patch.get("genres") or []}
    rules = tuple(parse_aliases(yaml.safe_load(aliases)) + parse_aliases(patch.get("aliases")))
    parent = dict(tree_parent)
    for child, new_parent in (patch.get("parents") or {}).items():
        child, new_parent = normalize_tag(child), new_parent and normalize_tag(new_parent)
        if child not in genres or (new_parent is not None and new_parent not in genres):
            raise ValueError(f"overlay parents: unknown genre in {child!r}: {new_parent!r}")
        parent[child] = new_parent
    vocab = Vocabulary(rules, frozenset(genres), build_spellings(rules, genres, tree_parent.keys()), {})
    for genre in sorted(genres - parent.keys()):
        parent[genre] = guess_parent(vocab, genre)
    dashboard = {normalize_tag(k): v for k, v in (patch.get("dashboard") or {}).items()}
    if not set(dashboard.values()) <= set(GENRE_FAMILIES):
        raise ValueError(f"overlay dashboard values must be genre familys: {dashboard}")
    vocab.info.update(build_info(parent, dashboard))
    return vocab


def build_spellings(rules: tuple, genres: set[str], tree_nodes: Iterable[str]) -> dict[str, str]:
    """Squashed spelling -> canonical genre. Among genres sharing a spelling, a tree node wins,
    then the alphabetically first; a genre that an alias renames points to the alias's genre."""
    candidates: dict[str, set[str]] = {}
    for genre in genres:
        target = apply_aliases(rules, genre)
        if target not in genres:
            raise ValueError(f"alias turns the genre {genre!r} into the unknown {target!r}")
        candidates.setdefault(squash(genre), set()).add(target)
    in_tree = set(tree_nodes)
    return {key: min(names, key=lambda n: (n not in in_tree, n)) for key, names in candidates.items()}


def parse_tree(tree: object) -> dict[str, str | None]:
    """Genre -> parent (None at the top) from beets' nested lists; the first occurrence wins."""
    parent: dict[str, str | None] = {}

    def walk(node: object, up: str | None) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item, up)
        elif isinstance(node, dict):
            for name, children in node.items():
                parent.setdefault(normalize_tag(name), up)
                walk(children, normalize_tag(name))
        elif isinstance(node, str):
            parent.setdefault(normalize_tag(node), up)
        elif node is not None:
            raise ValueError(f"unexpected node in genre tree: {node!r}")

    walk(tree, None)
    return parent


def parse_aliases(table: dict | None) -> list[tuple[re.Pattern[str], str]]:
    """(compiled pattern, replacement template) pairs in file order."""
    rules = [(pattern, str(target)) for target, patterns in (table or {}).items() for pattern in patterns]
    bad = [pattern for pattern, _ in rules if not isinstance(pattern, str)]
    if bad:
        raise ValueError(f"alias patterns must be strings (quote those containing ': '): {bad}")
    return [(re.compile(pattern), target) for pattern, target in rules]


def guess_parent(vocab: Vocabulary, genre: str) -> str | None:
    """Parent for a genre the tree does not place: the longest trailing words naming another genre.

    "brutal death metal" -> "death metal", "melodic hardcore" -> "hardcore punk" (via the aliases).
    """
    words = genre.split(" ")
    for start in range(1, len(words)):
        found = vocab.canonical(" ".join(words[start:]))
        if found is not None and found != genre:
            return found
    return None


def build_info(parent: dict[str, str | None], dashboard: dict[str, str]) -> dict[str, GenreInfo]:
    """GenreInfo for every genre; refuses a hierarchy with a cycle."""
    info = {}
    for genre in parent:
        chain = [genre]
        while parent[chain[-1]] is not None:
            chain.append(parent[chain[-1]])
            if chain[-1] in chain[:-1]:
                raise ValueError(f"genre hierarchy has a cycle: {' -> '.join(chain)}")
        root = chain[-1]
        family = dashboard.get(root, root if root in GENRE_FAMILIES else OTHER)
        info[genre] = GenreInfo(genre, parent[genre], root, family, len(chain) - 1)
    return info


VOCABULARY_VERSION = build_version(read_file(OVERLAY_FILE), read_vendored())


def canonical_genre(tag: str) -> str | None:
    """The canonical genre a raw tag stands for, or None for junk, decades, places and names."""
    return load_vocabulary().canonical(normalize_tag(tag))


def genre_info(genre: str) -> GenreInfo:
    """Parent, root, genre family and depth of a known genre; KeyError for anything else."""
    info = load_vocabulary().info.get(normalize_tag(genre))
    if info is None:
        raise KeyError(f"not a known genre: {genre!r}")
    return info


def hierarchy_rows() -> list[dict]:
    """One row per known genre, sorted by genre: genre, parent_genre, root_genre, genre_family, depth."""
    return [
        {"genre": g.genre, "parent_genre": g.parent, "root_genre": g.root,
         "genre_family": g.genre_family, "depth": g.depth}
        for g in sorted(load_vocabulary().info.values(), key=lambda g: g.genre)
    ]


def tag_rows(tags: Iterable[str]) -> list[dict]:
    """One lookup row per distinct raw tag name (first-seen order): tag_name, tag_key, genre, vocabulary_version."""
    rows, seen = [], set()
    for tag in tags:
        if tag in seen:
            continue
        seen.add(tag)
        rows.append({"tag_name": tag, "tag_key": normalize_tag(tag), "genre": canonical_genre(tag),
                     "vocabulary_version": VOCABULARY_VERSION})
    return rows
