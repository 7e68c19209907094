"""A faithful, deterministic simulator of the last.fm web API (read methods we use).

Serves `user.getRecentTracks`, `artist.getTopTags` and `user.getInfo` on 127.0.0.1 with
the shapes, quirks, errors, rate limit and failures documented in the recorded samples,
over a synthetic listening history built from a seed.

    from scrobble_insights.simulator import Simulator, SimulatorConfig, UserSpec

    sim = Simulator(SimulatorConfig(seed=7, users=[UserSpec("alice")], now=1767225600))
    with sim.serve() as server:          # server.url == "http://127.0.0.1:PORT/2.0/"
        ...                              # GET server.url?method=user.getRecentTracks&...
    sim.truth("alice")                   # what a perfect extraction must reproduce

MusicBrainz ws/2 (JSON) is served beside it under `/ws/2/` (`server.mb_url`): artist lookup with
`inc=genres+tags+aliases`, artist search (`arid:(a OR b …)` and scored name queries), release-group
lookup and browse, MB's 400/404/503 bodies, merged and unknown MBIDs and namesakes, over a MusicBrainz
catalogue derived from the last.fm one (`Simulator.musicbrainz`); its own per-client rate limit
(`mb_rate_limit`, default 1/s, burst `mb_burst`) and faults (`mb_fault_rate`). See
docs/musicbrainz-api-notes.md for the sources and the choices where the real service is unknown.

Modules: `catalogue` (artists, albums, tracks, tags) with `words` (name lists),
`history` (the synthetic listener and stored scrobbles), `methods` (API methods and
last.fm-shaped bodies), `faults` (rate limiter and fault injection), `server` (HTTP and
/_sim/ control endpoints), `core` (`Simulator` and `SimulatorConfig`), `mb_catalogue` and
`musicbrainz` (the MusicBrainz database and its ws/2 answers).

Choices where the real API is unknown or where the simulator differs on purpose:
* pages past the last one: an empty `track` list with the requested page echoed;
* the now-playing item is put on page 1 only;
* `numbers_as_numbers=True` sends `@attr` numbers, getInfo `playcount` and
  `registered.unixtime` as JSON numbers (2018-era); tag counts stay numbers unless
  `tag_counts_as_strings=True` (2014/2015-era);
* artist.getTopTags with autocorrect=0 echoes the artist name as sent in `@attr.artist`;
  with autocorrect=1 (or a lookup by mbid) it carries the canonical name;
* page/limit/from/to errors answer HTTP 400; a non-numeric `from`/`to` gets error 6 with
  a made-up message;
* the rate limit is a 1-second token bucket (stricter than last.fm's 5-minute average).
* every API request is logged on arrival (`Simulator.request_log()`: monotonic time, method,
  parameters without the api_key; the newest 200,000), to measure the rate from the first
  request to the last;
* the `to` bound of user.getRecentTracks is exclusive; `inclusive_to=True` makes it inclusive
  (last.fm documents neither).
"""

from scrobble_insights.simulator.core import LoggedRequest, Simulator, SimulatorConfig
from scrobble_insights.simulator.faults import FAULT_KINDS
from scrobble_insights.simulator.history import Scrobble, UserSpec
from scrobble_insights.simulator.server import RunningServer

__all__ = ["FAULT_KINDS", "LoggedRequest", "RunningServer", "Scrobble", "Simulator", "SimulatorConfig", "UserSpec"]
