-- The daily mart adds up to the fact, per user (zero-play days add nothing, but no play is lost).
with daily as (
    select user_key, sum(plays) as plays from {{ ref('mart_daily_plays') }} group by user_key
),
fact as (
    select user_key, count(*) as plays from {{ ref('fact_scrobbles') }} group by user_key
)
select f.user_key, f.plays as fact_plays, d.plays as daily_plays
from fact as f
left join daily as d on d.user_key = f.user_key
where d.plays is null or d.plays != f.plays
