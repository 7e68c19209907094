{{ config(
    materialized='incremental',
    incremental_strategy='replace_user_days',
    unique_key='scrobble_id',
    on_schema_change='fail',
) }}
-- depends_on: {{ ref('int_user_days_changed') }}
-- depends_on: {{ ref('stg_lastfm__scrobbles') }}
-- depends_on: {{ ref('stg_reference__user_timezones') }}

-- Grain: one scrobble. Keys to every dimension, UTC and local time. Only what a scrobble's own day
-- determines is stored here: sessions (scrobble_sessions), first plays (first_plays) and the
-- artist's genre (dim_artist.primary_genre_key) depend on other days or tables and live there.
-- Keys are per artist, not per spelling (int_artist_names_resolved); the spelling as scrobbled is kept
-- so that a day whose spellings now resolve to another artist is replaced too (changed_user_days).
-- Incremental with the custom strategy replace_user_days (macros/replace_user_days.sql): the
-- changed user-days (changed_user_days) are selected here and replaced whole in the target, so
-- scrobbles deleted upstream disappear too and an incremental build equals a full rebuild.
-- int_user_days_changed computes those days with that rule before this model changes the target (it
-- is built first, hence the depends_on); the fact, its strategy, the incremental marts and the
-- partition-limited tests downstream all read that record (one scan of the history, not three).

{%- if is_incremental() %}
{#- The changed days are this build's only when int_user_days_changed is built in it too: a build of
    the fact alone (`dbt build --select fact_scrobbles`) would replace the days of the build before. -#}
{%- if execute and flags.WHICH in ('build', 'run')
      and 'model.scrobble_insights.int_user_days_changed' not in selected_resources %}
{{ exceptions.raise_compiler_error("fact_scrobbles is built incrementally only together with int_user_days_changed, "
   "which records the days it replaces: select it too (dbt build --select int_user_days_changed+) or run "
   "`scrobble-insights transform`") }}
{%- endif %}
with changed as (
    -- the days int_user_days_changed recorded in this build, before the fact changed (the same rule,
    -- changed_user_days, on the same target): not computed again from the whole fact
    select user_name, utc_date from {{ ref('int_user_days_changed') }}
),

scrobbles as (
    -- the scrobbles of the changed days, localized below (int_scrobbles_localized's rule, macro
    -- localize_scrobbles), not the whole history; the bound on the day lets the scan skip old blocks
    select s.*
    from {{ ref('stg_lastfm__scrobbles') }} as s
    inner join changed on changed.user_name = s.user_name and changed.utc_date = s.utc_date
    where s.utc_date >= (select min(utc_date) from changed)
),

localized as (
    {{ localize_scrobbles('scrobbles', ref('stg_reference__user_timezones')) }}
)
{%- else %}
with localized as (
    select * from {{ ref('int_scrobbles_localized') }}
)
{%- endif %},

keys as (
    -- the track and album keys of each distinct (artist, track, album) as scrobbled: the names are
    -- normalized once per spelling, not once per scrobble (at 10 M scrobbles the keys took half of the
    -- select's 0.2 s for the 52,000 scrobbles of the changed days)
    select artist_key, track_name, album_name,
           {{ track_key('artist_key', 'track_name') }} as track_key,
           {{ album_key('artist_key', 'album_name') }} as album_key
    from (
        select distinct n.artist_key, l.track_name, l.album_name
        {#- a full build reads the localized scrobbles in place: the CTE is then read once, not kept #}
        from {{ 'localized' if is_incremental() else ref('int_scrobbles_localized') }} as l
        inner join {{ ref('int_artist_names_resolved') }} as n on n.artist_name = l.artist_name
    ) as spellings
)

select
    l.scrobble_id,
    {{ surrogate_key(['l.user_name']) }} as user_key,
    n.artist_key,
    k.track_key,
    k.album_key,
    extract(year from l.played_at_local) * 10000 + extract(month from l.played_at_local) * 100
        + extract(day from l.played_at_local) as date_key,
    extract(hour from l.played_at_local) * 100 + extract(minute from l.played_at_local) as time_key,
    l.user_name,
    l.artist_name as artist_name_as_scrobbled,
    l.played_at_uts,
    l.played_at_utc,
    l.played_at_local,
    cast(l.played_at_local as date) as local_date,
    l.utc_date,
    l.timezone,
    -- same second, artist and track: within one UTC day, so a day's rows decide it alone
    row_number() over (
        partition by l.user_name, l.played_at_uts, l.artist_name, l.track_name order by l.scrobble_id
    ) > 1 as is_possible_duplicate,
    d.loaded_at as day_loaded_at
from localized as l
inner join {{ ref('int_artist_names_resolved') }} as n on n.artist_name = l.artist_name
inner join keys as k
    on k.artist_key = n.artist_key and k.track_name = l.track_name and k.album_name is not distinct from l.album_name
inner join {{ ref('stg_lastfm__extracted_days') }} as d
    on d.user_name = l.user_name and d.utc_date = l.utc_date
{{ time_ordered('l.utc_date') }}
