-- Plays per user and local day, every day from the user's first play to the last extracted day
-- (days without plays are rows with 0), so "average tracks per day" counts the quiet days too.
with bounds as (
    -- to the last extracted day, or later when a play's local day is after it (zones east of UTC)
    select
        f.user_key,
        min(f.local_date) as first_day,
        greatest(
            max(f.local_date),
            (select max(e.utc_date) from {{ ref('stg_lastfm__extracted_days') }} as e
             where e.user_name = f.user_name)
        ) as last_day
    from {{ ref('fact_scrobbles') }} as f
    group by f.user_key, f.user_name
),

plays as (
    select
        f.user_key,
        f.local_date,
        count(*) as plays,
        count(distinct f.artist_key) as artists,
        count(distinct f.track_key) as tracks,
        sum(case when fp.is_artist_discovery then 1 else 0 end) as new_artists,
        count(distinct s.session_id) as sessions
    from {{ ref('fact_scrobbles') }} as f
    inner join {{ ref('scrobble_sessions') }} as s on s.scrobble_id = f.scrobble_id
    left join {{ ref('first_plays') }} as fp on fp.scrobble_id = f.scrobble_id
    group by f.user_key, f.local_date
)

select
    b.user_key,
    u.user_name,
    d.date_key,
    d.date_day as local_date,
    d.year,
    d.quarter,
    d.month,
    d.iso_week,
    d.weekday,
    d.weekday_name,
    d.is_weekend,
    case when u.hemisphere = 'south' then d.season_south else d.season_north end as season,
    d.season_year,
    coalesce(p.plays, 0) as plays,
    coalesce(p.artists, 0) as artists,
    coalesce(p.tracks, 0) as tracks,
    coalesce(p.new_artists, 0) as new_artists,
    coalesce(p.sessions, 0) as sessions
from bounds as b
inner join {{ ref('dim_user') }} as u on u.user_key = b.user_key
inner join {{ ref('dim_date') }} as d
    on d.date_day >= b.first_day and d.date_day <= b.last_day
left join plays as p on p.user_key = b.user_key and p.local_date = d.date_day
