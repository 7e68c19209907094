-- Plays per spelling as scrobbled: one row per artist, track and album name with the MusicBrainz ids
-- last.fm gave with them, over every user and the whole history, with the first and last play. The
-- one scan of all scrobbles that the artist resolution (int_artist_names_resolved) and the track and
-- album dimensions aggregate further: each of the three read every scrobble before (three scans of
-- the history per build, the costliest part of a daily build at 10 M scrobbles after the fact).
select
    artist_name,
    artist_mbid,
    track_name,
    track_mbid,
    album_name,
    album_mbid,
    count(*) as plays,
    min(played_at_utc) as first_played_at_utc,
    max(played_at_utc) as last_played_at_utc
from {{ ref('stg_lastfm__scrobbles') }}
group by artist_name, artist_mbid, track_name, track_mbid, album_name, album_mbid
