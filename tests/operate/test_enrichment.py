"""The enrichment step's own rules (operate/enrichment.py), without HTTP: when it is on, how many requests
it expects (and so whether the warehouse is modelled before it), what a job records and says when it
fails. The step itself, against the simulator, is in tests/e2e/test_enrich_step.py."""

from __future__ import annotations

import pytest

from scrobble_insights.errors import ConfigError, JobFailures, TransientLastfmError, TransientMusicBrainzError
from scrobble_insights.operate.enrich import EnrichSummary
from scrobble_insights.operate.enrichment import FAILED, Pending, enrichment_on, pending, record_fields, takes_long
from scrobble_insights.operate.steps import failures_error


def test_enrichment_is_off_without_a_contact_and_on_with_one(settings_at):
    assert enrichment_on(settings_at()) is False
    assert enrichment_on(settings_at(mb_contact="  ")) is False
    assert enrichment_on(settings_at(mb_contact="me@example.org")) is True


def test_a_contact_with_brackets_is_refused_before_any_work(settings_at):
    with pytest.raises(ConfigError, match="SCROBBLE_INSIGHTS_MB_CONTACT"):
        enrichment_on(settings_at(mb_contact="me (at) example.org"))


def test_expected_requests_batch_mbids_by_100_and_count_new_names_once():
    due = Pending(due_with_mbid=250, due_by_name=10, known_names={"Known", "Also Known"})
    # 3 searches for 250 MBIDs; 10 + 2 new names (one repeated, one known); lookups for the rest, capped.
    assert due.requests(["New", "Newer", "New", "Known"], lookup_top=500) == 3 + 12 + 262
    assert due.requests([], lookup_top=100) == 3 + 10 + 100
    assert Pending().requests([], lookup_top=500) == 0


def test_an_enrichment_takes_long_past_early_answer_s_at_the_musicbrainz_rate(settings_at):
    settings = settings_at(mb_rate_limit=1.0, early_answer_s=30)
    assert not takes_long(settings, 30) and takes_long(settings, 31)
    assert not takes_long(settings_at(mb_rate_limit=200.0, early_answer_s=30), 6000)


def test_pending_of_an_empty_warehouse_is_nothing(settings_at):
    found = pending(settings_at(), ["alice"])
    assert (found.due_with_mbid, found.due_by_name, found.known_names) == (0, 0, set())


def test_the_run_log_says_whether_enrichment_ran_failed_or_was_skipped():
    summary = EnrichSummary(requests=7)
    summary.matches.update({"mbid": 5, "unknown": 1})
    assert record_fields(summary, {}, True) == {"enrich": "ok", "artists_enriched": 6, "mb_requests": 7}
    failed = record_fields(None, {FAILED: TransientMusicBrainzError("MusicBrainz answered HTTP 503\nmore")}, True)
    assert failed == {"enrich": "failed", "enrich_error": "MusicBrainz answered HTTP 503"}
    assert record_fields(None, {}, False) == {"enrich": "skipped"}
    assert record_fields(None, {}, True) == {"enrich": "not run"}          # the model failed before it


def test_a_musicbrainz_failure_is_one_line_saying_the_scrobbles_are_safe():
    error = failures_error({FAILED: TransientMusicBrainzError("artist search: HTTP 503")})
    assert isinstance(error, JobFailures)
    assert str(error) == ("MusicBrainz enrichment failed — musicbrainz: artist search: HTTP 503; the scrobbles were "
                          "loaded and modelled; run again to resume the MusicBrainz enrichment")


def test_failed_tags_and_musicbrainz_are_both_named():
    error = failures_error({"artist tags": TransientLastfmError("error 8"), FAILED: TransientMusicBrainzError("503")})
    assert str(error).startswith("artist tags and MusicBrainz enrichment failed — artist tags: error 8; musicbrainz: 503;")


def test_a_failed_user_still_heads_the_message():
    error = failures_error({"bob": TransientLastfmError("error 8"), FAILED: TransientMusicBrainzError("503")})
    assert str(error).startswith("1 user(s) failed — bob: error 8; musicbrainz: 503;")
