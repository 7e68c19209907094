"""MusicBrainz enrichment as a step of `backfill`, `run`, the demo and the orchestrator.

The step calls `operate.enrich.enrich` after the scrobbles and their tags are loaded; it is on when
SCROBBLE_INSIGHTS_MB_CONTACT is set (MusicBrainz asks every client for a contact) and skipped with
one line otherwise. MusicBrainz at 1 request/s is slow, so when the enrichment would take longer than
`early_answer_s` the scrobbles and tags are modelled and published for readers first and once more
afterwards; otherwise once, after it. A MusicBrainz failure never loses or blocks the last.fm data:
what landed is kept, the failure is recorded for the job to report (exit code, run log, alert), and
the next run resumes where this one stopped.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from scrobble_insights.config import Settings
from scrobble_insights.errors import MusicBrainzError, first_line
from scrobble_insights.load.warehouse import open_warehouse
from scrobble_insights.musicbrainz.match import MATCHED
from scrobble_insights.operate.enrich import EnrichSummary, enrich, is_due

log = logging.getLogger(__name__)

FAILED = "musicbrainz"           # the key of a failed enrichment in a job's failures
SKIPPED = ("MusicBrainz enrichment skipped: SCROBBLE_INSIGHTS_MB_CONTACT is not set; `export "
           "SCROBBLE_INSIGHTS_MB_CONTACT=you@example.org` to add countries, eras and curated genres")
BEFORE = "before musicbrainz"    # the model stage published before a long enrichment


def enrichment_on(settings: Settings) -> bool:
    """Whether jobs enrich: a contact is set. A malformed one is a one-line ConfigError now, before any work."""
    if not settings.mb_contact.strip():
        return False
    settings.mb_user_agent()
    return True


@dataclass
class Pending:
    """What the warehouse knows before a job: the artist keys due (never asked, or older than
    mb_max_age_days), with and without an MBID, and the names of every artist it knows."""

    due_with_mbid: int = 0
    due_by_name: int = 0
    known_names: set[str] = field(default_factory=set)

    def requests(self, new_names: Iterable[str], lookup_top: int) -> int:
        """At most how many requests the enrichment makes: a search per 100 MBIDs, one per name (the
        names not in the warehouse yet count as names), and the genre lookups."""
        names = self.due_by_name + len(set(new_names) - self.known_names)
        due = self.due_with_mbid + names
        return math.ceil(self.due_with_mbid / 100) + names + min(lookup_top, due)


def pending(settings: Settings, users: list[str] | None, now: datetime | None = None) -> Pending:
    """Read the warehouse (before the job's writer starts) for what the enrichment will ask."""
    now = now or datetime.now(timezone.utc)
    stale_before = now - timedelta(days=settings.mb_max_age_days)
    warehouse = open_warehouse(settings)
    try:
        state = warehouse.mb_artist_state(users)
    finally:
        warehouse.close()
    found = Pending()
    for _, name, mbid, _, _, _, fetched, _ in state:
        found.known_names.add(name)
        if is_due(fetched, stale_before):
            if mbid:
                found.due_with_mbid += 1
            else:
                found.due_by_name += 1
    return found


def takes_long(settings: Settings, requests: int) -> bool:
    """Whether `requests` at the MusicBrainz rate take longer than early_answer_s: then the warehouse
    is modelled and published before the enrichment, and again after it."""
    return requests / settings.mb_rate_limit > settings.early_answer_s


def enrich_step(settings: Settings, users: list[str] | None, failures: dict[str, Exception],
                now: datetime | None = None) -> EnrichSummary | None:
    """Enrich the users' artists; a MusicBrainz failure (an outage, 503s past the retries) goes to
    failures[FAILED] and None is returned: what landed before it is loaded, the next run resumes."""
    try:
        summary = enrich(settings, users, now)
    except MusicBrainzError as exc:
        failures[FAILED] = exc
        log.info("MusicBrainz enrichment failed, the scrobbles are loaded: %s", first_line(exc))
        return None
    log.info("MusicBrainz enrichment done", extra={"artists_enriched": summary.enriched,
                                                   "mb_requests": summary.requests})
    return summary


def coverage(settings: Settings, users: list[str] | None) -> float | None:
    """The share of the users' plays whose artist is matched in MusicBrainz (None: no plays)."""
    warehouse = open_warehouse(settings)
    try:
        state = warehouse.mb_artist_state(users)
    finally:
        warehouse.close()
    plays = sum(row[3] for row in state)
    return sum(row[3] for row in state if row[4] in MATCHED) / plays if plays else None


def record_fields(summary: EnrichSummary | None, failures: dict[str, Exception], on: bool) -> dict:
    """The enrichment's fields in a run-log record: enrich ('ok' | 'failed' | 'skipped' | 'not run': the
    model failed first), counts."""
    if not on:
        return {"enrich": "skipped"}
    if FAILED in failures:
        return {"enrich": "failed", "enrich_error": first_line(failures[FAILED])}
    if summary is None:
        return {"enrich": "not run"}
    return {"enrich": "ok", "artists_enriched": summary.enriched, "mb_requests": summary.requests}

