-- Per user and local year: the calendar days the history covers that year, the days with plays, and
-- the longest run of consecutive days with plays inside the year (a run across New Year counts its
-- days in each year separately; of equal runs, the latest). Grain one user and year; a year with no
-- play has a longest streak of 0 days and no dates.
with days_with_plays as (
    select
        user_key,
        year,
        local_date,
        {{ dbt.datediff("cast('2000-01-01' as date)", 'local_date', 'day') }}
            - row_number() over (partition by user_key, year order by local_date) as run_id
    from {{ ref('mart_daily_plays') }}
    where plays > 0
),

runs as (
    select user_key, year, min(local_date) as start_date, max(local_date) as end_date, count(*) as days
    from days_with_plays
    group by user_key, year, run_id
),

longest as (
    select
        *,
        row_number() over (partition by user_key, year order by days desc, end_date desc) as length_rank
    from runs
),

years as (
    select
        user_key,
        user_name,
        year,
        min(local_date) as first_date,
        max(local_date) as last_date,
        count(*) as days,
        cast(sum(case when plays > 0 then 1 else 0 end) as {{ dbt.type_bigint() }}) as days_with_plays
    from {{ ref('mart_daily_plays') }}
    group by user_key, user_name, year
)

select
    y.user_key,
    y.user_name,
    y.year,
    y.first_date,
    y.last_date,
    y.days,
    y.days_with_plays,
    coalesce(l.days, 0) as longest_streak_days,
    l.start_date as longest_streak_start_date,
    l.end_date as longest_streak_end_date
from years as y
left join longest as l on l.user_key = y.user_key and l.year = y.year and l.length_rank = 1
