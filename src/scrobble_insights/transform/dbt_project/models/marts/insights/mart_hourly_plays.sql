{#- Incremental per user and local day, as mart_track_plays (which it sums): the tail of days from the
    day before a user's first changed UTC day, and the days whose artists' genres changed
    (int_track_plays_regenred_days). The rows of those days are replaced (tail days may now be empty). -#}
{%- set replaced -%}
exists (select 1 from (select user_name, min(utc_date) as from_date from __changed_user_days__ group by user_name) as c
        where c.user_name = DBT_INTERNAL_DEST.user_name
          and DBT_INTERNAL_DEST.local_date >= cast({{ dbt.dateadd('day', -1, 'c.from_date') }} as date))
or exists (select 1 from __new_rows__ as n
           where n.user_name = DBT_INTERNAL_DEST.user_name and n.local_date = DBT_INTERNAL_DEST.local_date)
{%- endset %}
{{ config(
    materialized='incremental',
    incremental_strategy='replace_where',
    incremental_predicates=[replaced],
    on_schema_change='fail',
) }}
-- depends_on: {{ ref('int_user_days_changed') }}
-- depends_on: {{ ref('int_track_plays_regenred_days') }}

-- Plays per user, local day, local hour and genre family (the listening clock and the hours of any
-- range of days, for all genres or one family); rolled up from mart_track_plays.
-- Incremental per user and local day (strategy replace_where), the days mart_track_plays replaced;
-- a full build sums every day: both give the same rows.
with
{%- if is_incremental() %}
tails as (
    select user_name, cast({{ dbt.dateadd('day', -1, 'min(utc_date)') }} as date) as from_day
    from {{ ref('int_user_days_changed') }}
    group by user_name
),

track_plays as (
    -- mart_track_plays' rows of the days it replaced in this build (the same rule)
    select m.*
    from {{ ref('mart_track_plays') }} as m
    left join tails as tail on tail.user_name = m.user_name
    left join {{ ref('int_track_plays_regenred_days') }} as regenred
        on regenred.user_name = m.user_name and regenred.local_date = m.local_date
    where m.local_date >= tail.from_day or regenred.user_name is not null
)
{%- else %}
track_plays as (
    select * from {{ ref('mart_track_plays') }}
)
{%- endif %}

select
    user_key,
    user_name,
    local_date,
    year,
    weekday,
    hour,
    genre_family,
    cast(sum(plays) as {{ dbt.type_bigint() }}) as plays
from track_plays
group by user_key, user_name, local_date, year, weekday, hour, genre_family
