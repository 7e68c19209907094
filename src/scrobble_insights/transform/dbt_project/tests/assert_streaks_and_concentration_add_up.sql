-- The streak and concentration marts agree with the days and plays they come from, per user:
-- every day with plays is in exactly one run, the runs hold every play, one run is the longest (the
-- yearly longest is never longer), at most one is current, and the yearly concentration sums to the fact.
with daily as (
    select user_key, sum(case when plays > 0 then 1 else 0 end) as days_with_plays, sum(plays) as plays
    from {{ ref('mart_daily_plays') }} group by user_key
),

runs as (
    select
        user_key,
        sum(days) as days,
        sum(plays) as plays,
        sum(case when is_longest then 1 else 0 end) as longest_runs,
        sum(case when is_current then 1 else 0 end) as current_runs,
        max(days) as max_days,
        max(case when is_longest then days end) as longest_days,
        sum(case when days != {{ dbt.datediff('start_date', 'end_date', 'day') }} + 1 then 1 else 0 end) as bad_spans
    from {{ ref('mart_listening_streaks') }} group by user_key
),

yearly as (
    select user_key, max(longest_streak_days) as max_yearly, sum(days_with_plays) as days_with_plays,
           sum(case when longest_streak_days > days_with_plays or days_with_plays > days then 1 else 0 end) as bad_years
    from {{ ref('mart_listening_streaks_yearly') }} group by user_key
),

concentration as (
    select user_key, sum(plays) as plays from {{ ref('mart_artist_concentration_yearly') }} group by user_key
),

fact as (
    select user_key, count(*) as plays from {{ ref('fact_scrobbles') }} group by user_key
)

select f.user_key
from fact as f
left join daily as d on d.user_key = f.user_key
left join runs as r on r.user_key = f.user_key
left join yearly as y on y.user_key = f.user_key
left join concentration as c on c.user_key = f.user_key
where r.days is null or r.days != d.days_with_plays
   or r.plays != f.plays
   or r.longest_runs != 1 or r.current_runs > 1 or r.longest_days != r.max_days or r.bad_spans > 0
   or y.max_yearly > r.max_days or y.days_with_plays != d.days_with_plays or y.bad_years > 0
   or c.plays is null or c.plays != f.plays
