-- Every mart the serve layer reads adds up to the fact, per user: no play lost, none counted twice.
with fact as (
    select user_key, count(*) as plays from {{ ref('fact_scrobbles') }} group by user_key
),

marts as (
    select 'mart_track_plays' as mart, user_key, sum(plays) as plays
    from {{ ref('mart_track_plays') }} group by user_key
    union all
    select 'mart_hourly_plays', user_key, sum(plays) from {{ ref('mart_hourly_plays') }} group by user_key
    union all
    select 'mart_daily_genre_plays', user_key, sum(plays) from {{ ref('mart_daily_genre_plays') }} group by user_key
    union all
    select 'mart_listening_clock', user_key, sum(plays) from {{ ref('mart_listening_clock') }} group by user_key
    union all
    select 'mart_discovery_monthly', user_key, sum(plays) from {{ ref('mart_discovery_monthly') }} group by user_key
    union all
    select 'mart_sessions', user_key, sum(tracks) from {{ ref('mart_sessions') }} group by user_key
    union all
    select 'mart_genre_share ' || genre_level, user_key, sum(plays)
    from {{ ref('mart_genre_share') }} where period_grain = 'year' group by genre_level, user_key
),

expected as (
    select m.mart, f.user_key, f.plays
    from fact as f
    cross join (select distinct mart from marts) as m
)

select e.mart, e.user_key, e.plays as fact_plays, m.plays as mart_plays
from expected as e
left join marts as m on m.mart = e.mart and m.user_key = e.user_key
where m.plays is null or m.plays != e.plays
