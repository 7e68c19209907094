-- Top artists, albums and tracks per user and year (top 100 of each), with rank and the change
-- against the year before. Plays without an album are no album: they are left out of the album list
-- (mart_track_plays.has_album tells their share). An entry is new only when there was a year before
-- to be new against: in a user's first year, or after a year without plays, is_new_entry is null.
with plays as (
    select user_key, year, 'artist' as entity_type, artist_key as entity_key, cast(sum(plays) as {{ dbt.type_bigint() }}) as plays
    from {{ ref('fact_artist_plays_monthly') }}
    group by user_key, year, artist_key
    union all
    select f.user_key, d.year, 'album', f.album_key, count(*)
    from {{ ref('fact_scrobbles') }} as f inner join {{ ref('dim_date') }} as d on d.date_key = f.date_key
    inner join {{ ref('dim_album') }} as al on al.album_key = f.album_key
    where not al.is_unknown
    group by f.user_key, d.year, f.album_key
    union all
    select f.user_key, d.year, 'track', f.track_key, count(*)
    from {{ ref('fact_scrobbles') }} as f inner join {{ ref('dim_date') }} as d on d.date_key = f.date_key
    group by f.user_key, d.year, f.track_key
),

years_played as (
    select distinct user_key, year from plays where entity_type = 'artist'
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
    case when played_before.year is not null then prev.entity_key is null end as is_new_entry
from ranked as r
inner join {{ ref('dim_user') }} as u on u.user_key = r.user_key
inner join names as n on n.entity_key = r.entity_key
left join ranked as prev
    on prev.user_key = r.user_key and prev.entity_type = r.entity_type
    and prev.entity_key = r.entity_key and prev.year = r.year - 1
left join years_played as played_before on played_before.user_key = r.user_key and played_before.year = r.year - 1
where r.rank_in_year <= 100
