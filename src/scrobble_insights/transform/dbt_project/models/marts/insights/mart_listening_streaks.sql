-- Listening streaks: every run of consecutive local days with at least one play, per user (grain one
-- user and run). A day without plays ends a run; the days come from mart_daily_plays, which holds every
-- local day with its plays (quiet days as 0). Consecutive days keep the same difference between their
-- day number and their position among the user's days with plays, which identifies the run.
-- is_longest: the run with the most days (of equal ones, the latest). is_current: the run that ends on
-- the build's today or yesterday (today is not over: a run that reached yesterday is still alive).
-- `today` is the environment variable dim_date reads (SCROBBLE_INSIGHTS_TODAY), else the var.
{%- set today = env_var('SCROBBLE_INSIGHTS_TODAY', var('today')) %}
with days_with_plays as (
    select
        user_key,
        user_name,
        local_date,
        plays,
        {{ dbt.datediff("cast('2000-01-01' as date)", 'local_date', 'day') }}
            - row_number() over (partition by user_key order by local_date) as run_id
    from {{ ref('mart_daily_plays') }}
    where plays > 0
),

runs as (
    select
        user_key,
        user_name,
        min(local_date) as start_date,
        max(local_date) as end_date,
        count(*) as days,
        cast(sum(plays) as {{ dbt.type_bigint() }}) as plays
    from days_with_plays
    group by user_key, user_name, run_id
),

ranked as (
    select
        *,
        row_number() over (partition by user_key order by start_date) as streak_number,
        row_number() over (partition by user_key order by days desc, end_date desc) as length_rank
    from runs
)

select
    user_key,
    user_name,
    streak_number,
    start_date,
    end_date,
    days,
    plays,
    length_rank = 1 as is_longest,
    end_date >= cast({{ dbt.dateadd('day', -1, "cast('" ~ today ~ "' as date)") }} as date) as is_current
from ranked
