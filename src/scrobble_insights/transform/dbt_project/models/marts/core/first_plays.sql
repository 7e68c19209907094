-- First plays: one row per scrobble that is a user's first play ever of its artist or of its track
-- (ties in time go to the lower scrobble_id). Readers left join it on scrobble_id; a scrobble not
-- here is neither. A table rebuilt from the whole fact on every run: a late scrobble can take "first"
-- away from a play on another day, and DuckDB windows a million rows in about a second.

with ranked as (
    select
        scrobble_id,
        user_key,
        user_name,
        artist_key,
        track_key,
        date_key,
        local_date,
        played_at_uts,
        row_number() over (
            partition by user_name, artist_key order by played_at_uts, scrobble_id) = 1 as is_artist_discovery,
        row_number() over (
            partition by user_name, track_key order by played_at_uts, scrobble_id) = 1 as is_track_discovery
    from {{ ref('fact_scrobbles') }}
)

select *
from ranked
where is_artist_discovery or is_track_discovery
