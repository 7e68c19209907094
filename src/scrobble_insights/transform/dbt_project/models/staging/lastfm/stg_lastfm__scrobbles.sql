-- One row per scrobble: renamed and typed, empty MusicBrainz ids made null.
select
    scrobble_id,
    user_name,
    played_at_uts,
    {{ from_unix_seconds('played_at_uts') }} as played_at_utc,
    played_date as utc_date,
    artist_name,
    nullif(artist_mbid, '') as artist_mbid,
    track_name,
    nullif(track_mbid, '') as track_mbid,
    nullif(album_name, '') as album_name,
    nullif(album_mbid, '') as album_mbid,
    loved as is_loved,
    fetched_at,
    loaded_at
from {{ source('lastfm', 'scrobbles') }}
