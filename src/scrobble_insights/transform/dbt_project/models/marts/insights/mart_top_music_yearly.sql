-- Top artists, albums and tracks per user and year (top 100 of each), with rank and the change
-- against the year before.
with plays as (
    select f.user_key, d.year, 'artist' as entity_type, f.artist_key as entity_key, count(*) as plays
    from {{ ref('fact_scrobbles') }} as f inner join {{ ref('dim_date') }} as d on d.date_key = f.date_key
    group by f.user_key, d.year, f.artist_key
    union all
    select f.user_key, d.year, 'album', f.album_key, count(*)
    from {{ ref('fact_scrobbles') }} as f inner join {{ ref('dim_date') }} as d on d.date_key = f.date_key
    group by f.user_key, d.year, f.album_key
    union all
    select f.user_key, d.year, 'track', f.track_key, count(*)
    from {{ ref('fact_scrobbles') }} as f inner join {{ ref('dim_date') }} as d on d.date_key = f.date_key
    group by f.user_key, d.year, f.track_key
),

ranked as (
    select *,
        rank() over (partition by user_key, year, entity_type order by plays desc) as rank_in_year
    from plays
),

names as (
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
    prev.rank_in_year as previous_rank,
    prev.rank_in_year - r.rank_in_year as rank_change,
    coalesce(prev.plays, 0) as previous_plays,
    r.plays - coalesce(prev.plays, 0) as plays_change,
    prev.entity_key is null as is_new_entry
from ranked as r
inner join {{ ref('dim_user') }} as u on u.user_key = r.user_key
inner join names as n on n.entity_key = r.entity_key
left join ranked as prev
    on prev.user_key = r.user_key and prev.entity_type = r.entity_type
    and prev.entity_key = r.entity_key and prev.year = r.year - 1
where r.rank_in_year <= 100
