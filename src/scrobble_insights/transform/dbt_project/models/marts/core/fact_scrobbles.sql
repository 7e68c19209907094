{{ config(
    materialized='incremental',
    unique_key='scrobble_id',
    incremental_strategy=('merge' if target.type == 'bigquery' else 'delete+insert'),
    on_schema_change='fail',
    pre_hook=["{{ fact_scrobbles_record_changes() }}", "{{ fact_scrobbles_delete_changed_days() }}"],
    post_hook=["{{ fact_scrobbles_refresh_sessions() }}",
               "{{ fact_scrobbles_refresh_discovery('artist_key', 'is_artist_discovery') }}",
               "{{ fact_scrobbles_refresh_discovery('track_key', 'is_track_discovery') }}",
               "{{ fact_scrobbles_refresh_genres() }}",
               "{{ fact_scrobbles_drop_changes() }}"],
) }}

-- Grain: one scrobble. Keys to every dimension, UTC and local time, session, discovery flags.
-- Incremental: only user-days (re)loaded since the last build are processed; their old rows are
-- deleted first (pre-hooks), and the columns that depend on other days are refreshed after, only
-- where a change can reach them (post-hooks), so an incremental build equals a full rebuild.

with localized as (
    select l.*
    from {{ ref('int_scrobbles_localized') }} as l
    {% if is_incremental() %}
    inner join (select distinct user_name, utc_date from {{ fact_changes_relation() }}) as changed
        on changed.user_name = l.user_name and changed.utc_date = l.utc_date
    {% endif %}
),

keyed as (
    select
        l.scrobble_id,
        l.user_name,
        l.played_at_uts,
        l.played_at_utc,
        l.played_at_local,
        l.utc_date,
        l.timezone,
        cast(l.played_at_local as date) as local_date,
        {{ surrogate_key(['l.user_name']) }} as user_key,
        {{ surrogate_key(['l.artist_name']) }} as artist_key,
        {{ surrogate_key(['l.artist_name', 'l.track_name']) }} as track_key,
        {{ surrogate_key(['l.artist_name', "coalesce(l.album_name, '(no album)')", 'l.album_name is null']) }}
            as album_key,
        extract(year from l.played_at_local) * 10000 + extract(month from l.played_at_local) * 100
            + extract(day from l.played_at_local) as date_key,
        extract(hour from l.played_at_local) * 100 + extract(minute from l.played_at_local) as time_key,
        row_number() over (
            partition by l.user_name, l.played_at_uts, l.artist_name, l.track_name order by l.scrobble_id
        ) > 1 as is_possible_duplicate,
        d.loaded_at as day_loaded_at
    from localized as l
    inner join {{ ref('stg_lastfm__extracted_days') }} as d
        on d.user_name = l.user_name and d.utc_date = l.utc_date
),

derived as (
    {{ fact_derived_columns('keyed') }}
)

select
    k.scrobble_id,
    k.user_key,
    k.artist_key,
    k.track_key,
    k.album_key,
    x.genre_key,
    k.date_key,
    k.time_key,
    x.session_id,
    x.session_started_at_uts,
    k.user_name,
    k.played_at_uts,
    k.played_at_utc,
    k.played_at_local,
    k.local_date,
    k.utc_date,
    k.timezone,
    x.is_artist_discovery,
    x.is_track_discovery,
    k.is_possible_duplicate,
    k.day_loaded_at
from keyed as k
inner join derived as x on x.scrobble_id = k.scrobble_id
