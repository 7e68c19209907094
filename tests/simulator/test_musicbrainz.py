"""The simulated MusicBrainz ws/2 over real HTTP on 127.0.0.1, checked against recorded bodies."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from scrobble_insights.simulator import Simulator, SimulatorConfig

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "musicbrainz"
HELP = "For usage, please see: https://musicbrainz.org/development/mmd"


def fixture(name: str):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def assert_same_shape(got, recorded, where: str = "$") -> None:
    """Same keys, same JSON types (null is its own type), same nesting; every list element is
    checked against the recorded list's first element."""
    if isinstance(recorded, dict):
        assert isinstance(got, dict), f"{where}: {type(got).__name__}, recorded an object"
        assert set(got) == set(recorded), f"{where}: keys {sorted(set(got) ^ set(recorded))} differ"
        for key, value in recorded.items():
            assert_same_shape(got[key], value, f"{where}.{key}")
    elif isinstance(recorded, list):
        assert isinstance(got, list), f"{where}: {type(got).__name__}, recorded a list"
        for i, item in enumerate(got if recorded else []):
            assert_same_shape(item, recorded[0], f"{where}[{i}]")
    else:
        assert type(got) is type(recorded), f"{where}: {type(got).__name__}, recorded {type(recorded).__name__}"


class MB:
    """A tiny MusicBrainz caller bound to one running simulator."""

    def __init__(self, client: httpx.Client, root: str):
        self.client, self.root = client, root

    def get(self, path: str, **params) -> httpx.Response:
        return self.client.get(self.root + path, params={"fmt": "json", **params},
                               headers={"User-Agent": "scrobble-insights-tests/0 ( test@example.org )"})


@pytest.fixture(scope="module")
def served(serve_module) -> tuple[Simulator, MB]:
    sim, api = serve_module(seed=7, mb_rate_limit=0)
    return sim, MB(api.client, api.server.mb_url)


@pytest.fixture(scope="module")
def sim(served) -> Simulator:
    return served[0]


@pytest.fixture(scope="module")
def mb(served) -> MB:
    return served[1]


def pick(sim: Simulator, **want):
    """The first simulated MB artist with the wanted attributes (a callable tests the value)."""
    for artist in sim.musicbrainz.artists.values():
        if all(test(getattr(artist, k)) if callable(test) else getattr(artist, k) == test
               for k, test in want.items()):
            return artist
    raise LookupError(want)


def test_mb_url_is_the_ws2_root(mb):
    assert mb.root.startswith("http://127.0.0.1:") and mb.root.endswith("/ws/2/")


def test_artist_lookup_has_the_recorded_shape_field_for_field(sim, mb):
    artist = pick(sim, kind="Person", country=bool, end=None, isnis=bool, disambiguation="")
    response = mb.get(f"artist/{artist.mbid}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert_same_shape(response.json(), fixture("artist.lookup.no-inc.2026.json"))


def test_artist_lookup_with_inc_adds_genres_tags_and_aliases(sim, mb):
    artist = pick(sim, genres=bool, tags=bool, aliases=bool)
    body = mb.get(f"artist/{artist.mbid}", inc="genres+tags+aliases").json()
    assert body["id"] == artist.mbid
    assert [set(g) for g in body["genres"]] == [{"name", "disambiguation", "id", "count"}] * len(artist.genres)
    assert all(isinstance(g["count"], int) for g in body["genres"] + body["tags"])
    assert [t["name"] for t in body["tags"]] == [t for t, _ in artist.tags]
    assert {k for a in body["aliases"] for k in a} == {"name", "sort-name", "type", "type-id", "locale",
                                                       "primary", "begin", "end", "ended"}
    plain = mb.get(f"artist/{artist.mbid}").json()
    assert not {"genres", "tags", "aliases"} & set(plain)


def test_name_search_has_the_recorded_shape_and_scores_the_exact_name_100(sim, mb):
    artist = pick(sim, kind="Person", country=bool, end=None, begin=bool, aliases=bool, tags=bool,
                  disambiguation="", name=lambda n: n.casefold() not in sim.musicbrainz.ambiguous)
    body = mb.get("artist", query=f'artist:"{artist.name}"', limit=5).json()
    top = body["artists"][0]
    assert (top["id"], top["score"]) == (artist.mbid, 100)
    assert all(hit["score"] < 100 for hit in body["artists"][1:])
    assert_same_shape({**body, "artists": [top]}, fixture("artist.search.name-one-hit.2026.json"))


def test_arid_or_query_answers_every_known_mbid_with_score_100(sim, mb):
    known = list(sim.musicbrainz.artists)[:98]
    merged, unknown = next(iter(sim.musicbrainz.redirects)), next(iter(sim.musicbrainz.unknown))
    query = "arid:(" + " OR ".join(known + [merged, unknown]) + ")"
    body = mb.get("artist", query=query, limit=100).json()
    assert body["count"] == 98 and len(body["artists"]) == 98
    assert [a["id"] for a in body["artists"]] == known
    assert {a["score"] for a in body["artists"]} == {100}


def test_search_limit_out_of_range_falls_back_to_25_and_offset_pages(sim, mb):
    query = "arid:(" + " OR ".join(list(sim.musicbrainz.artists)[:60]) + ")"
    assert len(mb.get("artist", query=query, limit=101).json()["artists"]) == 25
    page = mb.get("artist", query=query, limit=50, offset=40).json()
    assert (page["count"], page["offset"], len(page["artists"])) == (60, 40, 20)


def test_a_shared_name_gives_two_candidates_with_close_scores(sim, mb):
    name = sorted(sim.musicbrainz.ambiguous)[0]
    hits = mb.get("artist", query=f'artist:"{name}"').json()["artists"]
    top = [h for h in hits if h["name"].casefold() == name]
    assert len(top) == 2 and top[0]["id"] != top[1]["id"]
    assert top[0]["score"] == 100 and 95 <= top[1]["score"] <= 100
    assert top[0].get("country") != top[1].get("country")


def test_an_artist_unknown_to_musicbrainz_is_404_by_mbid_and_not_an_exact_name_hit(sim, mb):
    cat, known = sim.catalogue, sim.musicbrainz.by_lastfm
    aid = next(a for a, mbid in enumerate(cat.artist_mbid) if mbid in sim.musicbrainz.unknown)
    response = mb.get(f"artist/{cat.artist_mbid[aid]}")
    assert (response.status_code, response.json()) == (404, {"help": HELP, "error": "Not Found"})
    gone = next(a for a in range(len(cat.artist_name)) if a not in known and not cat.artist_mbid[a])
    hits = mb.get("artist", query=f'artist:"{cat.artist_name[gone]}"').json()["artists"]
    assert all(h["score"] < 100 for h in hits)


def test_a_merged_mbid_answers_the_target_entity(sim, mb):
    old, target = next(iter(sim.musicbrainz.redirects.items()))
    response = mb.get(f"artist/{old}", inc="genres")
    assert response.status_code == 200
    assert response.json()["id"] == target != old
    browse = mb.get("release-group", artist=old).json()
    assert browse["release-group-count"] == len(sim.musicbrainz.artists[target].release_groups)


def test_lastfm_artist_mbids_name_the_same_artist_in_musicbrainz(sim):
    mbdb = sim.musicbrainz
    for aid, mbid in enumerate(sim.catalogue.artist_mbid):
        if mbid and mbid not in mbdb.unknown:
            assert mbdb.resolve(mbid).name == sim.catalogue.artist_name[aid]


def test_release_group_browse_and_lookup_have_the_recorded_shapes(sim, mb):
    artist = pick(sim, release_groups=lambda r: len(r) >= 2)
    browse = mb.get("release-group", artist=artist.mbid, limit=100).json()
    assert browse["release-group-count"] == len(artist.release_groups)
    assert_same_shape(browse, fixture("release-group.browse.by-artist.2026.trimmed.json"))
    rg = mb.get(f"release-group/{artist.release_groups[0]}").json()
    assert_same_shape(rg, fixture("release-group.lookup.no-inc.2026.json"))
    assert rg["primary-type"] in ("Album", "EP", "Single")
    assert rg["first-release-date"] == "" or rg["first-release-date"][:4].isdigit()


@pytest.mark.parametrize(("path", "params", "message"), [
    ("artist/not-a-uuid", {}, "Invalid mbid."),
    ("artist/00000000-0000-0000-0000-000000000000", {}, "Invalid mbid."),
    ("artist", {}, "The given parameters do not match any available query type for the artist resource."),
    ("release-group", {}, "The given parameters do not match any available query type for the "
                          "release-group resource."),
])
def test_malformed_requests_answer_400_with_the_mb_error_body(mb, path, params, message):
    response = mb.get(path, **params)
    assert (response.status_code, response.json()) == (400, {"error": message, "help": HELP})


def test_an_unknown_inc_is_400_naming_it(sim, mb):
    response = mb.get(f"artist/{next(iter(sim.musicbrainz.artists))}", inc="genres+bogus-thing")
    assert response.status_code == 400
    assert response.json()["error"] == "bogus-thing is not a valid inc parameter for the artist resource."


def test_past_the_rate_limit_the_answer_is_503_with_mbs_body(serve):
    sim, api = serve(mb_rate_limit=1.0, mb_burst=2)
    mbid = next(iter(sim.musicbrainz.artists))
    client = MB(api.client, api.server.mb_url)
    statuses = [client.get(f"artist/{mbid}").status_code for _ in range(4)]
    assert statuses == [200, 200, 503, 503]
    body = client.get(f"artist/{mbid}").json()
    assert body["help"] == HELP and "exceeding the allowable rate limit" in body["error"]
    time.sleep(1.1)
    assert client.get(f"artist/{mbid}").status_code == 200
    assert sim.stats["mb_rate_limited"] == 3
    assert api.call(method="user.getInfo", user="ann").status_code == 200   # last.fm's own limit is apart


@pytest.mark.parametrize(("kind", "status"), [("mb503", 503), ("html502", 502)])
def test_injected_faults_answer_like_the_service_failing(serve, kind, status):
    sim, api = serve(mb_rate_limit=0, mb_fault_rate=1.0, mb_fault_kinds=(kind,))
    response = MB(api.client, api.server.mb_url).get(f"artist/{next(iter(sim.musicbrainz.artists))}")
    assert response.status_code == status
    assert sim.stats[f"mb_fault:{kind}"] == 1


def test_dropped_connection_fault_hangs_up(serve):
    sim, api = serve(mb_rate_limit=0, mb_fault_rate=1.0, mb_fault_kinds=("dropped",))
    with pytest.raises(httpx.TransportError):
        MB(api.client, api.server.mb_url).get(f"artist/{next(iter(sim.musicbrainz.artists))}")


def test_request_log_names_each_mb_request_and_keeps_the_user_agent(serve):
    sim, api = serve(mb_rate_limit=0)
    client, mbid = MB(api.client, api.server.mb_url), next(iter(sim.musicbrainz.artists))
    client.get(f"artist/{mbid}", inc="genres")
    client.get("artist", query=f"arid:({mbid})")
    client.get("release-group", artist=mbid)
    log = [e for e in sim.request_log() if e.method.startswith("mb.")]
    assert [e.method for e in log] == ["mb.artist.lookup", "mb.artist.search", "mb.release-group.browse"]
    assert log[0].params["path"] == f"/ws/2/artist/{mbid}" and log[0].params["inc"] == "genres"
    assert all(e.params["user-agent"].startswith("scrobble-insights-tests/") for e in log)
    assert log[0].at <= log[1].at <= log[2].at


def test_the_musicbrainz_catalogue_is_deterministic_and_has_every_case():
    one, two = (Simulator(SimulatorConfig(seed=11, users=["ann"], years=0.02, now=1767225600)).musicbrainz
                for _ in range(2))
    assert list(one.artists) == list(two.artists) and one.redirects == two.redirects
    assert one.redirects and one.unknown and one.ambiguous
    kinds = {a.kind for a in one.artists.values()}
    assert {"Person", "Group"} <= kinds
    assert all(a.gender is None for a in one.artists.values() if a.kind != "Person")


def test_arid_terms_joined_by_or_work_like_a_group(sim, mb):
    ids = list(sim.musicbrainz.artists)[:3]
    body = mb.get("artist", query=" OR ".join(f"arid:{i}" for i in ids)).json()
    assert [a["id"] for a in body["artists"]] == ids


def test_a_name_with_lucene_escapes_is_found(sim, mb):
    artist = pick(sim, name=lambda n: n.casefold() not in sim.musicbrainz.ambiguous)
    special = "".join("\\" + c if c in '+-&|!(){}[]^"~*?:\\/' else c for c in artist.name)
    hits = mb.get("artist", query=f'artist:"{special}"').json()["artists"]
    assert (hits[0]["id"], hits[0]["score"]) == (artist.mbid, 100)


def test_release_group_browse_filters_by_type_and_lookup_takes_incs(sim, mb):
    artist = pick(sim, release_groups=lambda r: len({sim.musicbrainz.release_groups[g].primary_type
                                                      for g in r}) >= 2)
    kinds = [sim.musicbrainz.release_groups[g].primary_type for g in artist.release_groups]
    albums = mb.get("release-group", artist=artist.mbid, type="album|ep").json()
    assert albums["release-group-count"] == sum(k in ("Album", "EP") for k in kinds)
    assert {g["primary-type"] for g in albums["release-groups"]} <= {"Album", "EP"}
    rg = mb.get(f"release-group/{artist.release_groups[0]}", inc="artist-credits+genres+tags").json()
    assert rg["artist-credit"][0]["artist"]["id"] == artist.mbid
    assert {"genres", "tags"} <= set(rg)


RG_HIT_KEYS = {"id", "type-id", "score", "primary-type-id", "artist-credit-id", "count", "title",
               "first-release-date", "primary-type", "artist-credit", "releases"}


def test_lastfm_album_mbids_are_release_mbids_of_a_release_group_not_its_own_id(sim):
    cat, mb = sim.catalogue, sim.musicbrainz
    sent = {a: m for a, m in enumerate(cat.album_mbid) if m and a in mb.by_lastfm_album}
    assert sent and not set(sent.values()) & set(mb.release_groups)
    for album, release in sent.items():
        if release not in mb.unknown_releases:
            group = mb.release_groups[mb.release_of[release]]
            assert group.mbid == mb.by_lastfm_album[album] and release in {r.mbid for r in group.releases}
    assert any(len(g.releases) > 1 for g in mb.release_groups.values())
    assert mb.unknown_releases and not mb.unknown_releases & set(mb.release_of)


def test_reid_or_query_answers_the_release_groups_holding_the_releases(sim, mb):
    groups = [g for g in sim.musicbrainz.release_groups.values() if len(g.releases) > 1][:40]
    releases = [r.mbid for g in groups for r in g.releases]           # several releases per group: each group once
    unknown = next(iter(sim.musicbrainz.unknown_releases))
    body = mb.get("release-group", query="reid:(" + " OR ".join(releases + [unknown]) + ")", limit=100).json()
    assert set(body) == {"created", "count", "offset", "release-groups"}
    assert body["count"] == len(groups) and [h["id"] for h in body["release-groups"]] == [g.mbid for g in groups]
    for hit, group in zip(body["release-groups"], groups):
        assert RG_HIT_KEYS <= set(hit) <= RG_HIT_KEYS | {"tags"} and hit["score"] == 100
        assert hit["count"] == len(group.releases) == len(hit["releases"])
        assert [set(r) for r in hit["releases"]] == [{"id", "status-id", "title", "status"}] * len(group.releases)
        assert hit["first-release-date"] == group.first_release_date and hit["title"] == group.title
        assert hit["artist-credit"][0]["artist"]["id"] == group.artist


def test_some_titles_differ_in_case_or_punctuation_and_some_albums_have_a_same_title_single(sim):
    from scrobble_insights.musicbrainz.match import normalise

    cat, mb = sim.catalogue, sim.musicbrainz
    groups = {album: mb.release_groups[rg] for album, rg in mb.by_lastfm_album.items()}
    differ = [a for a, g in groups.items() if g.title != cat.album_name[a]]
    assert differ and all(normalise(groups[a].title) == normalise(cat.album_name[a]) for a in differ)
    singles = [g for g in mb.release_groups.values() if g.lastfm_album < 0]
    assert singles and all(g.primary_type == "Single" for g in singles)
    for single in singles:
        artist = mb.artists[single.artist]
        same = [r for r in artist.release_groups if normalise(mb.release_groups[r].title) == normalise(single.title)]
        assert len(same) >= 2
