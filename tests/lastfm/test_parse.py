"""The parser against real recorded last.fm bodies (tests/fixtures, see SOURCES.md) and bad bodies."""

import json
from pathlib import Path

import pytest

from scrobble_insights.errors import PermanentLastfmError, RateLimitedError, TransientLastfmError
from scrobble_insights.lastfm.parse import (
    decode_body,
    parse_recent_tracks,
    parse_top_tags,
    parse_user_info,
    scrobble_record,
)

FIXTURES = Path(__file__).parents[1] / "fixtures"


def load(name: str) -> dict:
    return decode_body((FIXTURES / name).read_text(encoding="utf-8"), status=200, method="test")


# (fixture, user, page, perPage, totalPages, total, dated tracks, has now-playing, first uts)
RECENT = [
    ("user.getrecenttracks.page1-limit200.2026.trimmed.json", "IvanMalison", 1, 200, 927, 185212, 5, False, 1776024459),
    ("user.getrecenttracks.nowplaying-limit2.2023.json", "Duhnnie", 1, 2, 30, 60, 2, True, 1697381465),
    ("user.getrecenttracks.extended-nowplaying-loved.2023.json", "Duhnnie", 1, 2, 100, 200, 2, True, 1697382918),
    ("user.getrecenttracks.extended-daywindow-with-nowplaying.2023.trimmed.json", "a_lastfm_user", 1, 200, 1, 105,
     4, True, 1672617223),
    ("user.getrecenttracks.single-object-not-list.2014.json", "RJ", 0, 1, 76536, 76536, 1, False, 1419070612),
    ("user.getrecenttracks.legacy-image-hosts-empty-images.2014.trimmed.json", "RJ", 0, 20, 3827, 76526, 9, False,
     1419006075),
    ("user.getrecenttracks.empty-legacy.2014.json", "RT", 0, 20, 0, 0, 0, False, None),
]


@pytest.mark.parametrize("name,user,page,per_page,total_pages,total,count,nowplaying,first_uts", RECENT)
def test_recent_tracks_fixture_parses_to_expected_page(name, user, page, per_page, total_pages, total, count,
                                                       nowplaying, first_uts):
    parsed = parse_recent_tracks(load(name))
    assert (parsed.user, parsed.page, parsed.per_page, parsed.total_pages, parsed.total) == (
        user, page, per_page, total_pages, total)
    assert len(parsed.tracks) == count
    assert (parsed.nowplaying is not None) == nowplaying
    records = [scrobble_record(t) for t in parsed.tracks]
    assert (records[0]["played_at_uts"] if records else None) == first_uts
    uts = [r["played_at_uts"] for r in records]
    assert uts == sorted(uts, reverse=True), "newest first"
    assert all(r["artist_name"] and r["track_name"] for r in records)


def test_plain_track_record_has_every_field():
    parsed = parse_recent_tracks(load("user.getrecenttracks.page1-limit200.2026.trimmed.json"))
    assert scrobble_record(parsed.tracks[0]) == {
        "played_at_uts": 1776024459,
        "artist_name": "Screaming Headless Torsos",
        "artist_mbid": "d11c9778-a998-4349-8633-101502e82382",
        "track_name": "Just for Now",
        "track_mbid": "2d938d93-b2c1-3d2e-af81-5fdc804c3e11",
        "album_name": "Live!!",
        "album_mbid": "4320d8d4-9282-4fe3-8f2f-09775ceb4a77",
        "track_url": "https://www.last.fm/music/Screaming+Headless+Torsos/_/Just+for+Now",
        "loved": None,
    }


def test_extended_track_takes_artist_name_and_loved():
    parsed = parse_recent_tracks(load("user.getrecenttracks.extended-nowplaying-loved.2023.json"))
    record = scrobble_record(parsed.tracks[0])
    assert (record["artist_name"], record["artist_mbid"], record["loved"]) == ("Nine Inch Nails", "", True)
    assert parsed.nowplaying is not None and "date" not in parsed.nowplaying


def test_one_item_object_and_numbers_as_numbers_parse():
    body = {"recenttracks": {"@attr": {"user": "x", "page": 1, "perPage": 200, "totalPages": 1, "total": 1},
                             "track": {"artist": {"mbid": "", "#text": "A"}, "name": "T", "mbid": "",
                                       "album": {"mbid": "", "#text": ""}, "url": "",
                                       "date": {"uts": 1600000000, "#text": "13 Sep 2020, 12:26"}}}}
    parsed = parse_recent_tracks(body)
    assert parsed.total == 1 and parsed.nowplaying is None
    assert scrobble_record(parsed.tracks[0])["played_at_uts"] == 1600000000


def test_now_playing_only_object_counts_nothing():
    body = {"recenttracks": {"@attr": {"page": "1", "total": "0", "user": "NBooN", "perPage": "200",
                                       "totalPages": "0"},
                             "track": {"artist": {"mbid": "", "#text": "The Coup"}, "@attr": {"nowplaying": "true"},
                                       "mbid": "", "album": {"mbid": "", "#text": "P"}, "streamable": "0",
                                       "url": "", "name": "My Favorite Mutiny"}}}
    parsed = parse_recent_tracks(body)
    assert parsed.tracks == [] and parsed.total == 0 and parsed.nowplaying["name"] == "My Favorite Mutiny"


@pytest.mark.parametrize("name,artist,tags", [
    ("artist.gettoptags.counts-as-strings.2015.json", "Cristobal Tapia de Veer",
     [("electronic", 100), ("experimental", 100), ("Bandcamp", 100), ("ambient", 50)]),
    ("artist.gettoptags.single-tag-object-legacy.json", "Cristobal Tapia de Veer", [("electronic", 100)]),
    ("artist.gettoptags.no-tags-legacy.2014.json", "Jamie Ryan", []),
])
def test_top_tags_fixture_parses(name, artist, tags):
    parsed = parse_top_tags(load(name))
    assert parsed.artist == artist
    assert parsed.tags[:4] == tags


def test_top_tags_empty_list_parses():
    assert parse_top_tags({"toptags": {"tag": [], "@attr": {"artist": "X"}}}).tags == []


@pytest.mark.parametrize("name,expected", [
    ("user.getinfo.2020.json", ("ybsc", 88865, 1200017507)),
    ("user.getinfo.numeric-fields.2018.json", ("RJ", 128549, 1037793040)),
])
def test_user_info_fixture_parses_strings_and_numbers(name, expected):
    info = parse_user_info(load(name))
    assert (info.name, info.playcount, info.registered_uts) == expected


@pytest.mark.parametrize("name,code", [
    ("error.10.invalid-api-key.2023.json", 10),
    ("error.6.user-not-found.legacy.2014.json", 6),
])
def test_error_fixture_raises_permanent_error_with_code(name, code):
    with pytest.raises(PermanentLastfmError) as caught:
        load(name)
    assert caught.value.code == code
    assert "\n" not in str(caught.value)


def test_rate_limit_and_backend_errors_are_transient():
    with pytest.raises(RateLimitedError):
        decode_body('{"message":"Rate Limit Exceeded","error":29}', status=429, method="m")
    for code in (8, 11, 16):
        with pytest.raises(TransientLastfmError) as caught:
            decode_body(json.dumps({"error": code, "message": "x"}), status=503, method="m")
        assert not isinstance(caught.value, PermanentLastfmError)


@pytest.mark.parametrize("text", [
    '{"recenttracks": {"track": [{"name": "cut',                     # truncated body
    "<html><head><title>500 Internal Server Error</title></head></html>",  # openresty error page
    "",                                                                # empty body
    "[1, 2, 3]",                                                       # JSON, but not an object
])
def test_malformed_body_gives_clear_transient_error(text):
    with pytest.raises(TransientLastfmError) as caught:
        decode_body(text, status=500 if "html" in text else 200, method="user.getRecentTracks")
    message = str(caught.value)
    assert message.startswith("user.getRecentTracks: last.fm sent") and "\n" not in message


def test_body_without_expected_root_or_date_is_a_clear_error():
    with pytest.raises(TransientLastfmError, match="no 'recenttracks'"):
        parse_recent_tracks({"something": {}})
    with pytest.raises(TransientLastfmError, match="no date.uts"):
        scrobble_record({"name": "x", "artist": {"#text": "a"}, "date": {"#text": "no uts"}})
    with pytest.raises(TransientLastfmError, match="expected a number"):
        parse_recent_tracks({"recenttracks": {"@attr": {"total": "many"}, "track": []}})
