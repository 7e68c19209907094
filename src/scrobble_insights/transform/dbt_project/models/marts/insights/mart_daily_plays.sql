{#- Incremental per user tail of local days: from the day before a user's first changed UTC day on
    (a play's local day is at most one day before its UTC day), see the comment below. -#}
{%- set tail_predicate -%}
exists (select 1 from (select user_name, min(utc_date) as from_date from __changed_user_days__ group by user_name) as c
        where c.user_name = DBT_INTERNAL_DEST.user_name
          and DBT_INTERNAL_DEST.local_date >= cast({{ dbt.dateadd('day', -1, 'c.from_date') }} as date))
{%- endset %}
{#- implied by tail_predicate: one bound for every user, applied while the target is scanned, before the
    correlated exists (see macros/changed_partitions.sql) -#}
{%- set tail_bound = 'DBT_INTERNAL_DEST.local_date >= (select cast(' ~ dbt.dateadd('day', -1, 'min(utc_date)') ~ ' as date) from __changed_user_days__)' %}
{{ config(
    materialized='incremental',
    incremental_strategy='replace_where',
    incremental_predicates=[tail_bound, tail_predicate],
    on_schema_change='fail',
) }}
-- depends_on: {{ ref('int_user_days_changed') }}

-- Plays per user and local day, every day from the user's first play to the last extracted day
-- (days without plays are rows with 0), so "average tracks per day" counts the quiet days too.
-- Incremental per user (strategy replace_where): a changed UTC day changes plays on its local days,
-- and sessions and first plays only from its own time on (scrobble_sessions, first_plays), so every
-- local day of a user from the day before their first changed UTC day on is recomputed; the days
-- before keep their rows. A full build recomputes every day: both give the same rows.
with
{%- if is_incremental() %}
tails as (
    {{ local_day_tails(ref('int_user_days_changed')) }}
),

tail_days as (
    -- the first and last local day with plays in each user's tail
    select f.user_name, min(f.local_date) as first_day, max(f.local_date) as last_day
    from {{ ref('fact_scrobbles') }} as f
    inner join tails as t on t.user_name = f.user_name and f.local_date >= t.from_day
    where f.local_date >= (select min(from_day) from tails)      -- implied; applied while scanning
    group by f.user_name
),

kept_days as (
    -- the first day of the rows kept before each tail: the user's first play (the table starts there)
    select m.user_name, min(m.local_date) as first_day
    from {{ this }} as m
    inner join tails as t on t.user_name = m.user_name and m.local_date < t.from_day
    group by m.user_name
),

bounds as (
    -- as below, from the tails and the kept rows, not the whole fact: a user's first day is that of
    -- the kept rows when there are any; the tail's last play, or the last extracted day, ends it
    select
        u.user_key,
        t.user_name,
        coalesce(k.first_day, p.first_day) as first_day,
        greatest(
            coalesce(p.last_day, cast('1970-01-01' as date)),
            coalesce((select max(e.utc_date) from {{ ref('stg_lastfm__extracted_days') }} as e
                      where e.user_name = t.user_name), cast('1970-01-01' as date))
        ) as last_day
    from tails as t
    inner join {{ ref('dim_user') }} as u on u.user_name = t.user_name
    left join tail_days as p on p.user_name = t.user_name
    left join kept_days as k on k.user_name = t.user_name
    where coalesce(k.first_day, p.first_day) is not null
),
{%- else %}
bounds as (
    -- to the last extracted day, or later when a play's local day is after it (zones east of UTC)
    select
        f.user_key,
        f.user_name,
        min(f.local_date) as first_day,
        greatest(
            max(f.local_date),
            (select max(e.utc_date) from {{ ref('stg_lastfm__extracted_days') }} as e
             where e.user_name = f.user_name)
        ) as last_day
    from {{ ref('fact_scrobbles') }} as f
    group by f.user_key, f.user_name
),
{%- endif %}

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
    {%- if is_incremental() %} and fp.local_date >= (select min(from_day) from tails){% endif %}
    {%- if is_incremental() %}
    inner join tails as t on t.user_name = f.user_name and f.local_date >= t.from_day
    -- the earliest tail day of all users (and, for the sessions, 1 day before its start in UTC): bounds
    -- implied by the join, applied while the tables are scanned, so the history is skipped
    where f.local_date >= (select min(from_day) from tails)
      and s.played_at_uts >= (select {{ date_start_uts('min(from_day)') }} - 86400 from tails)
    {%- endif %}
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
{%- if is_incremental() %}
inner join tails as t on t.user_name = b.user_name
{%- endif %}
inner join {{ ref('dim_user') }} as u on u.user_key = b.user_key
inner join {{ ref('dim_date') }} as d
    on d.date_day >= b.first_day and d.date_day <= b.last_day
    {%- if is_incremental() %} and d.date_day >= t.from_day{% endif %}
left join plays as p on p.user_key = b.user_key and p.local_date = d.date_day
