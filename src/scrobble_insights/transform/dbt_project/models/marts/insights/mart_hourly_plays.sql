{#- Incremental per user and local day, as mart_track_plays (which it sums): the tail of days from the
    day before a user's first changed UTC day, and the days whose artists' genres changed
    (int_track_plays_regenred_days). The rows of those days are replaced (tail days may now be empty). -#}
{%- set replaced = local_days_replaced() %}
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
track_plays as (
    {{ track_plays_of_replaced_days() }}
)

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
