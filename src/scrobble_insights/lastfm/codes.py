"""last.fm API error codes, classified as transient (retry) or permanent (fail at once).

Sources: https://www.last.fm/api/errorcodes and the shared API notes (section 7).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorCode:
    code: int
    name: str
    transient: bool
    hint: str


_CODES = [
    ErrorCode(2, "invalid service", False, "this API endpoint does not exist; check LASTFM_API_URL"),
    ErrorCode(3, "invalid method", False, "check LASTFM_API_URL points at the last.fm 2.0 API"),
    ErrorCode(4, "authentication failed", False, "check LASTFM_API_KEY"),
    ErrorCode(5, "invalid format", False, "this is a bug in scrobble-insights; please report it"),
    ErrorCode(6, "invalid parameters", False, "check the user or artist name"),
    ErrorCode(7, "invalid resource", False, "check the user or artist name"),
    ErrorCode(8, "operation failed", True, "last.fm's backend failed; try again later"),
    ErrorCode(9, "invalid session key", False, "this tool needs no session key; check the configuration"),
    ErrorCode(10, "invalid API key", False,
              "set LASTFM_API_KEY to a valid key (create one at https://www.last.fm/api/account/create)"),
    ErrorCode(11, "service offline", True, "last.fm is offline; try again later"),
    ErrorCode(13, "invalid method signature", False, "check LASTFM_API_KEY"),
    ErrorCode(16, "temporary error", True, "last.fm had a temporary error; try again later"),
    ErrorCode(17, "login required", False,
              "the user hides their recent listening; they must switch off 'Hide recent listening "
              "information' in their last.fm privacy settings"),
    ErrorCode(26, "API key suspended", False, "this API key was suspended by last.fm; request a new key"),
    ErrorCode(29, "rate limit exceeded", True, "lower SCROBBLE_INSIGHTS_RATE_LIMIT (requests per second)"),
]
CODES: dict[int, ErrorCode] = {c.code: c for c in _CODES}


def classify(code: int) -> ErrorCode:
    """The known code, or an unknown one treated as permanent."""
    return CODES.get(code, ErrorCode(code, "unknown error", False, "see https://www.last.fm/api/errorcodes"))
