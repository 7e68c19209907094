-- The listening clock: plays per user, local weekday and local hour (all 168 cells, zeros kept),
-- with the share of the user's plays and the average per occurrence of that weekday.
with cells as (
    select u.user_key, u.user_name, w.n + 1 as weekday, h.n as hour
    from {{ ref('dim_user') }} as u
    cross join ({{ number_spine(7) }}) as w
    cross join ({{ number_spine(24) }}) as h
),

plays as (
    -- summed from the plays per user, local day, hour and genre family (incremental), not the fact
    select user_key, weekday, hour, cast(sum(plays) as {{ dbt.type_bigint() }}) as plays
    from {{ ref('mart_hourly_plays') }}
    group by user_key, weekday, hour
),

weekdays as (
    select user_key, weekday, count(*) as days
    from {{ ref('mart_daily_plays') }}
    group by user_key, weekday
)

select
    c.user_key,
    c.user_name,
    c.weekday,
    c.hour,
    {{ day_part('c.hour') }} as day_part,
    coalesce(p.plays, 0) as plays,
    coalesce(p.plays, 0) * 1.0 / nullif(sum(coalesce(p.plays, 0)) over (partition by c.user_key), 0) as share,
    coalesce(p.plays, 0) * 1.0 / nullif(w.days, 0) as plays_per_day
from cells as c
left join plays as p on p.user_key = c.user_key and p.weekday = c.weekday and p.hour = c.hour
left join weekdays as w on w.user_key = c.user_key and w.weekday = c.weekday
