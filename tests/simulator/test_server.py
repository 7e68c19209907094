"""The simulated last.fm API over real HTTP on 127.0.0.1, checked against recorded bodies."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import httpx
import pytest

from scrobble_insights.simulator import Simulator, SimulatorConfig, UserSpec

NOW = 1767225600
DAY = 86400
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
GETINFO_2023_KEYS = ["name", "age", "subscriber", "realname", "bootstrap", "playcount",
                     "artist_count", "playlists", "track_count", "album_count", "image",
                     "registered", "country", "gender", "url", "type"]
IMAGE_URL = re.compile(r"^https://lastfm\.freetls\.fastly\.net/i/u/(34s|64s|174s|300x300)/"
                       r"[0-9a-f]{32}\.(jpg|png)$")


def fixture(name: str):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def shape(obj, sort_keys: bool = False):
    """Keys (in order), JSON types and list element shapes, recursively."""
    if isinstance(obj, dict):
        items = sorted(obj.items()) if sort_keys else obj.items()
        return [(k, shape(v, sort_keys)) for k, v in items]
    if isinstance(obj, list):
        return ("list", sorted({json.dumps(shape(x, sort_keys)) for x in obj}))
    return type(obj).__name__


def as_list(track) -> list:
    return track if isinstance(track, list) else [track]


@pytest.fixture(scope="module")
def sim() -> Simulator:
    users = [UserSpec("Alice"), UserSpec("quiet", nowplaying=False),
             UserSpec("secret", private=True),
             UserSpec("newbie", scrobbles_per_day=0, nowplaying=False)]
    return Simulator(SimulatorConfig(seed=7, users=users, years=0.5, now=NOW, rate_limit=0))


@pytest.fixture(scope="module")
def api(sim, serve_module):
    return serve_module(sim)[1]


def test_server_url_points_at_the_api_root(api):
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/2\.0/", api.server.url)
    assert api.server.port > 0 and api.server.host == "127.0.0.1"


def test_recent_page_has_the_2026_shape_field_for_field(api):
    body = api.call(method="user.getrecenttracks", user="quiet", limit=5).json()
    assert shape(body) == shape(fixture("user.getrecenttracks.page1-limit200.2026.trimmed.json"))
    for item in body["recenttracks"]["track"]:
        assert [i["size"] for i in item["image"]] == ["small", "medium", "large", "extralarge"]
        assert all(IMAGE_URL.match(i["#text"]) for i in item["image"])
        assert item["streamable"] == "0"
        assert re.fullmatch(r"\d\d [A-Z][a-z]{2} \d{4}, \d\d:\d\d", item["date"]["#text"])
        assert item["url"].startswith("https://www.last.fm/music/")


def test_recent_body_escapes_slashes_like_the_real_api(api):
    response = api.call(method="user.getRecentTracks", user="Alice", limit=3)
    assert response.headers["content-type"] == "application/json"
    assert "https:\\/\\/www.last.fm\\/music\\/" in response.text
    assert "https://" not in response.text


def test_extended_page_has_the_2023_extended_shape(api):
    body = api.call(method="user.getRecentTracks", user="Alice", limit=2, extended=1).json()
    assert shape(body) == shape(fixture("user.getrecenttracks.extended-nowplaying-loved.2023.json"))
    day_window = fixture("user.getrecenttracks.extended-daywindow-with-nowplaying.2023.trimmed.json")
    assert shape(body, sort_keys=True) == shape(day_window, sort_keys=True)
    for item in body["recenttracks"]["track"]:
        assert item["artist"]["mbid"] == "" and item["loved"] in ("0", "1")


def test_now_playing_item_has_the_recorded_shape(api):
    ours = api.recent(user="Alice", limit=2)["track"]
    theirs = fixture("user.getrecenttracks.nowplaying-limit2.2023.json")["recenttracks"]["track"]
    assert shape(ours) == shape(theirs)
    assert ours[0]["@attr"] == {"nowplaying": "true"} and "date" not in ours[0]


def test_window_includes_from_and_excludes_to(sim, api):
    truth = sim.truth("quiet")
    start, stop = truth[100].uts, truth[140].uts
    page = api.recent(user="quiet", limit=1000, **{"from": start, "to": stop})
    uts = [int(t["date"]["uts"]) for t in page["track"]]
    assert start in uts and stop not in uts
    assert uts == sorted((s.uts for s in sim.truth("quiet", start, stop)), reverse=True)
    assert page["@attr"]["total"] == str(len(uts))


def test_paging_walks_newest_first_with_now_playing_extra_on_page_one(sim, api):
    start, stop = NOW - 20 * DAY, NOW - 5 * DAY
    expected = sim.truth("Alice", start, stop)
    window = {"from": start, "to": stop}
    first = api.recent(user="alice", limit=50, page=1, **window)
    total = len(expected)
    assert first["@attr"] == {"perPage": "50", "totalPages": str(-(-total // 50)), "page": "1",
                              "user": "Alice", "total": str(total)}
    assert len(first["track"]) == 51 and first["track"][0]["@attr"]["nowplaying"] == "true"
    seen = first["track"][1:]
    for page in range(2, -(-total // 50) + 1):
        tracks = as_list(api.recent(user="Alice", limit=50, page=page, **window)["track"])
        assert all("date" in t for t in tracks)
        seen += tracks
    got = [(int(t["date"]["uts"]), t["artist"]["#text"], t["name"], t["album"]["#text"],
            t["mbid"]) for t in seen]
    assert got == [(s.uts, s.artist, s.track, s.album, s.track_mbid) for s in reversed(expected)]
    past = api.recent(user="Alice", limit=50, page=999, **window)
    assert past["track"] == [] and past["@attr"]["page"] == "999"


def test_full_history_walk_reproduces_the_truth(sim, api):
    truth = sim.truth("quiet")
    seen = []
    for page in range(1, -(-len(truth) // 1000) + 1):
        seen += as_list(api.recent(user="quiet", limit=1000, page=page)["track"])
    assert [(int(t["date"]["uts"]), t["artist"]["#text"], t["artist"]["mbid"], t["name"],
             t["mbid"], t["album"]["#text"], t["album"]["mbid"]) for t in seen] == [
        (s.uts, s.artist, s.artist_mbid, s.track, s.track_mbid, s.album, s.album_mbid)
        for s in reversed(truth)]


def test_single_item_is_collapsed_into_an_object(api):
    one = api.recent(user="quiet", limit=1)
    assert isinstance(one["track"], dict) and "date" in one["track"]
    only_playing = api.recent(user="Alice", **{"from": NOW - 10, "to": NOW - 10})
    assert isinstance(only_playing["track"], dict)
    assert only_playing["@attr"]["total"] == "0" and only_playing["@attr"]["totalPages"] == "0"
    legacy = fixture("user.getrecenttracks.single-object-not-list.2014.json")["recenttracks"]
    assert sorted(one["track"]) == sorted(legacy["track"])


def test_single_item_stays_a_list_without_collapse(serve):
    _, api = serve(collapse_single=False)
    assert isinstance(api.recent(user="ann", limit=1)["track"], list)


def test_empty_history_answers_an_empty_list(api):
    page = api.recent(user="newbie")
    assert page["track"] == []
    assert page["@attr"]["total"] == "0" and page["@attr"]["totalPages"] == "0"


@pytest.mark.parametrize("params, message", [
    ({"page": 0}, "page param out of bounds (1-1000000)"),
    ({"page": 1_000_001}, "page param out of bounds (1-1000000)"),
    ({"limit": 0}, "limit param out of bounds (1-1000)"),
    ({"limit": 1001}, "limit param out of bounds (1-1000)"),
])
def test_out_of_bounds_paging_gives_error_6(api, params, message):
    response = api.call(method="user.getRecentTracks", user="Alice", **params)
    assert response.status_code == 400
    assert response.json() == {"message": message, "error": 6}


def test_missing_user_parameter_gives_error_6(api):
    response = api.call(method="user.getRecentTracks")
    assert response.status_code == 400
    assert response.json() == {"message": "Invalid parameters - Your request is missing the "
                                          "[user] parameter", "error": 6}


def test_unknown_user_gives_404_error_6(api):
    for method in ("user.getRecentTracks", "user.getInfo"):
        response = api.call(method=method, user="nobody-here")
        assert response.status_code == 404
        assert response.text == '{"message":"User not found","error":6}'


def test_private_history_gives_403_error_17_but_profile_works(api):
    response = api.call(method="user.getRecentTracks", user="secret")
    assert response.status_code == 403
    assert response.json() == {"message": "Login: User required to be logged in", "error": 17}
    assert api.call(method="user.getInfo", user="secret").status_code == 200


def test_api_key_errors_10_and_26(serve):
    _, api = serve(api_key="good", suspended_keys=frozenset({"banned"}))
    expected_10 = fixture("error.10.invalid-api-key.2023.json")
    assert api.call(method="user.getInfo", user="ann", api_key="good").status_code == 200
    for key in ("bad", ""):
        response = api.call(method="user.getInfo", user="ann", api_key=key)
        assert response.status_code == 403 and response.json() == expected_10
    missing = api.client.get(api.server.url, params={"method": "user.getInfo", "user": "ann"})
    assert missing.status_code == 403 and missing.json()["error"] == 10
    banned = api.call(method="user.getInfo", user="ann", api_key="banned")
    assert banned.status_code == 403 and banned.json()["error"] == 26


def test_unknown_method_gives_400_error_3(api):
    response = api.call(method="user.getNothing", user="Alice")
    assert response.status_code == 400
    assert response.text == ('{"message":"Invalid Method - No method with that name in this '
                             'package","error":3}')


def test_post_form_and_path_without_slash_work(api):
    response = api.client.post(api.server.url.rstrip("/"), data={
        "method": "USER.GETINFO", "user": "alice", "api_key": "k", "format": "json"})
    assert response.status_code == 200 and response.json()["user"]["name"] == "Alice"


def test_top_tags_match_the_recorded_shape(sim, api):
    artist = sim.truth("Alice")[-1].artist
    response = api.call(method="artist.getTopTags", artist=artist)
    assert response.headers["content-type"] == "application/json; charset=UTF-8"
    body = response.json()
    legacy = fixture("artist.gettoptags.counts-as-strings.2015.json")
    assert [k for k, _ in shape(body)[0][1]] == [k for k, _ in shape(legacy)[0][1]]
    assert body["toptags"]["@attr"] == {"artist": artist}
    tags = as_list(body["toptags"]["tag"])
    assert list(tags[0]) == ["count", "name", "url"]
    assert sorted(tags[0]) == sorted(as_list(legacy["toptags"]["tag"])[0])
    assert [(t["name"], t["count"]) for t in tags] == sim.artist_tags(artist)
    assert all(isinstance(t["count"], int) for t in tags)
    assert tags[0]["url"].startswith("https://www.last.fm/tag/") and "\\/" not in response.text


def test_top_tags_counts_as_strings_in_legacy_mode(serve):
    sim, api = serve(tag_counts_as_strings=True)
    artist = next(a for a in sim.catalogue.artist_name if sim.artist_tags(a))
    legacy = fixture("artist.gettoptags.counts-as-strings.2015.json")["toptags"]["tag"][0]
    tag = as_list(api.call(method="artist.getTopTags", artist=artist).json()["toptags"]["tag"])[0]
    assert {k: type(v) for k, v in tag.items()} == {k: type(v) for k, v in legacy.items()}


def test_unknown_artist_gives_error_6_inside_http_200(api):
    response = api.call(method="artist.getTopTags", artist="zz no such band zz")
    assert response.status_code == 200
    assert response.text == ('{"error":6,"message":"The artist you supplied could not be found",'
                             '"links":[]}')


def test_autocorrect_resolves_case_space_and_the_prefix(sim, api):
    canonical = next(n for n in sim.catalogue.artist_name if n.startswith("The "))
    sloppy = "  " + canonical[4:].upper().replace(" ", "   ") + " "
    fixed = api.call(method="artist.getTopTags", artist=sloppy, autocorrect=1).json()
    assert fixed["toptags"]["@attr"]["artist"] == canonical
    plain = api.call(method="artist.getTopTags", artist=sloppy, autocorrect=0).json()
    assert plain["error"] == 6
    by_case = api.call(method="artist.getTopTags", artist=canonical.lower()).json()
    assert by_case["toptags"]["@attr"]["artist"] == canonical.lower()


def test_top_tags_by_mbid_and_for_untagged_artists(sim, api):
    cat = sim.catalogue
    aid = next(i for i, m in enumerate(cat.artist_mbid) if m)
    by_mbid = api.call(method="artist.getTopTags", mbid=cat.artist_mbid[aid]).json()
    assert by_mbid["toptags"]["@attr"]["artist"] == cat.artist_name[aid]
    untagged = next(n for n, tags in zip(cat.artist_name, cat.artist_tags) if not tags)
    empty = api.call(method="artist.getTopTags", artist=untagged).json()
    assert empty == {"toptags": {"tag": [], "@attr": {"artist": untagged}}}


def test_a_single_tag_is_collapsed_into_an_object(serve):
    sim, api = serve()
    sim.catalogue.artist_tags[0] = [("jazz", 100)]
    body = api.call(method="artist.getTopTags", artist=sim.catalogue.artist_name[0]).json()
    assert body["toptags"]["tag"] == {"count": 100, "name": "jazz",
                                      "url": "https://www.last.fm/tag/jazz"}


def test_user_info_matches_the_recorded_shape_and_the_truth(sim, api):
    response = api.call(method="user.getInfo", user="ALICE")
    user = response.json()["user"]
    assert list(user) == GETINFO_2023_KEYS
    recorded = fixture("user.getinfo.2020.json")["user"]
    assert {k: type(recorded[k]) for k in recorded} == {k: type(user[k]) for k in recorded}
    assert shape(user["registered"]) == shape(recorded["registered"])
    assert user["registered"]["#text"] == int(user["registered"]["unixtime"])
    truth = sim.truth("Alice")
    assert user["playcount"] == str(len(truth))
    assert user["artist_count"] == str(len({s.artist for s in truth}))
    assert user["name"] == "Alice" and "\\/" in response.text


def test_numbers_as_numbers_mode_sends_json_numbers(serve):
    _, api = serve(numbers_as_numbers=True)
    recorded = fixture("user.getinfo.numeric-fields.2018.json")["user"]
    attr = api.recent(user="ann")["@attr"]
    user = api.call(method="user.getInfo", user="ann").json()["user"]
    assert all(isinstance(attr[k], int) for k in ("page", "perPage", "totalPages", "total"))
    assert type(user["playcount"]) is type(recorded["playcount"]) is int
    assert shape(user["registered"]) == shape(recorded["registered"])


def test_late_scrobbles_and_deletions_change_truth_and_pages(serve):
    sim, api = serve(years=0.1)
    total = lambda: int(api.recent(user="ann")["@attr"]["total"])  # noqa: E731
    before = total()
    added = api.control("POST", "late", user="ann", count=6).json()["added"]
    assert total() == before + 6 == len(sim.truth("ann"))
    assert all(NOW - 14 * DAY <= s["uts"] < NOW for s in added)
    newest = as_list(api.recent(user="ann", limit=1000, **{"from": NOW - 14 * DAY})["track"])
    served = {(int(t["date"]["uts"]), t["name"]) for t in newest if "date" in t}
    assert {(s["uts"], s["track"]) for s in added} <= served
    gone = api.control("POST", "delete", user="ann", count=4).json()["deleted"]
    assert total() == before + 2 and len(gone) == 4
    truth = api.control("GET", "truth", user="ann").json()
    first = sim.truth("ann")[0]
    assert len(truth) == before + 2
    assert truth[0] == {f: getattr(first, f) for f in first.__dataclass_fields__}


def test_edits_show_up_in_served_pages(serve):
    sim, api = serve()
    (old, new), = sim.edit_scrobbles("ann", 1)
    window = {"from": new.uts, "to": new.uts + 1}
    names = sorted(t["name"] for t in as_list(api.recent(user="ann", limit=1000, **window)["track"])
                   if "date" in t)
    assert new.track in names and old.track != new.track
    assert names == sorted(s.track for s in sim.truth("ann", new.uts, new.uts + 1))


def test_control_endpoints_check_verbs_and_users(api):
    assert api.control("GET", "late", user="Alice", count=1).status_code == 405
    assert api.control("POST", "late", user="nobody", count=1).status_code == 404
    assert api.control("POST", "late", user="Alice").status_code == 400
    assert api.control("GET", "nothing").status_code == 404


def test_server_answers_while_history_is_mutated(serve):
    sim, api = serve(years=0.1)
    errors: list = []
    reads = 0
    stop = threading.Event()

    def mutate() -> None:
        # At least 30 rounds, and on until the server has answered 20 pages: every page is read mid-mutation.
        rounds = 0
        while (rounds < 30 or reads < 20) and not stop.is_set():
            sim.add_late_scrobbles("ann", 3)
            sim.delete_scrobbles("ann", 2)
            rounds += 1

    worker = threading.Thread(target=mutate)
    worker.start()
    try:
        while worker.is_alive():
            page = api.recent(user="ann", limit=200, page=2)
            if len(as_list(page["track"])) != 200:
                errors.append(page["@attr"])
            reads += 1
    finally:
        stop.set()
        worker.join()
    assert reads >= 20, "the pages should have been read while the history changed"
    assert not errors


def test_close_releases_the_port():
    sim = Simulator(SimulatorConfig(users=["ann"], years=0.02, now=NOW))
    server = sim.serve()
    with httpx.Client() as client:
        assert client.get(server.url, params={"method": "user.getInfo", "user": "ann",
                                              "api_key": "k"}).status_code == 200
    server.close()
    with pytest.raises(httpx.TransportError):
        httpx.get(server.url, timeout=2)


def test_inclusive_to_counts_and_returns_a_play_at_exactly_to(serve):
    sim, api = serve(inclusive_to=True)
    edge = NOW - 2 * DAY
    added = sim.add_scrobble("ann", edge)
    exclusive = len(sim.truth("ann", edge - DAY, edge))
    body = api.recent(user="ann", limit=1000, **{"from": edge - DAY, "to": edge})
    tracks = [t for t in as_list(body["track"]) if "date" in t]
    assert int(body["@attr"]["total"]) == len(tracks) == exclusive + 1
    assert tracks[0]["date"]["uts"] == str(edge) and tracks[0]["name"] == added.track
    assert added in sim.truth("ann", edge, edge + 1)


def test_some_plays_carry_variant_spellings_that_tags_answer_as_last_fm_would(sim, api):
    """Issue 11: a minority of an artist's plays carry another spelling. An untagged variant (accent
    dropped, U+2019 apostrophe) answers as itself without tags; a corrected one (case, 'The ' dropped, a
    transliteration) answers, with autocorrect=1, the canonical name and the canonical tags."""
    cat = sim.catalogue
    truth = sim.truth("Alice") + sim.truth("quiet")
    spellings = {(cat.find_artist(s.artist), s.artist) for s in truth}
    variants = {(aid, name) for aid, name in spellings if name != cat.artist_name[aid]}
    assert variants and {name for _, name in variants} <= {v for vs in cat.artist_variants for v in vs}
    varied = {aid for aid, _ in variants}
    share = sum(1 for s in truth if s.artist != cat.artist_name[cat.find_artist(s.artist)]) / sum(
        1 for s in truth if cat.find_artist(s.artist) in varied)
    assert 0.05 < share < 0.2                                    # a minority of those artists' plays
    assert all(s.artist_mbid == "" for s in truth if s.artist.casefold() in cat.untagged)   # pages of their own
    kinds = {"untagged": 0, "corrected": 0}
    for aid, variant in sorted(variants):
        body = api.call(method="artist.getTopTags", artist=variant, autocorrect=1).json()["toptags"]
        if variant.casefold() in cat.untagged:
            assert body == {"tag": [], "@attr": {"artist": variant}}
            kinds["untagged"] += 1
        else:
            assert body["@attr"]["artist"] == cat.artist_name[aid]
            assert [(t["name"], t["count"]) for t in as_list(body["tag"])] == list(cat.artist_tags[aid])
            kinds["corrected"] += 1
    assert kinds["untagged"] and kinds["corrected"], kinds


def test_variant_spellings_fold_or_are_corrected_to_the_artist():
    from scrobble_insights.simulator.catalogue import spelling_variants

    assert spelling_variants("Sigur Rós") == [("Sigur Ros", True), ("sigur rós", False)]
    assert spelling_variants("Of Monsters and Men") == [("Of Monsters And Men", False)]
    assert spelling_variants("Guns N' Roses") == [("Guns N’ Roses", True), ("guns n' roses", False)]
    assert spelling_variants("Jay-Z") == [("Jay‐Z", True), ("jay-z", False)]
    assert spelling_variants("The Static Tigers") == [("the static tigers", False), ("Static Tigers", False)]
    assert spelling_variants("Мумий Тролль") == [("мумий тролль", False), ("Mumiy Troll", False)]
