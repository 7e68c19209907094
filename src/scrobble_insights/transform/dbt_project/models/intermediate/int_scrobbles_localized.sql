-- Each scrobble with the time zone in force for its user at that instant, and its local wall time.
-- A user who moved has several zone periods; DST comes from the IANA zone rules.
select
    s.scrobble_id,
    s.user_name,
    s.played_at_uts,
    s.played_at_utc,
    s.utc_date,
    s.artist_name,
    s.artist_mbid,
    s.track_name,
    s.track_mbid,
    s.album_name,
    s.album_mbid,
    s.loaded_at,
    z.timezone,
    {{ to_local_timestamp('s.played_at_utc', 'z.timezone') }} as played_at_local
from {{ ref('stg_lastfm__scrobbles') }} as s
inner join {{ ref('stg_reference__user_timezones') }} as z
    on z.user_name = s.user_name
    and s.played_at_uts >= z.valid_from_uts
    and s.played_at_uts < z.valid_to_uts
