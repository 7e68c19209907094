-- Top artists, albums and tracks per user and year (top 100 of each), with rank and the change
-- against the year before. Plays without an album are no album: they are left out of the album list
-- (mart_track_plays.has_album tells their share). An entry is new only when there was a year before
-- to be new against: in a user's first year, or after a year without plays, is_new_entry is null.
-- The ranks come from int_yearly_plays_ranked (incremental per user tail of years); the names are
-- joined here, on every build, since an artist's displayed name can change on any day.
with names as (
    select artist_key as entity_key, artist_name as entity_name, artist_name from {{ ref('dim_artist') }}
    union all
    select album_key, album_name, artist_name from {{ ref('dim_album') }}
    union all
    select track_key, track_name, artist_name from {{ ref('dim_track') }}
)

select
    r.user_key,
    u.user_name,
    r.year,
    r.entity_type,
    r.entity_key,
    n.entity_name,
    n.artist_name,
    r.plays,
    r.rank_in_year,
    r.previous_rank,
    r.previous_rank - r.rank_in_year as rank_change,
    r.previous_plays,
    r.plays - r.previous_plays as plays_change,
    r.is_new_entry
from {{ ref('int_yearly_plays_ranked') }} as r
inner join {{ ref('dim_user') }} as u on u.user_key = r.user_key
inner join names as n on n.entity_key = r.entity_key
